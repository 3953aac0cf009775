"""The hypervisor side: Cinder placeholder drives rewritten into RBD network disks.

The rewrite is checked by XPath on the result (lxml, in the tests only); the VDSM hook protocol
(exit codes, one stderr line, the file left alone on failure) through the hook entry points in
this process. ``test_vdsm_hook_scripts.py`` runs the real scripts.
"""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path
from typing import Any
from xml.dom import minidom

import pytest
from lxml import etree

from ovirt_cinder_plugin.hostside import hook, rbd_disks
from ovirt_cinder_plugin.hostside.rbd_disks import HookInputError, parse_cinder_disks

SECRET_UUID = "0d2a4a4c-3f3b-4c0a-9d5e-5b1c1f0ec1d0"
DISK_A = "af2f8d37-38aa-4dad-8b21-15629a4bd52b"
DISK_B = "b3c1e0a2-5f5e-4c55-9d0e-2f6a7c1d9e01"
DISK_C = "c9d8e7f6-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
# What a cephx key looks like; it must never reach the XML or stderr, whatever field holds it.
KEY = "AQBzP2FlAAAAABAAk3y0c2VjcmV0LWtleS1tYXRlcmlhbA=="
REAL_VDSM_HOOKING = hook.vdsm_hooking


def connection_info(
    disk_id: str,
    *,
    hosts: list[Any] | None = None,
    ports: list[Any] | None = None,
    auth: bool = True,
    discard: bool = True,
    **data: Any,
) -> dict[str, Any]:
    """One entry of ``ovirt_cinder_disks`` as the host agent writes it (nested, from Cinder)."""
    entry_data: dict[str, Any] = {
        "name": f"volumes/volume-{disk_id}",
        "hosts": ["127.0.0.1"] if hosts is None else hosts,
        "ports": ["6789"] if ports is None else ports,
        "auth_enabled": auth,
        "auth_username": "cinder",
        "secret_type": "ceph",
        "secret_uuid": SECRET_UUID,
        "cluster_name": "ceph",
        "discard": discard,
        "qos_specs": None,
        "access_mode": "rw",
        "encrypted": False,
        "volume_id": disk_id,
    }
    entry_data.update(data)
    return {"driver_volume_type": "rbd", "data": entry_data, "attachment_id": None}


def cinder_disks(*entries: dict[str, Any], **by_id: dict[str, Any]) -> str:
    """The custom property: ``entries`` are keyed by their ``volume_id``, ``by_id`` as given."""
    disks = {entry["data"]["volume_id"]: entry for entry in entries}
    disks.update(by_id)
    return json.dumps(disks)


def placeholder(disk_id: str, dev: str, *, extra: str = "", indent: str = "    ") -> str:
    """The placeholder drive the host agent writes (one line, as it does, indented in the domain)."""
    return (
        f"{indent}<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        f"<target dev='{dev}' bus='virtio'/><serial>{disk_id}</serial>{extra}</disk>\n"
    )


OTHER_DISKS = (
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2' cache='none'/>\n"
    "      <source file='/rhev/data-center/mnt/images/os.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <serial>os-disk</serial>\n"
    "      <boot order='1'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <target dev='sdc' bus='sata'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='block' device='disk'>"
    "<driver name='qemu' type='raw' cache='none' io='native'/><source dev='/dev/mapper/lun'/>"
    f"<target dev='vdz' bus='virtio'/><serial>{DISK_C}-not-cinder</serial></disk>\n"
)


def domain(*disks: str, others: str = OTHER_DISKS) -> str:
    return (
        "<domain type='kvm'>\n"
        "  <name>vm1</name>\n"
        "  <uuid>3d0f3e5c-5a0e-4d2b-9b8e-5f3f3c1b2a10</uuid>\n"
        "  <memory unit='MiB'>64</memory>\n"
        "  <os><type arch='x86_64'>hvm</type></os>\n"
        "  <devices>\n"
        f"{others}{''.join(disks)}"
        "    <interface type='bridge'><source bridge='ovirtmgmt'/><model type='virtio'/></interface>\n"
        "  </devices>\n"
        "</domain>\n"
    )


def rewrite(xml: str, property_text: str) -> etree._Element:
    return etree.fromstring(rbd_disks.rewrite_domain_xml(xml, parse_cinder_disks(property_text)))


