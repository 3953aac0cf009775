"""The host agent without a hypervisor: the domain XML it hands to the hooks, and VDSM's rules
for running hook scripts (executables only, sorted by name, exit 0 / 1 / 2)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from lxml import etree

from ovirt_engine_host.hostagent.domain import DiskSpec, VmSpec, custom_properties, domain_xml, hotplug_disk_xml
from ovirt_engine_host.hostagent.hooks import HookFailed, run_hooks

RBD = {"driver_volume_type": "rbd", "data": {"name": "volumes/volume-a"}, "attachment_id": "x"}


def script(directory: Path, name: str, body: str, executable: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_the_domain_has_a_placeholder_per_disk_named_by_its_serial() -> None:
    vm = VmSpec(
        id="11111111-2222-3333-4444-555555555555",
        name="vm1",
        memory=64 * 1024**2,
        cpus=2,
        disks=[
            DiskSpec("disk-a", "virtio", bootable=True, connection=RBD, custom_property="ovirt_cinder_disks"),
            DiskSpec("disk-b", "virtio_scsi", bootable=False, connection=RBD, custom_property="ovirt_cinder_disks"),
            DiskSpec("disk-c", "virtio", bootable=False),
        ],
    )
    root = etree.fromstring(domain_xml(vm).encode())
    assert root.findtext("uuid") == vm.id
    assert root.find("features/acpi") is not None  # hot-plug needs it
    targets = {
        d.findtext("serial"): (d.xpath("string(target/@dev)"), d.xpath("string(target/@bus)"))
        for d in root.iter("disk")
    }
    assert targets == {"disk-a": ("vda", "virtio"), "disk-b": ("sda", "scsi"), "disk-c": ("vdb", "virtio")}
    assert root.xpath("string(devices/disk/boot/@order)") == "1"
    assert root.find("devices/controller[@model='virtio-scsi']") is not None
    properties = custom_properties(vm.disks)
    assert list(properties) == ["ovirt_cinder_disks"]
    assert json.loads(properties["ovirt_cinder_disks"]) == {"disk-a": RBD, "disk-b": RBD}  # disks with connection info
    plugged = etree.fromstring(hotplug_disk_xml(DiskSpec("disk-d", "virtio_scsi", False), {"sda", "sdb"}).encode())
    assert plugged.xpath("string(target/@dev)") == "sdc"


def test_hooks_run_sorted_executables_only_with_the_xml_and_the_properties(tmp_path: Path) -> None:
    event = tmp_path / "before_vm_start"
    script(event, "20_second", 'sed -i "s/first/second/" "$_hook_domxml"')
    script(event, "10_first", 'echo "<domain>first $ovirt_cinder_disks</domain>" > "$_hook_domxml"')
    script(event, "30_not_executable", 'echo "<domain>never</domain>" > "$_hook_domxml"', executable=False)
    result = run_hooks(tmp_path, "before_vm_start", "<domain/>", {"ovirt_cinder_disks": "{}"})
    assert result.strip() == "<domain>second {}</domain>"


def test_exit_1_goes_on_and_exit_2_stops_with_the_scripts_reason(tmp_path: Path) -> None:
    event = tmp_path / "before_disk_hotplug"
    script(event, "10_fails", 'echo "a passing problem" >&2; exit 1')
    script(event, "20_edits", 'echo "<disk>edited</disk>" > "$_hook_domxml"')
    assert run_hooks(tmp_path, "before_disk_hotplug", "<disk/>", {}).strip() == "<disk>edited</disk>"
    script(event, "30_stops", 'echo "noise" >&2; echo "ovirt_cinder_disks: not JSON" >&2; exit 2')
    with pytest.raises(HookFailed, match=r"before_disk_hotplug/30_stops refused: ovirt_cinder_disks: not JSON"):
        run_hooks(tmp_path, "before_disk_hotplug", "<disk/>", {})


def test_no_hook_directory_leaves_the_xml_alone(tmp_path: Path) -> None:
    assert run_hooks(tmp_path, "before_vm_start", "<domain/>", {}) == "<domain/>"
