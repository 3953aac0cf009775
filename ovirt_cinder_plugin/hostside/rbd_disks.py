"""Cinder volumes on Ceph RBD as libvirt network disks: the custom property and the XML rewrite.

The engine's host agent gives VDSM a placeholder drive for every Cinder disk of a VM, and the VM
custom property ``ovirt_cinder_disks`` with each disk's Cinder connection info. This module checks
the property and turns each placeholder into the RBD network disk that nova writes for the same
connection info (``nova/virt/libvirt/volume/net.py``). Pure functions on strings and minidom
nodes; the VDSM side (files, environment, exit codes) is in :mod:`.hook`.

Syntax:
    ovirt_cinder_disks={"<disk id>": {"driver_volume_type": "rbd", "data": {...}, "attachment_id": ...}, ...}

Example:
    ovirt_cinder_disks={"af2f8d37-38aa-4dad-8b21-15629a4bd52b": {"driver_volume_type": "rbd",
        "data": {"name": "volumes/volume-af2f8d37-38aa-4dad-8b21-15629a4bd52b",
                 "hosts": ["127.0.0.1"], "ports": ["6789"], "auth_enabled": true,
                 "auth_username": "cinder", "secret_type": "ceph",
                 "secret_uuid": "0d2a4a4c-3f3b-4c0a-9d5e-5b1c1f0ec1d0", "discard": true},
        "attachment_id": null}}

A placeholder is a ``<disk>`` (in a domain: a child of ``<devices>``) whose ``<serial>`` is a disk
id of the property. Its ``type`` becomes ``network``; ``<driver>``, ``<source>``, ``<auth>`` (and
the file-only ``<backingStore>`` and ``<mirror>``) are replaced; every other child (``<target>``,
``<serial>``, ``<boot>``, ``<address>``, ``<alias>``, ``<readonly>``, ...) is kept, in its order,
after them. The indentation of the placeholder is kept, so a rewritten disk rewrites to itself.

Only ``name``, ``hosts``, ``ports``, ``auth_enabled``, ``auth_username``, ``secret_type``,
``secret_uuid`` and ``discard`` of ``data`` are read: nothing else of the property (such as a
``keyring`` that should never be there) can reach the XML, and error messages quote no value but
disk ids.

Standard library only, and only cheap modules: a hook starts a Python process per VM start.
"""

from __future__ import annotations

import json
from xml.dom import minidom
from xml.parsers import expat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    _Child = minidom.Element | minidom.ProcessingInstruction | minidom.Comment | minidom.Text

CUSTOM_PROPERTY = "ovirt_cinder_disks"
"""The VM custom property (an environment variable of the hook) with the Cinder disks."""

REPLACED_CHILDREN = frozenset({"driver", "source", "auth", "backingStore", "mirror"})
"""Children of a placeholder that describe where its data is: replaced by the RBD ones."""

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_UUID_GROUPS = [8, 4, 4, 4, 12]


class HookInputError(ValueError):
    """The custom property or the XML is malformed; the message is one line, quoting no secret."""


class RbdAuth:
    """Cephx credentials by reference: the user and the libvirt secret that holds its key."""

    __slots__ = ("secret_type", "secret_uuid", "username")

    def __init__(self, username: str, secret_type: str, secret_uuid: str) -> None:
        self.username = username
        self.secret_type = secret_type
        self.secret_uuid = secret_uuid

    def __repr__(self) -> str:
        return f"RbdAuth({self.username!r}, {self.secret_type!r}, {self.secret_uuid!r})"


class RbdVolume:
    """One Cinder disk as libvirt needs it, checked: image, monitors, auth, discard."""

    __slots__ = ("auth", "discard", "disk_id", "hosts", "name")

    def __init__(
        self, disk_id: str, name: str, hosts: tuple[tuple[str, str], ...], auth: RbdAuth | None, discard: bool
    ) -> None:
        self.disk_id = disk_id
        self.name = name
        self.hosts = hosts
        self.auth = auth
        self.discard = discard

    def __repr__(self) -> str:
        return f"RbdVolume({self.disk_id!r}, {self.name!r}, {self.hosts!r}, {self.auth!r}, {self.discard!r})"