def elements(node: etree._Element, path: str, **variables: str) -> list[etree._Element]:
    found = etree.XPath(path)(node, **variables)
    assert isinstance(found, list), found
    return [item for item in found if isinstance(item, etree._Element)]


def strings(node: etree._Element, path: str, **variables: str) -> list[str]:
    """Attribute values or text nodes."""
    found = etree.XPath(path)(node, **variables)
    assert isinstance(found, list), found
    return [str(item) for item in found]


def attributes(element: etree._Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.items()}


def text(node: etree._Element, path: str) -> str:
    found = node.xpath(f"string({path})")
    assert isinstance(found, str), found
    return found


def disk_by_serial(root: etree._Element, serial: str) -> etree._Element:
    (disk,) = elements(root, "//devices/disk[serial=$serial]", serial=serial)
    return disk


def child_tags(element: etree._Element) -> list[str]:
    return [str(child.tag) for child in element]


# --- the rewrite -----------------------------------------------------------------------------------


def test_a_placeholder_becomes_the_rbd_network_disk() -> None:
    root = rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(connection_info(DISK_A)))
    disk = disk_by_serial(root, DISK_A)

    assert text(disk, "@type") == "network"
    assert text(disk, "@device") == "disk"
    assert child_tags(disk) == ["driver", "source", "auth", "target", "serial"]
    (driver,) = elements(disk, "driver")
    assert attributes(driver) == {"name": "qemu", "type": "raw", "cache": "none", "discard": "unmap"}
    assert text(disk, "source/@protocol") == "rbd"
    assert text(disk, "source/@name") == f"volumes/volume-{DISK_A}"
    assert [attributes(host) for host in elements(disk, "source/host")] == [
        {"name": "127.0.0.1", "port": "6789", "transport": "tcp"}
    ]
    assert text(disk, "auth/@username") == "cinder"
    assert [attributes(secret) for secret in elements(disk, "auth/secret")] == [{"type": "ceph", "uuid": SECRET_UUID}]
    assert text(disk, "target/@dev") == "vdb"
    assert text(disk, "target/@bus") == "virtio"
    assert text(disk, "serial") == DISK_A


def test_one_host_element_per_monitor_in_order() -> None:
    entry = connection_info(DISK_A, hosts=["10.0.0.1", "10.0.0.2", "mon3.example.org"], ports=["6789", 3300, "6790"])
    disk = disk_by_serial(rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(entry)), DISK_A)

    assert [(h.get("name"), h.get("port"), h.get("transport")) for h in elements(disk, "source/host")] == [
        ("10.0.0.1", "6789", "tcp"),
        ("10.0.0.2", "3300", "tcp"),
        ("mon3.example.org", "6790", "tcp"),
    ]


def test_ipv6_monitors_are_written_as_given() -> None:
    hosts = ["::1", "2001:db8::10", "[2001:db8::11]", "fe80::1%eth0"]
    entry = connection_info(DISK_A, hosts=hosts, ports=["6789"] * 4)
    disk = disk_by_serial(rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(entry)), DISK_A)

    assert strings(disk, "source/host/@name") == hosts


@pytest.mark.parametrize(
    ("auth_fields", "expected_auth"),
    [
        ({"auth_enabled": True}, [("cinder", "ceph", SECRET_UUID)]),
        ({"auth_enabled": True, "secret_type": None}, [("cinder", "ceph", SECRET_UUID)]),
        ({"auth_enabled": False}, []),
        ({"auth_enabled": None}, []),
        # auth off: what else is there is neither needed nor checked
        ({"auth_enabled": False, "auth_username": None, "secret_uuid": "not-a-uuid"}, []),
    ],
)
def test_auth_only_when_enabled(auth_fields: dict[str, Any], expected_auth: list[tuple[str, str, str]]) -> None:
    entry = connection_info(DISK_A)
    entry["data"].update(auth_fields)
    disk = disk_by_serial(rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(entry)), DISK_A)

    found = [
        (a.get("username"), s.get("type"), s.get("uuid")) for a in elements(disk, "auth") for s in elements(a, "secret")
    ]
    assert found == expected_auth
    assert child_tags(disk)[:2] == ["driver", "source"]


