"""VM snapshots as commands and jobs: what each backend operation does for the engine's rows
(:class:`~ovirt_engine_host.commands.operations.Operation`), and what a whole snapshot, preview
or undo does once all of its disks' commands have ended
(:class:`~ovirt_engine_host.commands.operations.JobKind`).

Every command of these jobs carries ``vm_id`` and ``snapshot_id`` in its payload; the VM is
``image_locked`` (its ``locked_by_job_id``) from the request until the job ends, whatever the
outcome. A failure on one disk undoes the others before the job fails: no half snapshot, no half
preview, nothing left ``locked``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.collection import drop_snapshot, removal_failed
from ovirt_engine_host.commands.operations import JobKind, Operation, Registry, payload_of
from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Disk, DiskSnapshot, DiskVolume, Job, Snapshot, StorageDomain, Vm
from ovirt_engine_host.plugins import EngineHooks

PREVIEW_DESCRIPTION = "Active VM before the preview"


def _disk_snapshot(session: Session, command: Command) -> DiskSnapshot:
    found = session.get(DiskSnapshot, command.entity_id)
    if found is None:
        raise LookupError(f"disk snapshot {command.entity_id} of command {command.id} is gone")
    return found


def _disk(session: Session, disk_id: str) -> Disk:
    found = session.get(Disk, disk_id)
    if found is None:
        raise LookupError(f"disk {disk_id} is gone")
    return found


class CreateDiskSnapshot(Operation):
    kind = "create_snapshot"
    entity_type = "disk_snapshot"
    progress = "Snapshotting the volume"

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        part = _disk_snapshot(session, command)
        return hooks.create_snapshot(domain, _disk(session, part.disk_id), part, resuming)

    def accepted(self, session: Session, command: Command, handle: OperationHandle) -> None:
        _disk_snapshot(session, command).backend_id = handle["backend_id"]

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        _disk_snapshot(session, command).status = "ok"

    def failed(self, session: Session, command: Command, reason: str) -> None:
        _disk_snapshot(session, command).status = "illegal"


class DeleteDiskSnapshot(Operation):
    kind = "delete_snapshot"
    entity_type = "disk_snapshot"
    progress = "Deleting the snapshot"
    succeeds_when_gone = True

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        return hooks.delete_snapshot(domain, _disk_snapshot(session, command))

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        part = session.get(DiskSnapshot, command.entity_id)
        if part is not None:
            if part.snapshot is not None:
                part.snapshot.disks.remove(part)
            session.delete(part)

    def failed(self, session: Session, command: Command, reason: str) -> None:
        part = session.get(DiskSnapshot, command.entity_id)
        if part is not None:
            part.status = "illegal"
            removal_failed(session, part.disk_id, reason)

    def rejected(self, session: Session, command: Command) -> None:
        self.failed(session, command, command.last_error or "the backend refused")


class CloneFromSnapshot(Operation):
    """A preview's volume for one disk, made from that disk's snapshot (``entity_id``: the disk
    snapshot; the new volume is the command's ``backend_id``)."""

    kind = "clone_disk"
    entity_type = "disk_snapshot"
    progress = "Making the preview volume"

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        part = _disk_snapshot(session, command)
        return hooks.clone_disk(domain, _disk(session, part.disk_id), part, command.request_id, resuming)

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        """The volume is ready; the job switches the disks over once every disk's is."""


class DeleteVolume(Operation):
    """A volume no disk runs on any more (a preview's, or one nothing needs), ``entity_id``: its
    disk, ``volume_id`` in the payload."""

    kind = "delete_volume"
    entity_type = "disk"
    progress = "Deleting the volume"
    succeeds_when_gone = True

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        return hooks.delete_volume(domain, payload_of(command)["volume_id"], command.request_id)

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        """The volume is gone (so is its row); an undo's job puts the disk back on its own volume."""
        volume = session.get(DiskVolume, payload_of(command)["volume_id"])
        if volume is not None:
            session.delete(volume)

    def failed(self, session: Session, command: Command, reason: str) -> None:
        removal_failed(session, command.entity_id, reason)  # a disk being removed stays, illegal

    def rejected(self, session: Session, command: Command) -> None:
        self.failed(session, command, command.last_error or "the backend refused")


def _job_subject(session: Session, commands: Sequence[Command]) -> tuple[Vm | None, Snapshot | None]:
    payload = payload_of(commands[0]) if commands else {}
    vm = session.get(Vm, payload.get("vm_id") or "")
    snapshot = session.get(Snapshot, payload.get("snapshot_id") or "")
    return vm, snapshot


class SnapshotJob(JobKind):
    """What every snapshot job does at its end: the VM's image lock is released."""

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        vm, _ = _job_subject(session, commands)
        if vm is not None and vm.locked_by_job_id == job.id:
            vm.locked_by_job_id = None


def undo_each(kind: str, commands: Sequence[Command], begin: Any) -> None:
    """Compensate every command of ``kind`` that succeeded, with the inverse operation."""
    for command in commands:
        if command.kind != kind or command.state != "done":
            continue
        payload = payload_of(command)
        # the compensation's own idempotency key, derived: a resumed undo finds its operation
        undo_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"undo:{command.request_id}"))
        undo = {"storage_domain_id": command.storage_domain_id, "request_id": undo_id}
        if kind == "create_snapshot":
            begin(kind="delete_snapshot", entity_id=command.entity_id, payload=payload, **undo)
        elif kind == "clone_disk":
            volume = {**payload, "volume_id": command.backend_id}
            begin(kind="delete_volume", entity_id=payload["disk_id"], payload=volume, **undo)


