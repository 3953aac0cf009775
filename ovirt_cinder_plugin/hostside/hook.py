"""VDSM's hook protocol around :mod:`.rbd_disks`: the entry points of the ``50_cinder_rbd`` scripts.

VDSM runs every executable of ``/usr/libexec/vdsm/hooks/<hook>/`` with the path of a file holding
the XML in ``_hook_domxml`` (``before_vm_start``: the ``<domain>``; ``before_disk_hotplug``: one
``<disk>``) and the VM's custom properties as environment variables. A hook rewrites the file in
place and exits 0 (ok), 1 (failed, VDSM goes on) or 2 (failed, VDSM stops).

Syntax:
    ovirt_cinder_disks={"<disk id>": {"driver_volume_type": "rbd", "data": {...}}, ...}

Example:
    ovirt_cinder_disks={"af2f8d37-...": {"driver_volume_type": "rbd", "data": {"name": "volumes/volume-af2f8d37-...",
        "hosts": ["127.0.0.1"], "ports": ["6789"], "auth_enabled": true, "auth_username": "cinder",
        "secret_type": "ceph", "secret_uuid": "0d2a4a4c-3f3b-4c0a-9d5e-5b1c1f0ec1d0", "discard": true}}}

- The property absent, blank or ``{}``: exit 0, the file untouched (not even read).
- Otherwise the property and the XML are checked first; anything malformed (see
  :mod:`.rbd_disks`) gives exit 2, one line on stderr naming the reason, and the file untouched.
- ``before_vm_start``: every disk id of the property must have a placeholder drive in the domain.
- ``before_disk_hotplug``: a disk that is not a Cinder disk's placeholder is left alone.
- The XML is read and written through VDSM's ``hooking`` module when ``import hooking`` works (VDSM
  puts it on ``PYTHONPATH`` for its hooks), else in the same way without it (minidom, UTF-8).
- On success, one line on stderr (VDSM logs it) lists the rewritten disks.
"""

from __future__ import annotations

import importlib
import os
import sys

from ovirt_cinder_plugin.hostside import rbd_disks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from xml.dom import minidom

    _Rewrite = Callable[[minidom.Document, Mapping[str, rbd_disks.RbdVolume]], list[minidom.Element]]

SCRIPT_NAME = "50_cinder_rbd"
DOMXML_VARIABLE = "_hook_domxml"

EXIT_OK = 0
EXIT_FAILED_CONTINUE = 1
EXIT_FAILED_STOP = 2


def before_vm_start_main() -> int:
    """The ``before_vm_start`` hook: rewrite the Cinder disks of the domain. Returns the exit code."""
    return run_hook("before_vm_start", rbd_disks.rewrite_domain)


def before_disk_hotplug_main() -> int:
    """The ``before_disk_hotplug`` hook: rewrite the disk if it is a Cinder disk. Returns the exit code."""
    return run_hook("before_disk_hotplug", rbd_disks.rewrite_hotplug_disk)


def run_hook(hook_name: str, rewrite: _Rewrite) -> int:
    """Run ``rewrite`` on the document of ``_hook_domxml`` with the disks of ``ovirt_cinder_disks``."""
    try:
        volumes = rbd_disks.parse_cinder_disks(os.environ.get(rbd_disks.CUSTOM_PROPERTY))
        if not volumes:
            return EXIT_OK
        path = os.environ.get(DOMXML_VARIABLE)
        if not path:
            raise rbd_disks.HookInputError(f"{DOMXML_VARIABLE} is not set")
        with open(path, "rb") as file:
            original = file.read()
        document = rbd_disks.parse_xml(original)
        hooking = vdsm_hooking()
        if hooking is not None:
            document = hooking[0]()
        rewritten = rewrite(document, volumes)
        if not rewritten:
            return EXIT_OK
        if hooking is not None:
            hooking[1](document)
        else:
            _write(path, rbd_disks.serialize(document))
    except rbd_disks.HookInputError as error:
        return _fail(hook_name, str(error))
    except OSError as error:
        return _fail(hook_name, f"{error.filename or DOMXML_VARIABLE}: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - any failure must stop VDSM with one line, not a traceback
        return _fail(hook_name, f"unexpected {type(error).__name__}: {error}")
    _log(hook_name, f"{len(rewritten)} Cinder disk(s) as RBD network disks: {_describe(rewritten)}")
    return EXIT_OK


def vdsm_hooking() -> tuple[Callable[[], minidom.Document], Callable[[minidom.Document], None]] | None:
    """``(read_domxml, write_domxml)`` of VDSM's ``hooking`` module, or ``None`` without VDSM."""
    try:
        module = importlib.import_module("hooking")
    except ImportError:
        return None
    read, write = getattr(module, "read_domxml", None), getattr(module, "write_domxml", None)
    if not callable(read) or not callable(write):
        return None
    return read, write


def _write(path: str, data: bytes) -> None:
    # In place, as VDSM's hooking.write_domxml does: VDSM reads the same path back.
    with open(path, "wb") as file:
        file.write(data)


def _describe(disks: list[minidom.Element]) -> str:
    described = []
    for disk in disks:
        targets = [node.getAttribute("dev") for node in disk.getElementsByTagName("target")]
        described.append(f"{rbd_disks.disk_serial(disk)} ({targets[0] if targets else 'no target'})")
    return ", ".join(described)


def _log(hook_name: str, message: str) -> None:
    sys.stderr.write(f"{SCRIPT_NAME} ({hook_name}): {' '.join(message.split())}\n")


def _fail(hook_name: str, reason: str) -> int:
    _log(hook_name, reason)
    return EXIT_FAILED_STOP
