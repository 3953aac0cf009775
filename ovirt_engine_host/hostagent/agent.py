"""The host agent's operations on one host: what VDSM's ``VM.create``, ``VM.destroy``,
``VM.hotplugDisk`` and ``VM.hotunplugDisk`` do, on libvirt-python."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import libvirt

from ovirt_engine_host.contract import HostSecret
from ovirt_engine_host.hostagent import domain
from ovirt_engine_host.hostagent.hooks import run_hooks
from ovirt_engine_host.hostagent.libvirt_session import connected
from ovirt_engine_host.hostagent.secrets import SecretSync, sync_secrets

LOG = logging.getLogger(__name__)
UNPLUG_WAIT_SECONDS = 10.0


class DomainFailed(Exception):
    """libvirt refused (e.g. QEMU could not open a disk); the message is libvirt's."""

    status = 502


@dataclass
class StartTimes:
    hooks: float = 0.0
    libvirt: float = 0.0


class HostAgent:
    def __init__(self, uri: str, hook_pythonpath: str = "") -> None:
        self.uri = uri
        self.hook_pythonpath = hook_pythonpath

    def _run_hooks(self, event: str, xml: str, disks: Sequence[domain.DiskSpec]) -> str:
        """Every serving plugin's scripts of ``event``, one plugin's directory after the other,
        with each plugin's custom property in the environment."""
        properties = domain.custom_properties(list(disks))
        for directory in domain.hook_dirs(list(disks)):
            xml = run_hooks(directory, event, xml, properties, self.hook_pythonpath)
        return xml

    def check(self) -> str:
        """libvirt answers: its host name."""
        with connected(self.uri) as connection:
            return str(connection.getHostname())

    def sync_secrets(self, secrets: Sequence[HostSecret]) -> SecretSync:
        with connected(self.uri) as connection:
            return sync_secrets(connection, secrets, self.uri)

    def start(self, vm: domain.VmSpec) -> tuple[str, StartTimes]:
        """Run ``before_vm_start`` on the domain XML and start the (transient) domain; returns
        the XML libvirt got."""
        times = StartTimes()
        began = time.monotonic()
        xml = self._run_hooks("before_vm_start", domain.domain_xml(vm), vm.disks)
        times.hooks = time.monotonic() - began
        began = time.monotonic()
        with connected(self.uri) as connection:
            try:
                connection.createXML(xml, 0)
            except libvirt.libvirtError as error:
                raise DomainFailed(f"libvirt could not start {vm.name}: {error.get_error_message()}") from error
        times.libvirt = time.monotonic() - began
        return xml, times

    def stop(self, vm_id: str) -> bool:
        """Power off; False when the domain was not running."""
        with connected(self.uri) as connection:
            try:
                connection.lookupByUUIDString(vm_id).destroy()
            except libvirt.libvirtError as error:
                if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return False
                raise
        return True

    def running_ids(self) -> set[str]:
        """The UUIDs of the domains the host runs, in one libvirt call (the VM monitor's)."""
        with connected(self.uri) as connection:
            return {
                domain.UUIDString() for domain in connection.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
            }

    def is_running(self, vm_id: str) -> bool:
        with connected(self.uri) as connection:
            try:
                return bool(connection.lookupByUUIDString(vm_id).isActive())
            except libvirt.libvirtError:
                return False

    def plug(self, vm_id: str, disk: domain.DiskSpec) -> str:
        """Run ``before_disk_hotplug`` on the single disk's XML and attach it live."""
        with connected(self.uri) as connection:
            running = connection.lookupByUUIDString(vm_id)
            taken = domain.targets_in_use(running.XMLDesc(0))
            xml = self._run_hooks("before_disk_hotplug", domain.hotplug_disk_xml(disk, taken), [disk])
            try:
                running.attachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            except libvirt.libvirtError as error:
                raise DomainFailed(f"libvirt could not plug disk {disk.id}: {error.get_error_message()}") from error
        return xml

    def unplug(self, vm_id: str, disk_id: str) -> bool:
        """Detach the disk of that serial from the running domain and wait until QEMU let it go
        (at once on virtio-scsi; a virtio-blk disk waits for the guest's consent)."""
        with connected(self.uri) as connection:
            running = connection.lookupByUUIDString(vm_id)
            element = domain.live_disk_element(running.XMLDesc(0), disk_id)
            if element is None:
                return False
            running.detachDeviceFlags(element, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            deadline = time.monotonic() + UNPLUG_WAIT_SECONDS
            while domain.live_disk_element(running.XMLDesc(0), disk_id) is not None:
                if time.monotonic() > deadline:
                    raise DomainFailed(f"the guest did not release disk {disk_id} within {UNPLUG_WAIT_SECONDS:.0f} s")
                time.sleep(0.05)
        return True

    def live_xml(self, vm_id: str) -> str:
        with connected(self.uri) as connection:
            return str(connection.lookupByUUIDString(vm_id).XMLDesc(0))

    def block_size(self, vm_id: str, disk_id: str) -> int | None:
        """The capacity QEMU reports for the disk of that serial (libvirt's block info)."""
        with connected(self.uri) as connection:
            running = connection.lookupByUUIDString(vm_id)
            disk = domain.live_disk(running.XMLDesc(0), disk_id)
            target = None if disk is None else disk.find("target")
            if target is None:
                return None
            capacity, _allocation, _physical = running.blockInfo(target.get("dev"), 0)
            return int(capacity)