class CreateSnapshotJob(SnapshotJob):
    name = "create_snapshot"

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        _, snapshot = _job_subject(session, commands)
        if snapshot is not None:
            snapshot.status = "ok"

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        undo_each("create_snapshot", commands, begin)

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        super().ended(session, job, commands, succeeded)
        _, snapshot = _job_subject(session, commands)
        if snapshot is not None and not succeeded:
            drop_snapshot(session, snapshot)  # no half snapshot: what was not undone is collected


class DeleteSnapshotJob(SnapshotJob):
    name = "delete_snapshot"

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        _, snapshot = _job_subject(session, commands)
        if snapshot is not None:
            drop_snapshot(session, snapshot)

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        super().ended(session, job, commands, succeeded)
        _, snapshot = _job_subject(session, commands)
        if snapshot is not None and not succeeded:
            snapshot.status = "ok"  # what is left of it stays listed; its failed parts are illegal


class PreviewSnapshotJob(SnapshotJob):
    """Every disk runs on a new volume made from its snapshot; a ``preview`` snapshot keeps the
    volumes to go back to."""

    name = "preview_snapshot"

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        vm, _ = _job_subject(session, commands)
        if vm is None:
            return
        before = Snapshot(vm_id=vm.id, description=PREVIEW_DESCRIPTION, type="preview", status="ok")
        session.add(before)
        for command in commands:
            if command.kind != "clone_disk":
                continue
            part = _disk_snapshot(session, command)
            disk = _disk(session, part.disk_id)
            before.disks.append(DiskSnapshot(disk_id=disk.id, volume_id=disk.active_volume_id, status="ok"))
            if command.backend_id:
                disk.active_volume_id = command.backend_id
                session.add(DiskVolume(id=command.backend_id, disk_id=disk.id, origin_id=part.id))
            if part.snapshot is not None:
                part.snapshot.status = "in_preview"

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        undo_each("clone_disk", commands, begin)


def commit_preview(session: Session, vm: Vm) -> None:
    """The VM's preview for good, in the rows: the previewed snapshots are ``ok`` again, the
    regular snapshots taken after the newest previewed one are dropped, and so is the "before
    the preview" snapshot (their parts stay hidden while the backend has them: a collection
    deletes what nothing needs any more, children first)."""
    snapshots = session.scalars(select(Snapshot).where(Snapshot.vm_id == vm.id)).all()
    before = next(s for s in snapshots if s.type == "preview")
    previewed = [s for s in snapshots if s.status == "in_preview"]
    newest = max(s.date for s in previewed) if previewed else before.date
    for snapshot in snapshots:
        if snapshot.type == "regular" and snapshot.status == "ok" and snapshot.date > newest:
            drop_snapshot(session, snapshot)
    for snapshot in previewed:
        snapshot.status = "ok"
    drop_snapshot(session, before)
    session.flush()


class RestoreSnapshotJob(PreviewSnapshotJob):
    """oVirt's restore in one job: the preview's volumes, then, once every disk has its own,
    the preview's commit (a failure on one disk undoes the others, as a preview's does: the VM
    stays as it was). A collection follows, as after any commit."""

    name = "restore_snapshot"
    leaves_hidden = True

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        super().finished(session, job, commands)
        vm, _ = _job_subject(session, commands)
        if vm is not None:
            session.flush()
            commit_preview(session, vm)


class UndoPreviewJob(SnapshotJob):
    """The preview volumes are deleted; each disk whose volume went is back on the volume the
    ``preview`` snapshot kept; when all are, the preview is over."""

    name = "undo_preview"

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        super().ended(session, job, commands, succeeded)
        vm, before = _job_subject(session, commands)
        if vm is None or before is None:
            return
        kept = {part.disk_id: part for part in before.disks}
        for command in commands:
            part = kept.get(command.entity_id)
            if command.kind == "delete_volume" and command.state == "done" and part is not None:
                _disk(session, command.entity_id).active_volume_id = part.volume_id
                before.disks.remove(part)
                session.delete(part)
        if succeeded:
            previewed = session.scalars(
                select(Snapshot).where(Snapshot.vm_id == vm.id, Snapshot.status == "in_preview")
            ).all()
            for snapshot in previewed:
                snapshot.status = "ok"
            drop_snapshot(session, before)


def register(registry: Registry) -> None:
    for operation in (CreateDiskSnapshot(), DeleteDiskSnapshot(), CloneFromSnapshot(), DeleteVolume()):
        registry.register_operation(operation)
    for job_kind in (
        CreateSnapshotJob(),
        DeleteSnapshotJob(),
        PreviewSnapshotJob(),
        RestoreSnapshotJob(),
        UndoPreviewJob(),
    ):
        registry.register_job_kind(job_kind)