# --- the custom property -------------------------------------------------------------------------


def parse_cinder_disks(text: str | None) -> dict[str, RbdVolume]:
    """The Cinder disks of the custom property ``ovirt_cinder_disks``, by disk id.

    ``None`` (the property is absent), a blank string and ``{}`` give an empty dict: nothing to do.
    Raises :class:`HookInputError` for anything malformed, in any entry.
    """
    if text is None or not text.strip():
        return {}
    try:
        disks = json.loads(text)
    except ValueError as error:  # JSONDecodeError's message has a position, never the text
        raise HookInputError(f"{CUSTOM_PROPERTY} is not JSON: {error}") from None
    if not isinstance(disks, dict):
        raise HookInputError(f"{CUSTOM_PROPERTY} is not a JSON object")
    volumes = {}
    for disk_id, entry in disks.items():
        if not _is_word(disk_id):
            raise HookInputError(f"{CUSTOM_PROPERTY} has a disk id that is empty or has spaces")
        volumes[disk_id] = parse_connection_info(disk_id, entry)
    return volumes


def parse_connection_info(disk_id: str, entry: object) -> RbdVolume:
    """One entry of the property: ``{"driver_volume_type": "rbd", "data": {...}}``, checked."""
    where = f"disk {disk_id!r}"
    if not isinstance(entry, dict):
        raise HookInputError(f"{where}: the connection info is not a JSON object")
    if entry.get("driver_volume_type") != "rbd":
        raise HookInputError(f"{where}: driver_volume_type is not 'rbd'")
    data = entry.get("data")
    if not isinstance(data, dict):
        raise HookInputError(f"{where}: data is not a JSON object")

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise HookInputError(f"{where}: data.name is missing or empty")
    if not _is_word(name):
        raise HookInputError(f"{where}: data.name has spaces or control characters")

    hosts, ports = data.get("hosts"), data.get("ports")
    if not isinstance(hosts, list) or not hosts:
        raise HookInputError(f"{where}: data.hosts is missing or empty")
    if not isinstance(ports, list) or not ports:
        raise HookInputError(f"{where}: data.ports is missing or empty")
    if len(hosts) != len(ports):
        raise HookInputError(f"{where}: data.hosts and data.ports differ in length ({len(hosts)} and {len(ports)})")
    monitors = []
    for index, (host, port) in enumerate(zip(hosts, ports, strict=True)):
        if not _is_word(host):
            raise HookInputError(f"{where}: data.hosts[{index}] is not a host name or address")
        number = _port_number(port)
        if number is None:
            raise HookInputError(f"{where}: data.ports[{index}] is not a port number 1-65535")
        monitors.append((host, str(number)))

    auth = None
    if _flag(data, "auth_enabled", where):
        username, secret_uuid = data.get("auth_username"), data.get("secret_uuid")
        secret_type = data.get("secret_type") or "ceph"
        if not isinstance(username, str) or not username:
            raise HookInputError(f"{where}: data.auth_enabled is true but data.auth_username is missing")
        if not _is_word(username):
            raise HookInputError(f"{where}: data.auth_username has spaces or control characters")
        if secret_uuid is None or secret_uuid == "":
            raise HookInputError(f"{where}: data.auth_enabled is true but data.secret_uuid is missing")
        if not isinstance(secret_uuid, str) or not _is_uuid(secret_uuid):
            raise HookInputError(f"{where}: data.secret_uuid is not a UUID")
        if secret_type != "ceph":  # noqa: S105 - libvirt's secret type for cephx, not a password
            raise HookInputError(f"{where}: data.secret_type is not 'ceph'")
        auth = RbdAuth(username, secret_type, secret_uuid)

    return RbdVolume(disk_id, name, tuple(monitors), auth, _flag(data, "discard", where))