def test_auth_absent_means_no_auth() -> None:
    entry = connection_info(DISK_A)
    del entry["data"]["auth_enabled"]
    disk = disk_by_serial(rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(entry)), DISK_A)

    assert elements(disk, "auth") == []


@pytest.mark.parametrize(("discard", "expected"), [(True, ["unmap"]), (False, []), (None, [])])
def test_discard_unmap_only_when_cinder_says_so(discard: bool | None, expected: list[str]) -> None:
    entry = connection_info(DISK_A, discard=bool(discard))
    entry["data"]["discard"] = discard
    disk = disk_by_serial(rewrite(domain(placeholder(DISK_A, "vdb")), cinder_disks(entry)), DISK_A)

    assert strings(disk, "driver/@discard") == expected
    assert strings(disk, "driver/@cache") == ["none"]


def test_several_cinder_disks_and_the_other_disks_untouched() -> None:
    original = domain(placeholder(DISK_A, "vdb"), placeholder(DISK_B, "vdc"), placeholder(DISK_C, "vdd"))
    property_text = cinder_disks(
        connection_info(DISK_A),
        connection_info(DISK_B, auth=False, discard=False),
        connection_info(DISK_C, hosts=["::1", "127.0.0.1"], ports=["6789", "6789"]),
    )
    before = etree.fromstring(original)
    after = rewrite(original, property_text)

    assert strings(after, "//devices/disk[@type='network']/serial/text()") == [DISK_A, DISK_B, DISK_C]
    assert strings(after, "//devices/disk[@type='network']/target/@dev") == ["vdb", "vdc", "vdd"]
    assert elements(disk_by_serial(after, DISK_B), "auth") == []
    assert len(elements(disk_by_serial(after, DISK_C), "source/host")) == 2
    # everything but the Cinder disks serializes exactly as before
    not_cinder = "//devices/*[not(serial=$a or serial=$b or serial=$c)]"
    others_before = [
        etree.tostring(e, with_tail=False) for e in elements(before, not_cinder, a=DISK_A, b=DISK_B, c=DISK_C)
    ]
    others_after = [
        etree.tostring(e, with_tail=False) for e in elements(after, not_cinder, a=DISK_A, b=DISK_B, c=DISK_C)
    ]
    assert others_after == others_before
    assert len(others_after) == 4
    for path in ("name", "uuid", "memory", "os"):
        assert [etree.tostring(e, with_tail=False) for e in elements(after, path)] == [
            etree.tostring(e, with_tail=False) for e in elements(before, path)
        ]


def test_rewriting_twice_gives_the_same_xml() -> None:
    property_text = cinder_disks(connection_info(DISK_A), connection_info(DISK_B, auth=False))
    volumes = parse_cinder_disks(property_text)
    pretty = domain(
        placeholder(DISK_A, "vdb", extra="<boot order='2'/>"),
        "    <disk type='file' device='disk'>\n"
        "      <driver name='qemu' type='raw'/>\n"
        "      <target dev='vdc' bus='virtio'/>\n"
        f"      <serial>{DISK_B}</serial>\n"
        "    </disk>\n",
    )
    once = rbd_disks.rewrite_domain_xml(pretty, volumes)
    twice = rbd_disks.rewrite_domain_xml(once, volumes)

    assert twice == once
    assert rbd_disks.rewrite_domain_xml(twice, volumes) == once
    # the pretty placeholder stays pretty: each child on its own line, the hosts one level deeper
    assert (
        '\n    <disk type="network" device="disk">\n'
        '      <driver name="qemu" type="raw" cache="none" discard="unmap"/>\n'
        f'      <source protocol="rbd" name="volumes/volume-{DISK_B}">\n'
        '        <host name="127.0.0.1" port="6789" transport="tcp"/>\n'
        "      </source>\n"
        '      <target dev="vdc" bus="virtio"/>\n'
        f"      <serial>{DISK_B}</serial>\n"
        "    </disk>\n"
    ) in once.decode()


