"""What each disk operation does around the plugin's hooks: how it starts, and what its end
means for the disk row. The coordinator is generic; these classes are the callbacks.

``create_disk`` keeps the new disk in its command's payload until the backend named the volume,
then writes the row with the volume id as the disk id; ``delete_disk`` removes the row once the
backend's volume is gone; ``extend_disk`` records the new size once the backend reached it;
``retype_disk`` records the new volume type once the volume has it.
A definite refusal at the start puts the disk back as it was; a failure reported later marks the
disk ``illegal`` with the backend's reason (oVirt does the same) — but for a retype, whose later
failure is the backend keeping the volume as it was: the disk goes back as it was too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ovirt_engine_host.commands.collection import removal_failed
from ovirt_engine_host.commands.operations import Operation, Registry, payload_of
from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Disk, DiskAttachment, DiskSnapshot, DiskVolume, StorageDomain, Vm
from ovirt_engine_host.plugins import EngineHooks

CREATE_FIELDS = (
    "alias",
    "description",
    "storage_domain_id",
    "provisioned_size",
    "format",
    "sparse",
    "bootable",
    "shareable",
    "interface",
    "volume_type",
    "owner_id",
    "template_id",
)


class DiskOperation(Operation):
    entity_type = "disk"

    def failed(self, session: Session, command: Command, reason: str) -> None:
        disk = session.get(Disk, command.entity_id)
        if disk is not None:
            disk.status, disk.status_detail, disk.removing = "illegal", reason, False

    def rejected(self, session: Session, command: Command) -> None:
        """The start was refused: nothing happened on the backend; put the disk back (a request
        hears the refusal). A collection's removal has nobody to tell: the disk stays,
        ``illegal`` with the refusal."""
        if payload_of(command).get("collect"):
            removal_failed(session, command.entity_id, command.last_error or "the backend refused")
            return
        disk = session.get(Disk, command.entity_id)
        if disk is not None:
            disk.status = payload_of(command).get("previous_status", "ok")

    @staticmethod
    def disk(session: Session, command: Command) -> Disk:
        disk = session.get(Disk, command.entity_id)
        if disk is None:
            raise LookupError(f"disk {command.entity_id} of command {command.id} is gone")
        return disk


class CreateDisk(DiskOperation):
    kind = "create_disk"
    progress = "Creating the volume"

    @staticmethod
    def planned_disk(command: Command) -> Disk:
        """The disk as asked for, not in any session: its id is the request id the plugin tags
        the volume with (so that a repeated start finds the volume)."""
        fields = {k: v for k, v in payload_of(command).items() if k in CREATE_FIELDS}
        return Disk(id=command.request_id, status="locked", **fields)

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> Any:
        """A new volume; or a volume made from a disk snapshot (``source_snapshot`` in the
        payload: a VM cloned from a snapshot), or from another volume (``source_volume``: a
        template's disk, a VM's disk made from a template's), thin or, ``independent``, a copy
        that keeps nothing of its source (a clone)."""
        planned = self.planned_disk(command)
        payload = payload_of(command)
        kind = self.hook_kind(command)  # one source for which hook starts the command
        if kind in {"clone_volume", "copy_volume"}:
            start = hooks.copy_volume if kind == "copy_volume" else hooks.clone_volume
            return start(domain, planned, payload["source_volume"], command.request_id, resuming)
        if kind == "clone_disk":
            part = session.get(DiskSnapshot, payload["source_snapshot"])
            if part is None:
                raise LookupError(f"the disk snapshot {payload['source_snapshot']} to clone from is gone")
            return hooks.clone_disk(domain, planned, part, command.request_id, resuming)
        return hooks.create_disk(domain, planned, resuming)

    def hook_kind(self, command: Command) -> str:
        payload = payload_of(command)
        if payload.get("source_volume"):
            return "copy_volume" if payload.get("independent") else "clone_volume"
        return "clone_disk" if payload.get("source_snapshot") else self.kind

    def accepted(self, session: Session, command: Command, handle: OperationHandle) -> None:
        """The disk row, with the volume's id; attached at once to the VM it is made for
        (``attach`` in the payload: a VM made with its disks is never left with a volume that
        is nobody's disk)."""
        payload = payload_of(command)
        disk = self.planned_disk(command)
        disk.id = disk.active_volume_id = handle["backend_id"]
        session.add(disk)
        session.flush()
        session.add(DiskVolume(id=disk.id, disk_id=disk.id, origin_id=payload.get("source_snapshot")))
        command.entity_id = disk.id
        attach = payload.get("attach")
        if attach and session.get(Vm, attach["vm_id"]) is not None:
            session.add(
                DiskAttachment(
                    vm_id=attach["vm_id"], disk_id=disk.id, interface=attach["interface"],
                    bootable=attach["bootable"], active=True,
                )
            )  # fmt: skip

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        disk = self.disk(session, command)
        disk.status, disk.status_detail = "ok", None
        disk.actual_size = status.get("actual_size") or disk.provisioned_size

    def rejected(self, session: Session, command: Command) -> None:
        """No disk row exists before the backend accepted the create."""


class DeleteDisk(DiskOperation):
    kind = "delete_disk"
    progress = "Deleting the volume"
    succeeds_when_gone = True

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> Any:
        return hooks.delete_disk(domain, self.disk(session, command))

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        disk = session.get(Disk, command.entity_id)
        if disk is not None:
            session.delete(disk)


class ExtendDisk(DiskOperation):
    kind = "extend_disk"
    progress = "Extending the volume"

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> Any:
        return hooks.extend_disk(domain, self.disk(session, command), payload_of(command)["new_size"])

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        disk = self.disk(session, command)
        new_size = int(payload_of(command)["new_size"])
        disk.provisioned_size = new_size
        disk.actual_size = max(status.get("actual_size") or 0, new_size)
        disk.status, disk.status_detail = "ok", None


class RetypeDisk(DiskOperation):
    kind = "retype_disk"
    progress = "Changing the volume's type"

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> Any:
        return hooks.retype_disk(domain, self.disk(session, command), payload_of(command)["volume_type"])

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        disk = self.disk(session, command)
        disk.volume_type = payload_of(command)["volume_type"]
        disk.status, disk.status_detail = "ok", None

    def failed(self, session: Session, command: Command, reason: str) -> None:
        """The backend kept the volume's type: the disk is as it was (the job keeps the reason)."""
        self.rejected(session, command)


def register(registry: Registry) -> None:
    for operation in (CreateDisk(), DeleteDisk(), ExtendDisk(), RetypeDisk()):
        registry.register_operation(operation)
