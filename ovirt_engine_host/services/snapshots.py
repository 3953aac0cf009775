"""VM snapshots: take one (of every disk, or of some), remove one, preview one (each disk on a new
volume made from its snapshot, or a custom choice of snapshot per disk) and undo the preview.

Each request checks everything first, then in one transaction image-locks the VM (a conditional
update: one operation at a time, across engine processes), records the snapshot rows and one
command per disk in a job with a step per disk, and lets the poller start the commands (they are
committed ``sending``, so a crash at any point is resumed, each by its request id). The job's kind
(:mod:`ovirt_engine_host.commands.snapshots`) finishes the work or undoes the parts that were
done, and always releases the VM.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.collection import (
    dependents,
    describe_dependent,
    drop_snapshot,
    hide,
    start_collecting,
    wait_for_collection,
)
from ovirt_engine_host.commands.jobs import start_job, wait_for_job
from ovirt_engine_host.commands.snapshots import commit_preview
from ovirt_engine_host.db.models import Disk, DiskSnapshot, Job, Snapshot, Vm
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.references import reference_value
from ovirt_engine_host.services.disks import DiskService, QuotaRequest
from ovirt_engine_host.services.virtual_snapshots import virtual_snapshot
from ovirt_engine_host.services.vm_copies import SourceDisk, VmCopies
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import EngineState


class SnapshotService:
    def __init__(self, state: EngineState) -> None:
        self.state = state
        self._begun: list[str] = []  # commands this request began, started once committed

    # -- reading --------------------------------------------------------------------------
    @staticmethod
    def get(session: Session, vm: Vm, snapshot_id: str) -> Snapshot:
        """A snapshot taken of the VM; the untaken ones (active, stateless) are a 409 here: they
        cannot be removed or previewed."""
        snapshot = session.get(Snapshot, snapshot_id)
        if snapshot is None and (virtual := virtual_snapshot(session, vm, snapshot_id)) is not None:
            raise Refused(
                409, f"snapshot: {virtual.description!r} is the VM's {virtual.type} snapshot, not one taken of it"
            )  # fmt: skip
        if snapshot is None or snapshot.vm_id != vm.id:
            raise Refused(404, f"snapshot {snapshot_id} of VM {vm.name} not found")
        return snapshot

    @staticmethod
    def of_vm(session: Session, vm: Vm) -> list[Snapshot]:
        return list(session.scalars(select(Snapshot).where(Snapshot.vm_id == vm.id).order_by(Snapshot.date)))

    # -- the requests ---------------------------------------------------------------------
    def create(self, vm_id: str, description: str, disk_ids: list[str] | None, owner_id: str | None) -> Snapshot:
        with self.state.session_factory() as session:
            vm = VmService.get(session, vm_id)
            VmService.refuse_image_locked(vm)
            self._not_in_preview(session, vm)
            disks = self._disks(session, vm, disk_ids)
            running_stateless = [disk.alias for disk in disks if disk.stateless_base_volume_id is not None]
            if running_stateless:
                raise Refused(409, f"VM {vm.name} runs stateless: a snapshot of its throw-away volumes would be lost")
            self._check_quota(session, disks)
            job = start_job(
                session, f"Creating VM Snapshot {description} for VM {vm.name}", owner_id,
                [f"Snapshotting disk {disk.alias}" for disk in disks], kind="create_snapshot",
            )  # fmt: skip
            self._lock(session, vm, job)
            snapshot = Snapshot(vm_id=vm.id, description=description, type="regular", status="locked")
            session.add(snapshot)
            session.flush()
            for disk, step in zip(disks, self._executing(job), strict=True):
                part = DiskSnapshot(snapshot_id=snapshot.id, disk_id=disk.id, volume_id=disk.active_volume_id)
                session.add(part)
                session.flush()
                self._command(session, job, step, disk, "create_snapshot", part.id, part.id, vm, snapshot)
            session.commit()
            snapshot_id = snapshot.id
        self._send()
        with self.state.session_factory() as session:
            return self.get(session, VmService.get(session, vm_id), snapshot_id)

    def remove(self, vm_id: str, snapshot_id: str, wait: bool, owner_id: str | None) -> Job | None:
        """Start removing a snapshot; the job when it is still running (None: done)."""
        with self.state.session_factory() as session:
            vm = VmService.get(session, vm_id)
            snapshot = self.get(session, vm, snapshot_id)
            if snapshot.status == "in_preview" or snapshot.type == "preview":
                raise Refused(409, f"snapshot {snapshot.description!r} is in use by a preview: undo or commit it first")
            VmService.refuse_image_locked(vm)
            needed = dependents(session, snapshot.disks)
            elsewhere = [(part, volume) for part, volume in needed if volume.disk_id != part.disk_id]
            if elsewhere:
                named = ", ".join(describe_dependent(session, volume) for _, volume in elsewhere)
                raise Refused(
                    409, f"snapshot {snapshot.description!r} is the source of {named}: remove that first"
                )  # fmt: skip
            for part in {part.id: part for part, _ in needed}.values():  # the disk's own volumes were made
                hide(part, session)  # from it: kept in the backend, hidden
            if not any(part.backend_id for part in snapshot.disks):
                drop_snapshot(session, snapshot)
                session.commit()
                return None
            job = start_job(
                session, f"Removing VM Snapshot {snapshot.description} of VM {vm.name}", owner_id,
                [f"Deleting the snapshot of disk {part.disk_id}" for part in snapshot.disks] or ["Removing"],
                kind="delete_snapshot",
            )  # fmt: skip
            self._lock(session, vm, job)
            snapshot.status = "locked"
            for part, step in zip(snapshot.disks, self._executing(job), strict=False):
                disk = session.get(Disk, part.disk_id)
                if disk is None or part.backend_id is None:
                    session.delete(part)
                    continue
                self._command(session, job, step, disk, "delete_snapshot", part.id, str(uuid.uuid4()), vm, snapshot)
            session.commit()
            job_id = job.id
        return self._wait(job_id, wait)

    def preview(
        self,
        vm_id: str,
        snapshot_id: str | None,
        custom: Mapping[str, str] | None,
        owner_id: str | None,
        wait: bool = True,
        kind: str = "preview_snapshot",
    ) -> Job | None:
        """Each disk of the snapshot (or, custom, each disk named with its own snapshot) on a new
        volume made from its snapshot; disks not named keep their volume. ``restore_snapshot``:
        the same job then commits the preview (:meth:`restore`)."""
        with self.state.session_factory() as session:
            vm = self._down(session, vm_id, "a preview")
            self._not_in_preview(session, vm)
            parts = self._parts_to_preview(session, vm, snapshot_id, custom)
            what = "Restoring a snapshot" if kind == "restore_snapshot" else "Previewing snapshots"
            job = start_job(
                session, f"{what} of VM {vm.name}", owner_id,
                [f"Previewing disk {part.disk_id}" for part in parts], kind=kind,
            )  # fmt: skip
            self._lock(session, vm, job)
            for part, step in zip(parts, self._executing(job), strict=True):
                disk = _disk(session, part.disk_id)
                self._command(
                    session, job, step, disk, "clone_disk", part.id, str(uuid.uuid4()), vm, part.snapshot,
                    {"disk_id": disk.id},
                )  # fmt: skip
            session.commit()
            job_id = job.id
        return self._wait(job_id, wait)

    def undo(self, vm_id: str, owner_id: str | None, wait: bool = True) -> Job | None:
        with self.state.session_factory() as session:
            vm = self._down(session, vm_id, "undoing a preview")
            before = self._in_preview(session, vm)
            job = start_job(
                session, f"Undoing the snapshot preview of VM {vm.name}", owner_id,
                [f"Deleting the preview volume of disk {part.disk_id}" for part in before.disks], kind="undo_preview",
            )  # fmt: skip
            self._lock(session, vm, job)
            for part, step in zip(before.disks, self._executing(job), strict=True):
                disk = _disk(session, part.disk_id)
                self._command(
                    session, job, step, disk, "delete_volume", disk.id, str(uuid.uuid4()), vm, before,
                    {"volume_id": disk.active_volume_id},
                )  # fmt: skip
            session.commit()
            job_id = job.id
        return self._wait(job_id, wait)

    def commit(self, vm_id: str, owner_id: str | None, wait: bool = True) -> Job | None:
        """The preview for good: the disks keep their preview volumes; the snapshots taken after
        the committed one are removed, and so is, in the backend, what no longer serves anything
        (a collection: children first). What the disks' volumes still depend on (the snapshot a
        preview volume was made from, the volume that snapshot copies) stays in the backend,
        hidden, until nothing does. The answer is the collection's job while it runs."""
        with self.state.session_factory() as session:
            vm = self._down(session, vm_id, "committing a preview")
            self._in_preview(session, vm)
            commit_preview(session, vm)
            job = start_collecting(session, self.state.coordinator, owner_id)
            session.commit()
            job_id = job.id if job is not None else None
        return self.collected(job_id, wait)

    def collected(self, job_id: str | None, wait: bool) -> Job | None:
        seconds = self.state.config.poller.sync_wait_seconds if wait else 0
        return wait_for_collection(self.state.session_factory, self.state.coordinator, job_id, seconds)

    def clone_vm(self, data: dict[str, Any], reference: Mapping[str, Any]) -> Vm:
        """A new VM (down) whose disks are new volumes made from another VM's snapshot: the same
        sizes, types, interfaces; the source VM and its disks are untouched. The VM and its
        disks' commands are written together (:class:`VmCopies`): a crash leaves no VM without
        the disks it was made from."""
        copies = VmCopies(self.state)
        with self.state.session_factory() as session:
            by, snapshot_id = reference_value(reference) or ("id", "")
            snapshot = session.get(Snapshot, snapshot_id) if by != "name" else None
            if snapshot is None or snapshot.type != "regular":
                raise Refused(400, f"snapshots: no snapshot with id {snapshot_id!r}")
            if snapshot.status != "ok":
                raise Refused(409, f"snapshots: snapshot {snapshot.description!r} is {snapshot.status}, not ok")
            source = VmService.get(session, snapshot.vm_id)
            interfaces = {a.disk_id: (a.interface, a.bootable) for a in source.attachments}
            parts = [p for p in snapshot.disks if p.backend_id and p.status == "ok"]
            disks = [_disk(session, p.disk_id) for p in parts]
            copies.check_quota(session, disks)
            sources = [
                SourceDisk(disk, *interfaces.get(disk.id, (disk.interface, disk.bootable)), snapshot_part=part.id)
                for part, disk in zip(parts, disks, strict=True)
            ]
            if session.scalar(select(Vm.id).where(Vm.name == data["name"])) is not None:
                raise Refused(409, f"name: a VM named {data['name']!r} exists")
        return copies.make(data, sources, independent=False)

    def restore(self, vm_id: str, snapshot_id: str, owner_id: str | None, wait: bool = True) -> Job | None:
        """oVirt's restore: the snapshot's preview and its commit in one job (the VM down; what
        the commit frees is collected after it, as after any commit)."""
        return self.preview(vm_id, snapshot_id, None, owner_id, wait, kind="restore_snapshot")

    # -- rules ----------------------------------------------------------------------------
    def _check_quota(self, session: Session, disks: list[Disk]) -> None:
        """The backend's snapshot quota, per storage domain and volume type, before anything is
        sent (each group counted at its largest disk's size: never less than it needs)."""
        groups: dict[tuple[str, str | None], list[Disk]] = {}
        for disk in disks:
            groups.setdefault((disk.storage_domain_id, disk.volume_type), []).append(disk)
        for (domain_id, volume_type), members in groups.items():
            domain = DiskService.storage_domain(session, {"id": domain_id})
            size = max(d.provisioned_size for d in members)
            DiskService(self.state).check_quota(domain, QuotaRequest("snapshot", size, volume_type, len(members)))

    def _disks(self, session: Session, vm: Vm, disk_ids: list[str] | None) -> list[Disk]:
        attached = {a.disk_id: session.get(Disk, a.disk_id) for a in vm.attachments}
        if disk_ids:
            unknown = [d for d in disk_ids if d not in attached]
            if unknown:
                raise Refused(400, f"disks: disk {unknown[0]} is not a disk of VM {vm.name}")
            chosen = [attached[d] for d in dict.fromkeys(disk_ids)]
        else:
            chosen = list(attached.values())
        disks = [d for d in chosen if d is not None]
        if not disks:
            raise Refused(409, f"VM {vm.name} has no disks to snapshot")
        for disk in disks:
            if disk.status != "ok":
                raise Refused(409, f"disk {disk.alias} ({disk.id}) is {disk.status}, not ok")
        return disks

    def _parts_to_preview(
        self, session: Session, vm: Vm, snapshot_id: str | None, custom: Mapping[str, str] | None
    ) -> list[DiskSnapshot]:
        attached = {a.disk_id for a in vm.attachments}
        if custom:
            choice = dict(custom)
        elif snapshot_id:
            snapshot = self.get(session, vm, snapshot_id)
            choice = {part.disk_id: snapshot.id for part in snapshot.disks}
        else:
            raise Refused(422, "snapshot: give the snapshot to preview (or disks, each with its snapshot)")
        parts = []
        for disk_id, chosen in choice.items():
            if disk_id not in attached:
                raise Refused(400, f"disks: disk {disk_id} is not a disk of VM {vm.name}")
            snapshot = self.get(session, vm, chosen)
            part = next((p for p in snapshot.disks if p.disk_id == disk_id), None)
            if part is None or part.status != "ok" or part.backend_id is None or snapshot.type != "regular":
                raise Refused(400, f"snapshot: snapshot {snapshot.description!r} has no usable copy of disk {disk_id}")
            parts.append(part)
        if not parts:
            raise Refused(409, "snapshot: nothing to preview")
        return parts

    @staticmethod
    def _before_preview(session: Session, vm: Vm) -> Snapshot | None:
        return session.scalars(select(Snapshot).where(Snapshot.vm_id == vm.id, Snapshot.type == "preview")).first()

    @staticmethod
    def _down(session: Session, vm_id: str, what: str) -> Vm:
        vm = VmService.get(session, vm_id)
        VmService.refuse_image_locked(vm)  # first: a job holds it, whatever else is asked
        if vm.status != "down":
            raise Refused(409, f"VM {vm.name} is {vm.status}: {what} needs the VM down")
        return vm

    def _in_preview(self, session: Session, vm: Vm) -> Snapshot:
        before = self._before_preview(session, vm)
        if before is None:
            raise Refused(409, f"VM {vm.name} is not in a preview")
        return before

    def _not_in_preview(self, session: Session, vm: Vm) -> None:
        if self._before_preview(session, vm) is not None:
            raise Refused(409, f"VM {vm.name} is in a snapshot preview: commit or undo it first")

    @staticmethod
    def _lock(session: Session, vm: Vm, job: Job) -> None:
        vm_id, name = vm.id, vm.name
        locked = session.execute(
            update(Vm).where(Vm.id == vm_id, Vm.locked_by_job_id.is_(None)).values(locked_by_job_id=job.id)
        )
        if locked.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()  # the VM may have gone meanwhile (a removal): then a 404
            if session.get(Vm, vm_id) is None:
                raise Refused(404, f"VM {vm_id} not found")
            raise Refused(409, f"VM {name} is image_locked by an operation in progress")

    @staticmethod
    def _executing(job: Job) -> list[Any]:
        return [step for step in job.steps if step.type == "executing"]

    def _command(
        self, session: Session, job: Job, step: Any, disk: Disk, kind: str, entity_id: str, request_id: str,
        vm: Vm, snapshot: Snapshot | None, extra: dict[str, str] | None = None,
    ) -> Any:  # fmt: skip
        """A command committed ``sending`` with the caller's transaction and leased by this process,
        which starts it once the transaction is committed (:meth:`_send`); if this process dies
        first, the poller of any process takes the lease over and starts it."""
        payload = {"vm_id": vm.id, "snapshot_id": snapshot.id if snapshot else "", **(extra or {})}
        command = self.state.coordinator.begin(
            session, job=job, step=step, storage_domain_id=disk.storage_domain_id, kind=kind, entity_id=entity_id,
            request_id=request_id, payload=payload,
        )  # fmt: skip
        self._begun.append(command.id)
        return command

    def _send(self) -> None:
        """Start the commands this request began; a refused one is the job's business (its kind
        undoes the others and the job fails with the refusal's reason)."""
        begun, self._begun = self._begun, []
        for command_id in begun:
            try:
                self.state.coordinator.send(command_id)
            except Refused:
                continue

    def _wait(self, job_id: str, wait: bool) -> Job | None:
        self._send()
        self.state.coordinator.wake.set()
        seconds = self.state.config.poller.sync_wait_seconds if wait else 0
        job = wait_for_job(self.state.session_factory, job_id, seconds)
        if job is not None and job.status == "failed":
            raise Refused(409, f"{job.description} failed: {job.status_detail}")
        return job if job is not None and job.status == "started" else None


def _disk(session: Session, disk_id: str) -> Disk:
    disk = session.get(Disk, disk_id)
    if disk is None:
        raise Refused(409, f"disk {disk_id} is gone")
    return disk