def test_an_already_rewritten_disk_follows_new_connection_info() -> None:
    volumes = parse_cinder_disks(cinder_disks(connection_info(DISK_A)))
    once = rbd_disks.rewrite_domain_xml(domain(placeholder(DISK_A, "vdb")), volumes)
    moved = parse_cinder_disks(
        cinder_disks(connection_info(DISK_A, hosts=["10.1.1.1", "10.1.1.2"], ports=["6789", "6789"], auth=False))
    )
    disk = disk_by_serial(etree.fromstring(rbd_disks.rewrite_domain_xml(once, moved)), DISK_A)

    assert strings(disk, "source/host/@name") == ["10.1.1.1", "10.1.1.2"]
    assert elements(disk, "auth") == []
    assert child_tags(disk) == ["driver", "source", "target", "serial"]


def test_boot_address_alias_readonly_are_kept_in_their_order() -> None:
    extra = (
        "<readonly/><boot order='1'/><alias name='ua-af2f8d37'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>"
    )
    disk = disk_by_serial(
        rewrite(domain(placeholder(DISK_A, "vdb", extra=extra)), cinder_disks(connection_info(DISK_A))), DISK_A
    )

    assert child_tags(disk) == ["driver", "source", "auth", "target", "serial", "readonly", "boot", "alias", "address"]
    assert text(disk, "boot/@order") == "1"
    assert text(disk, "alias/@name") == "ua-af2f8d37"
    assert attributes(elements(disk, "address")[0]) == {
        "type": "pci",
        "domain": "0x0000",
        "bus": "0x00",
        "slot": "0x07",
        "function": "0x0",
    }


def test_a_placeholder_with_a_file_source_loses_it() -> None:
    extra_source = (
        f"    <disk type='file' device='disk'><driver name='qemu' type='qcow2' io='threads'/>"
        f"<source file='/var/tmp/x.img'/><backingStore/><target dev='vdb' bus='virtio'/>"
        f"<serial>{DISK_A}</serial></disk>\n"
    )
    disk = disk_by_serial(rewrite(domain(extra_source), cinder_disks(connection_info(DISK_A))), DISK_A)

    assert child_tags(disk) == ["driver", "source", "auth", "target", "serial"]
    assert strings(disk, "source/@file") == []
    assert strings(disk, "driver/@io") == []


def test_hotplug_disk_document() -> None:
    volumes = parse_cinder_disks(cinder_disks(connection_info(DISK_A), connection_info(DISK_B)))
    document = placeholder(DISK_B, "vdc", extra="<address type='pci' slot='0x09'/>", indent="")

    result = rbd_disks.rewrite_hotplug_xml(document, volumes)
    assert result is not None
    disk = etree.fromstring(result)
    assert disk.tag == "disk"
    assert disk.get("type") == "network"
    assert text(disk, "source/@name") == f"volumes/volume-{DISK_B}"
    assert child_tags(disk) == ["driver", "source", "auth", "target", "serial", "address"]
    assert rbd_disks.rewrite_hotplug_xml(result, volumes) == result
    # a disk that is not a Cinder disk: nothing to write
    assert rbd_disks.rewrite_hotplug_xml(placeholder("other", "vdd", indent=""), volumes) is None


def test_no_key_reaches_the_xml() -> None:
    entry = connection_info(DISK_A, keyring=KEY, key=KEY, secret=KEY, auth_key=KEY)
    entry["keyring"] = KEY
    entry["secret"] = KEY
    result = rbd_disks.rewrite_domain_xml(domain(placeholder(DISK_A, "vdb")), parse_cinder_disks(cinder_disks(entry)))

    assert KEY.encode() not in result
    assert repr(parse_cinder_disks(cinder_disks(entry))).find(KEY) == -1


# --- the custom property -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "  \n", "{}", " { } "])
def test_nothing_to_do(text: str | None) -> None:
    assert parse_cinder_disks(text) == {}


def test_ports_as_numbers_or_strings() -> None:
    entry = connection_info(DISK_A, hosts=["a", "b", "c"], ports=[6789, "3300", "06790"])
    (volume,) = parse_cinder_disks(cinder_disks(entry)).values()

    assert volume.hosts == (("a", "6789"), ("b", "3300"), ("c", "6790"))


def _entry_with(**data: Any) -> dict[str, Any]:
    entry = connection_info(DISK_A)
    for name, value in data.items():
        if value is _MISSING:
            del entry["data"][name]
        else:
            entry["data"][name] = value
    return entry