def _flag(data: Mapping[str, object], key: str, where: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise HookInputError(f"{where}: data.{key} is not true or false")
    return value


def _is_word(value: object) -> bool:
    """A non-empty string with neither whitespace nor control characters (a name, a host, an id)."""
    return isinstance(value, str) and value.isprintable() and value.split() == [value]


def _port_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 5 and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 1 <= number <= 65535 else None


def _is_uuid(value: str) -> bool:
    groups = value.split("-")
    return [len(group) for group in groups] == _UUID_GROUPS and all(c in _HEX_DIGITS for c in "".join(groups))


# --- the XML --------------------------------------------------------------------------------------


class _DoctypeFound(Exception):
    pass


def _refuse_doctype(*_: object) -> None:
    raise _DoctypeFound


def check_xml(xml: bytes | str) -> None:
    """Raise :class:`HookInputError` unless ``xml`` is well-formed and has no DOCTYPE.

    A domain XML never has a DOCTYPE; refusing it before the parse that builds the document also
    refuses entity definitions (and their expansion) outright.
    """
    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = _refuse_doctype
    try:
        checker.Parse(xml, True)
    except expat.ExpatError as error:
        raise HookInputError(f"the XML does not parse: {error}") from None
    except _DoctypeFound:
        raise HookInputError("the XML has a DOCTYPE, which libvirt's XML never has") from None


def parse_xml(xml: bytes | str) -> minidom.Document:
    """The document of ``xml``, after :func:`check_xml`."""
    check_xml(xml)
    return minidom.parseString(xml)  # noqa: S318 - no DOCTYPE, hence no entities (check_xml)


def serialize(document: minidom.Document) -> bytes:
    """The bytes VDSM's ``hooking.write_domxml`` writes for ``document``."""
    return document.toxml(encoding="utf-8")


def disk_serial(disk: minidom.Element) -> str | None:
    """The text of the disk's ``<serial>``, stripped; ``None`` without one."""
    for serial in _children(disk, "serial"):
        return "".join(node.data for node in serial.childNodes if isinstance(node, minidom.Text)).strip()
    return None


def domain_disks(document: minidom.Document) -> list[minidom.Element]:
    """The ``<disk>`` devices of a ``<domain>`` document."""
    root = document.documentElement
    if root is None or root.tagName != "domain":
        raise HookInputError(f"the XML is a <{_tag(root)}>, not a <domain>")
    return [disk for devices in _children(root, "devices") for disk in _children(devices, "disk")]


def rewrite_domain(document: minidom.Document, volumes: Mapping[str, RbdVolume]) -> list[minidom.Element]:
    """Rewrite the placeholder drives of ``volumes`` in a ``<domain>`` (``before_vm_start``).

    Every disk id of ``volumes`` must have a placeholder: an engine asking for a disk that is not
    in the domain is an error (:class:`HookInputError`, the document unchanged). Returns the
    rewritten disks, in document order.
    """
    found = []
    for disk in domain_disks(document):
        serial = disk_serial(disk)
        if serial is not None and serial in volumes:
            found.append((disk, volumes[serial]))
    placed = {volume.disk_id for _, volume in found}
    missing = [disk_id for disk_id in volumes if disk_id not in placed]
    if missing:
        raise HookInputError(
            f"no placeholder drive (a <disk> with that <serial>) in the domain for Cinder disk {', '.join(missing)}"
        )
    for disk, volume in found:
        rewrite_disk(disk, volume)
    return [disk for disk, _ in found]


def rewrite_hotplug_disk(document: minidom.Document, volumes: Mapping[str, RbdVolume]) -> list[minidom.Element]:
    """Rewrite the ``<disk>`` document of ``before_disk_hotplug`` when it is a Cinder disk's placeholder.

    Returns the rewritten disk in a list, or an empty list when the disk is not a Cinder disk.
    """
    root = document.documentElement
    if root is None or root.tagName != "disk":
        raise HookInputError(f"the XML is a <{_tag(root)}>, not a <disk>")
    serial = disk_serial(root)
    if serial is None or serial not in volumes:
        return []
    rewrite_disk(root, volumes[serial])
    return [root]


def rewrite_domain_xml(xml: bytes | str, volumes: Mapping[str, RbdVolume]) -> bytes:
    """:func:`rewrite_domain` on XML text; the result as VDSM's ``hooking`` would write it."""
    document = parse_xml(xml)
    rewrite_domain(document, volumes)
    return serialize(document)


def rewrite_hotplug_xml(xml: bytes | str, volumes: Mapping[str, RbdVolume]) -> bytes | None:
    """:func:`rewrite_hotplug_disk` on XML text; ``None`` when the disk is not a Cinder disk."""
    document = parse_xml(xml)
    return serialize(document) if rewrite_hotplug_disk(document, volumes) else None


def rewrite_disk(disk: minidom.Element, volume: RbdVolume) -> None:
    """Make ``disk`` the RBD network disk of ``volume``, in place.

    ``<driver>``, ``<source>`` and ``<auth>`` come first, as libvirt writes them; the kept children
    follow in their order. Whitespace follows the disk's own indentation (none when the disk is on
    one line), so that rewriting the result gives the same XML.
    """
    document = disk.ownerDocument
    if document is None:
        raise HookInputError("the disk is not part of a document")
    indent, closing = _indentation(disk)
    nested = indent + _indent_step(indent, closing) if indent else ""

    kept = [
        node
        for node in disk.childNodes
        if not _is_blank(node) and not (isinstance(node, minidom.Element) and node.tagName in REPLACED_CHILDREN)
    ]
    for node in list(disk.childNodes):
        disk.removeChild(node)
    disk.setAttribute("type", "network")

    driver = _element(document, "driver", name="qemu", type="raw", cache="none")
    if volume.discard:
        driver.setAttribute("discard", "unmap")
    source = _element(document, "source", protocol="rbd", name=volume.name)
    for host, port in volume.hosts:
        _append(source, _element(document, "host", name=host, port=port, transport="tcp"), nested)
    _close(source, indent)
    children = [driver, source]
    if volume.auth is not None:
        auth = _element(document, "auth", username=volume.auth.username)
        secret = _element(document, "secret", type=volume.auth.secret_type, uuid=volume.auth.secret_uuid)
        _append(auth, secret, nested)
        _close(auth, indent)
        children.append(auth)

    for node in [*children, *kept]:
        _append(disk, node, indent)
    _close(disk, closing)


def _children(parent: minidom.Element, tag: str) -> Iterator[minidom.Element]:
    for node in parent.childNodes:
        if isinstance(node, minidom.Element) and node.tagName == tag:
            yield node


def _tag(element: minidom.Element | None) -> str:
    return "nothing" if element is None else element.tagName


def _is_blank(node: _Child) -> bool:
    return isinstance(node, minidom.Text) and not node.data.strip()


def _indentation(disk: minidom.Element) -> tuple[str, str]:
    """The whitespace before the disk's first child and before its end tag ("" on one line)."""
    nodes = disk.childNodes
    first = nodes[0] if nodes else None
    last = nodes[-1] if len(nodes) > 1 else None
    indent = first.data if isinstance(first, minidom.Text) and _is_blank(first) else ""
    closing = last.data if isinstance(last, minidom.Text) and _is_blank(last) else ""
    return indent, closing


def _indent_step(indent: str, closing: str) -> str:
    if indent.startswith(closing) and len(indent) > len(closing):
        return indent[len(closing) :]
    return "  "


def _element(document: minidom.Document, tag: str, **attributes: str) -> minidom.Element:
    element = document.createElement(tag)
    for name, value in attributes.items():
        element.setAttribute(name, value)
    return element


def _append(parent: minidom.Element, child: _Child, whitespace: str) -> None:
    document = parent.ownerDocument
    if whitespace and document is not None:
        parent.appendChild(document.createTextNode(whitespace))
    parent.appendChild(child)


def _close(parent: minidom.Element, whitespace: str) -> None:
    document = parent.ownerDocument
    if whitespace and document is not None and parent.childNodes:
        parent.appendChild(document.createTextNode(whitespace))
