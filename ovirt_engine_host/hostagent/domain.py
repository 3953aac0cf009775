"""A VM's domain XML as the engine hands it to the hooks: devices in order, and for each disk a
placeholder drive named by its serial (the disk id). A storage plugin's hook script replaces the
placeholder with the real disk; a disk no hook knows stays a placeholder and the start fails in
libvirt, visibly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

BUSES = {"virtio": ("virtio", "vd"), "virtio_scsi": ("scsi", "sd"), "ide": ("ide", "hd")}


@dataclass(frozen=True)
class DiskSpec:
    id: str
    interface: str
    bootable: bool
    connection: dict[str, Any] | None = None  # the plugin's ConnectionInfo, free of secrets
    custom_property: str = ""  # the serving plugin's VM custom property for its disks
    hooks_dir: str = ""  # the serving plugin's hook scripts


@dataclass(frozen=True)
class VmSpec:
    id: str
    name: str
    memory: int  # bytes
    cpus: int
    disks: list[DiskSpec] = field(default_factory=list)


def target_names(disks: list[DiskSpec], taken: set[str] | None = None) -> dict[str, str]:
    """``vda, vdb, …`` per bus prefix, in attachment order, skipping names already in use."""
    used = set(taken or ())
    names = {}
    for disk in disks:
        prefix = BUSES[disk.interface][1]
        letter = 0
        while f"{prefix}{chr(ord('a') + letter)}" in used:
            letter += 1
        name = f"{prefix}{chr(ord('a') + letter)}"
        used.add(name)
        names[disk.id] = name
    return names


def placeholder_disk(disk: DiskSpec, target: str, boot_order: int | None) -> etree._Element:
    element = etree.Element("disk", type="file", device="disk")
    etree.SubElement(element, "driver", name="qemu", type="raw")
    etree.SubElement(element, "target", dev=target, bus=BUSES[disk.interface][0])
    etree.SubElement(element, "serial").text = disk.id
    if boot_order is not None:
        etree.SubElement(element, "boot", order=str(boot_order))
    return element


def domain_xml(vm: VmSpec) -> str:
    root = etree.Element("domain", type="qemu")
    etree.SubElement(root, "name").text = vm.name
    etree.SubElement(root, "uuid").text = vm.id
    etree.SubElement(root, "memory", unit="b").text = str(vm.memory)
    etree.SubElement(root, "vcpu").text = str(vm.cpus)
    os_element = etree.SubElement(root, "os")
    etree.SubElement(os_element, "type", arch="x86_64", machine="pc").text = "hvm"
    features = etree.SubElement(root, "features")
    etree.SubElement(features, "acpi")  # PCI hot-plug needs it
    devices = etree.SubElement(root, "devices")
    etree.SubElement(devices, "controller", type="scsi", index="0", model="virtio-scsi")
    targets = target_names(vm.disks)
    boot = 1
    for disk in vm.disks:
        devices.append(placeholder_disk(disk, targets[disk.id], boot if disk.bootable else None))
        boot += int(disk.bootable)
    etree.SubElement(devices, "memballoon", model="none")
    return etree.tostring(root, encoding="unicode", pretty_print=True)


def hotplug_disk_xml(disk: DiskSpec, taken: set[str]) -> str:
    target = target_names([disk], taken)[disk.id]
    return etree.tostring(placeholder_disk(disk, target, None), encoding="unicode", pretty_print=True)


def targets_in_use(live_xml: str) -> set[str]:
    root = etree.fromstring(live_xml.encode())
    return {str(target.get("dev")) for target in root.iterfind("devices/disk/target")}


def live_disk(live_xml: str, serial: str) -> etree._Element | None:
    """The running domain's ``<disk>`` of that serial."""
    for disk in etree.fromstring(live_xml.encode()).iterfind("devices/disk"):
        if disk.findtext("serial") == serial:
            return disk
    return None


def live_disk_element(live_xml: str, serial: str) -> str | None:
    """The running domain's ``<disk>`` of that serial as XML (what ``detachDevice`` matches on)."""
    disk = live_disk(live_xml, serial)
    return None if disk is None else etree.tostring(disk, encoding="unicode")


def custom_properties(disks: list[DiskSpec]) -> dict[str, str]:
    """Each serving plugin's VM custom property (e.g. ``ovirt_cinder_disks``): its disks' id ->
    connection info, as JSON."""
    grouped: dict[str, dict[str, Any]] = {}
    for disk in disks:
        if disk.connection is not None and disk.custom_property:
            grouped.setdefault(disk.custom_property, {})[disk.id] = disk.connection
    return {name: json.dumps(entries, sort_keys=True) for name, entries in sorted(grouped.items())}


def hook_dirs(disks: list[DiskSpec]) -> list[Path]:
    """The serving plugins' hook directories, each once, in the order of the VM's disks."""
    return [Path(d) for d in dict.fromkeys(disk.hooks_dir for disk in disks if disk.hooks_dir)]