_MISSING = object()

MALFORMED_PROPERTIES: dict[str, tuple[str, str]] = {
    # case: (property text, what the one stderr line must say)
    "not json": ("{'single': 'quotes'}", "is not JSON"),
    "truncated json": ('{"a": {', "is not JSON"),
    "a list": (json.dumps([connection_info(DISK_A)]), "is not a JSON object"),
    "a string": (json.dumps(KEY), "is not a JSON object"),
    "an empty disk id": (json.dumps({"": connection_info(DISK_A)}), "disk id"),
    "entry not an object": (json.dumps({DISK_A: [KEY]}), "not a JSON object"),
    "iscsi": (cinder_disks(**{DISK_A: {**connection_info(DISK_A), "driver_volume_type": "iscsi"}}), "not 'rbd'"),
    "no driver_volume_type": (
        cinder_disks(**{DISK_A: {"data": connection_info(DISK_A)["data"], "keyring": KEY}}),
        "not 'rbd'",
    ),
    "flat connection info": (
        cinder_disks(**{DISK_A: {"driver_volume_type": "rbd", **connection_info(DISK_A)["data"]}}),
        "data is not a JSON object",
    ),
    "no name": (cinder_disks(_entry_with(name=_MISSING)), "data.name is missing or empty"),
    "empty name": (cinder_disks(_entry_with(name="")), "data.name is missing or empty"),
    "blank name": (cinder_disks(_entry_with(name="  ")), "data.name is missing or empty"),
    "name not a string": (cinder_disks(_entry_with(name=["volumes"])), "data.name is missing or empty"),
    "no hosts": (cinder_disks(_entry_with(hosts=_MISSING)), "data.hosts is missing or empty"),
    "empty hosts": (cinder_disks(_entry_with(hosts=[], ports=[])), "data.hosts is missing or empty"),
    "empty ports": (cinder_disks(_entry_with(ports=[])), "data.ports is missing or empty"),
    "more hosts than ports": (cinder_disks(_entry_with(hosts=["a", "b"])), "differ in length (2 and 1)"),
    "more ports than hosts": (cinder_disks(_entry_with(ports=["1", "2"])), "differ in length (1 and 2)"),
    "empty host": (cinder_disks(_entry_with(hosts=[""])), "data.hosts[0] is not a host name"),
    "port word": (cinder_disks(_entry_with(ports=["ceph"])), "data.ports[0] is not a port number 1-65535"),
    "port 0": (cinder_disks(_entry_with(ports=["0"])), "data.ports[0] is not a port number"),
    "port 65536": (cinder_disks(_entry_with(ports=[65536])), "data.ports[0] is not a port number"),
    "port negative": (cinder_disks(_entry_with(ports=["-1"])), "data.ports[0] is not a port number"),
    "port float": (cinder_disks(_entry_with(ports=[6789.0])), "data.ports[0] is not a port number"),
    "port bool": (cinder_disks(_entry_with(ports=[True])), "data.ports[0] is not a port number"),
    "port empty": (cinder_disks(_entry_with(hosts=["a", "b"], ports=["6789", ""])), "data.ports[1] is not a port"),
    "port with spaces": (cinder_disks(_entry_with(ports=[" 6789"])), "data.ports[0] is not a port number"),
    "auth without username": (
        cinder_disks(_entry_with(auth_username=_MISSING)),
        "data.auth_enabled is true but data.auth_username is missing",
    ),
    "auth with empty username": (
        cinder_disks(_entry_with(auth_username="")),
        "data.auth_enabled is true but data.auth_username is missing",
    ),
    "auth without secret_uuid": (
        cinder_disks(_entry_with(secret_uuid=_MISSING)),
        "data.auth_enabled is true but data.secret_uuid is missing",
    ),
    "secret_uuid not a uuid": (cinder_disks(_entry_with(secret_uuid="not-a-uuid")), "data.secret_uuid is not a UUID"),
    "secret_uuid a key": (cinder_disks(_entry_with(secret_uuid=KEY)), "data.secret_uuid is not a UUID"),
    "secret_uuid too short": (cinder_disks(_entry_with(secret_uuid=SECRET_UUID[:-1])), "is not a UUID"),
    "secret_uuid not hex": (cinder_disks(_entry_with(secret_uuid="g" + SECRET_UUID[1:])), "is not a UUID"),
    "secret_type not ceph": (cinder_disks(_entry_with(secret_type="iscsi")), "data.secret_type is not 'ceph'"),
    "auth_enabled a string": (cinder_disks(_entry_with(auth_enabled="true")), "data.auth_enabled is not true or false"),
    "discard a number": (cinder_disks(_entry_with(discard=1)), "data.discard is not true or false"),
    "a bad second disk": (
        cinder_disks(connection_info(DISK_A), _entry_with(volume_id=DISK_B, ports=["x"])),
        "data.ports[0] is not a port number",
    ),
}


