"""``ovirt-cinder-vdsm-hooks install``: put the ``50_cinder_rbd`` hook scripts where VDSM runs them.

    ovirt-cinder-vdsm-hooks install [--prefix /usr/libexec/vdsm/hooks] [--dry-run]
                                    [--python INTERPRETER] [--source DIR]

Copies ``before_vm_start/50_cinder_rbd`` and ``before_disk_hotplug/50_cinder_rbd`` into
``PREFIX/before_vm_start/`` and ``PREFIX/before_disk_hotplug/`` (made when missing), mode 0755,
each through a temporary file and a rename, so that VDSM never runs half a script.

The scripts come from the source tree next to this package (a checkout, an editable install) or
from the distribution's data files (``share/ovirt-cinder-plugin/vdsm_hooks`` under the
interpreter's prefix, where ``pip`` puts them); ``--source`` names another directory. Their
``#!`` line becomes the interpreter that runs this command (``--python`` to choose), as pip does
for console scripts: the interpreter that has this package installed is the one that can import
it. Everything else is copied byte for byte.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import tempfile
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

DEFAULT_PREFIX = Path("/usr/libexec/vdsm/hooks")
SCRIPT_NAME = "50_cinder_rbd"
HOOKS = ("before_vm_start", "before_disk_hotplug")
DATA_DIRECTORY = Path("share", "ovirt-cinder-plugin", "vdsm_hooks")
SCRIPT_MODE = 0o755


class InstallError(Exception):
    """The scripts cannot be found or installed; the message says why."""


def script_sources(explicit: Path | None = None) -> list[Path]:
    """The directories that may hold ``<hook>/50_cinder_rbd``, in the order they are tried."""
    if explicit is not None:
        return [explicit]
    checkout = Path(__file__).resolve().parents[2] / "vdsm_hooks"
    data_roots = [sysconfig.get_path("data"), sys.prefix, sysconfig.get_path("data", f"{os.name}_user")]
    return [checkout, *(Path(root) / DATA_DIRECTORY for root in dict.fromkeys(data_roots))]


def hook_scripts() -> Path:
    """The directory of the hook scripts the engine's host agent runs for Cinder disks: the
    checkout's or the installed data files (``OVIRT_CINDER_HOOKS_DIR`` names another one)."""
    explicit = os.environ.get("OVIRT_CINDER_HOOKS_DIR")
    try:
        return find_scripts(Path(explicit) if explicit else None)
    except InstallError:
        return script_sources()[0]  # the engine starts; a VM start names what is missing


def find_scripts(explicit: Path | None = None) -> Path:
    """The first of :func:`script_sources` that has both hook scripts."""
    candidates = script_sources(explicit)
    for directory in candidates:
        if all((directory / hook / SCRIPT_NAME).is_file() for hook in HOOKS):
            return directory
    tried = ", ".join(str(directory) for directory in candidates)
    raise InstallError(f"the hook scripts ({' and '.join(f'{h}/{SCRIPT_NAME}' for h in HOOKS)}) are not in {tried}")


def with_interpreter(script: bytes, python: str) -> bytes:
    """``script`` with its ``#!`` line naming ``python``."""
    if not script.startswith(b"#!"):
        raise InstallError("the hook script does not start with #!")
    _, newline, body = script.partition(b"\n")
    return b"#!" + os.fsencode(python) + newline + body


def install(prefix: Path, source: Path, python: str, *, dry_run: bool = False, out: TextIO | None = None) -> list[Path]:
    """Install both scripts under ``prefix``; returns their paths. ``dry_run`` only says what it would do."""
    if not os.path.isabs(python) or any(c.isspace() for c in python):
        raise InstallError(f"the interpreter must be an absolute path without spaces, not {python!r}")
    out = sys.stdout if out is None else out
    installed = []
    for hook in HOOKS:
        origin = source / hook / SCRIPT_NAME
        target = prefix / hook / SCRIPT_NAME
        content = with_interpreter(origin.read_bytes(), python)
        if dry_run:
            out.write(f"would install {origin} -> {target} (#!{python}, mode 0755)\n")
        else:
            _replace(target, content)
            out.write(f"installed {target} (from {origin}, #!{python}, mode 0755)\n")
        installed.append(target)
    return installed


def _replace(target: Path, content: bytes) -> None:
    target.parent.mkdir(mode=SCRIPT_MODE, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.chmod(temporary, SCRIPT_MODE)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ovirt-cinder-vdsm-hooks", description="The VDSM hook scripts of ovirt-cinder-plugin."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install_command = commands.add_parser(
        "install",
        help="copy the hook scripts into VDSM's hook directories",
        description="Copy before_vm_start/50_cinder_rbd and before_disk_hotplug/50_cinder_rbd into PREFIX, mode 0755.",
    )
    install_command.add_argument(
        "--prefix", type=Path, default=DEFAULT_PREFIX, help=f"VDSM's hook directory (default {DEFAULT_PREFIX})"
    )
    install_command.add_argument("--dry-run", action="store_true", help="print what would be installed, change nothing")
    install_command.add_argument(
        "--python", default=sys.executable, help=f"the interpreter of the scripts' #! line (default {sys.executable})"
    )
    install_command.add_argument(
        "--source", type=Path, help="the directory with <hook>/50_cinder_rbd (default: found next to the package)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console command ``ovirt-cinder-vdsm-hooks``; returns the exit code."""
    arguments = build_parser().parse_args(argv)
    try:
        source = find_scripts(arguments.source)
        install(arguments.prefix, source, arguments.python, dry_run=arguments.dry_run)
    except (InstallError, OSError) as error:
        sys.stderr.write(f"ovirt-cinder-vdsm-hooks: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