@pytest.mark.parametrize("case", MALFORMED_PROPERTIES)
def test_malformed_property_is_refused(case: str) -> None:
    text, reason = MALFORMED_PROPERTIES[case]
    with pytest.raises(HookInputError, match=re.escape(reason)):
        parse_cinder_disks(text)


# --- the hook protocol, in this process ------------------------------------------------------------------


@pytest.fixture
def domxml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The ``_hook_domxml`` file, VDSM's hooking module out of reach."""
    path = tmp_path / "domxml"
    monkeypatch.setenv("_hook_domxml", str(path))
    monkeypatch.delenv(rbd_disks.CUSTOM_PROPERTY, raising=False)
    monkeypatch.setattr(hook, "vdsm_hooking", lambda: None)
    return path


def assert_stopped(code: int, capsys: pytest.CaptureFixture[str], path: Path, original: bytes, reason: str) -> None:
    """Exit 2, one line on stderr naming ``reason`` (and no key), the file as it was."""
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.endswith("\n")
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("50_cinder_rbd (")
    assert reason in captured.err
    assert KEY not in captured.err
    assert KEY not in captured.out
    assert path.read_bytes() == original


@pytest.mark.parametrize("case", MALFORMED_PROPERTIES)
def test_malformed_property_stops_vdsm(
    case: str, domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text, reason = MALFORMED_PROPERTIES[case]
    original = domain(placeholder(DISK_A, "vdb"), placeholder(DISK_B, "vdc")).encode()
    domxml.write_bytes(original)
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, text)

    assert_stopped(hook.before_vm_start_main(), capsys, domxml, original, reason)
    assert_stopped(hook.before_disk_hotplug_main(), capsys, domxml, original, reason)


BAD_XML: dict[str, tuple[bytes, str]] = {
    "not xml": (b"this is not xml", "the XML does not parse: syntax error: line 1, column 0"),
    "truncated": (domain(placeholder(DISK_A, "vdb")).encode()[:-20], "the XML does not parse"),
    "empty": (b"", "the XML does not parse: no element found"),
    "doctype": (
        b'<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY k "'
        + KEY.encode()
        + b'">]>'
        + domain(placeholder(DISK_A, "vdb")).replace("<name>vm1", "<name>&k;").encode(),
        "the XML has a DOCTYPE",
    ),
    "billion laughs": (
        b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><domain>&c;</domain>',
        "the XML has a DOCTYPE",
    ),
}


@pytest.mark.parametrize("case", BAD_XML)
def test_malformed_xml_stops_vdsm(
    case: str, domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original, reason = BAD_XML[case]
    domxml.write_bytes(original)
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))

    assert_stopped(hook.before_vm_start_main(), capsys, domxml, original, reason)
    assert_stopped(hook.before_disk_hotplug_main(), capsys, domxml, original, reason)


def test_a_disk_missing_from_the_domain_stops_vm_start(
    domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = domain(placeholder(DISK_A, "vdb")).encode()
    domxml.write_bytes(original)
    monkeypatch.setenv(
        rbd_disks.CUSTOM_PROPERTY,
        cinder_disks(connection_info(DISK_A), connection_info(DISK_B), connection_info(DISK_C, keyring=KEY)),
    )

    code = hook.before_vm_start_main()
    assert_stopped(code, capsys, domxml, original, f"for Cinder disk {DISK_B}, {DISK_C}")


def test_the_wrong_document_stops_vdsm(
    domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))
    disk_document = placeholder(DISK_A, "vdb", indent="").encode()
    domxml.write_bytes(disk_document)
    assert_stopped(hook.before_vm_start_main(), capsys, domxml, disk_document, "the XML is a <disk>, not a <domain>")

    domain_document = domain(placeholder(DISK_A, "vdb")).encode()
    domxml.write_bytes(domain_document)
    assert_stopped(
        hook.before_disk_hotplug_main(), capsys, domxml, domain_document, "the XML is a <domain>, not a <disk>"
    )


def test_without_hook_domxml_stops_vdsm(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("_hook_domxml", raising=False)
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))

    assert hook.before_vm_start_main() == 2
    assert capsys.readouterr().err == "50_cinder_rbd (before_vm_start): _hook_domxml is not set\n"


def test_an_unreadable_file_stops_vdsm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("_hook_domxml", str(tmp_path / "absent"))
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))

    assert hook.before_disk_hotplug_main() == 2
    err = capsys.readouterr().err
    assert err == f"50_cinder_rbd (before_disk_hotplug): {tmp_path / 'absent'}: No such file or directory\n"


@pytest.mark.parametrize("text", [None, "", "{}"])
def test_no_cinder_disks_leaves_the_file_alone(
    text: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # not even read: the path does not exist
    monkeypatch.setenv("_hook_domxml", str(tmp_path / "absent"))
    if text is None:
        monkeypatch.delenv(rbd_disks.CUSTOM_PROPERTY, raising=False)
    else:
        monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, text)

    assert hook.before_vm_start_main() == 0
    assert hook.before_disk_hotplug_main() == 0
    assert capsys.readouterr() == ("", "")


def test_vm_start_rewrites_the_file(
    domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    domxml.write_text(domain(placeholder(DISK_A, "vdb"), placeholder(DISK_B, "vdc")))
    entries = (connection_info(DISK_A, keyring=KEY), connection_info(DISK_B))
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(*entries))

    assert hook.before_vm_start_main() == 0
    assert capsys.readouterr().err == (
        f"50_cinder_rbd (before_vm_start): 2 Cinder disk(s) as RBD network disks: {DISK_A} (vdb), {DISK_B} (vdc)\n"
    )
    written = domxml.read_bytes()
    assert written.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert KEY.encode() not in written
    root = etree.fromstring(written)
    assert strings(root, "//devices/disk[@type='network']/source/@name") == [
        f"volumes/volume-{DISK_A}",
        f"volumes/volume-{DISK_B}",
    ]
    # the second run (VDSM restarting the VM with the same XML) changes nothing
    assert hook.before_vm_start_main() == 0
    assert domxml.read_bytes() == written


def test_hotplug_of_another_disk_leaves_the_file_alone(
    domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = b"<disk type='file' device='disk'><source file='/x'/><target dev='vdz' bus='virtio'/></disk>"
    domxml.write_bytes(original)
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))

    assert hook.before_disk_hotplug_main() == 0
    assert domxml.read_bytes() == original
    assert capsys.readouterr() == ("", "")


def test_vdsm_hooking_reads_and_writes_when_importable(
    domxml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def read_domxml() -> minidom.Document:
        calls.append("read")
        return minidom.parseString(domxml.read_bytes())  # noqa: S318 - the test's own file

    def write_domxml(document: minidom.Document) -> None:
        calls.append("write")
        domxml.write_bytes(document.toxml(encoding="utf-8"))

    fake = types.ModuleType("hooking")
    fake.read_domxml = read_domxml  # type: ignore[attr-defined]
    fake.write_domxml = write_domxml  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "hooking", fake)
    monkeypatch.setattr(hook, "vdsm_hooking", REAL_VDSM_HOOKING)  # the fixture hid it
    domxml.write_text(domain(placeholder(DISK_A, "vdb")))
    monkeypatch.setenv(rbd_disks.CUSTOM_PROPERTY, cinder_disks(connection_info(DISK_A)))

    assert hook.before_vm_start_main() == 0, capsys.readouterr().err
    assert calls == ["read", "write"]
    assert strings(etree.fromstring(domxml.read_bytes()), "//disk[serial=$s]/@type", s=DISK_A) == ["network"]


def test_without_vdsm_the_fallback_is_used() -> None:
    assert "hooking" not in sys.modules
    assert REAL_VDSM_HOOKING() is None
