"""The engine's disks: add, update and extend, remove; each backend change runs as a command of
the coordinator, so a request answers at once (the disk ``locked``) and the poller finishes it.

The engine knows no backend's rules: it checks a disk against the rules the serving plugin
registered with its storage-domain type (formats, size granularity, sharing, extra fields),
asks the plugin for a quota verdict, and a plugin's refusal, raised when the operation starts,
reaches the client as a 4xx naming the field. All of it before anything is written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.collection import prepare_removal, running_collection, start_collecting
from ovirt_engine_host.commands.jobs import end_job, start_job
from ovirt_engine_host.db.models import Command, Disk, DiskAttachment, DiskSnapshot, DiskVolume, Job, StorageDomain, Vm
from ovirt_engine_host.errors import Refused, backend_refusal
from ovirt_engine_host.references import resolve
from ovirt_engine_host.services import disk_rules
from ovirt_engine_host.state import EngineState

ENGINE_FIELDS = ("alias", "description", "bootable", "interface")


@dataclass(frozen=True)
class QuotaRequest:
    """The contract's ``QuotaRequestView``."""

    operation: Literal["create", "extend", "snapshot", "retype"]
    size_delta: int
    volume_type: str | None
    count: int


@dataclass(frozen=True)
class Removal:
    """How a removal stands when the request answers: ``done`` (the disk is gone) or not yet,
    with the job to watch."""

    job: Job
    done: bool


class DiskService:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    def session(self) -> Session:
        return self.state.session_factory()

    # -- reading ------------------------------------------------------------------------
    @staticmethod
    def get(session: Session, disk_id: str) -> Disk:
        disk = session.get(Disk, disk_id)
        if disk is None:
            raise Refused(404, f"disk {disk_id} not found")
        return disk

    @staticmethod
    def storage_domain(session: Session, reference: Mapping[str, Any] | str) -> StorageDomain:
        """The active storage domain a reference names (a path's bare id or name is a 404)."""
        domain: StorageDomain = resolve(
            session, "storage_domain", reference, status=404 if isinstance(reference, str) else 400
        )
        if domain.status != "active":
            raise Refused(409, f"storage_domain: {domain.name} is {domain.status}, not active")
        return domain

    @staticmethod
    def refuse_template_disk(disk: Disk, what: str) -> None:
        """A template's disk is read-only and goes only with its template."""
        if disk.template_id is not None:
            raise Refused(409, f"disk {disk.alias} ({disk.id}) belongs to a template: it cannot be {what}")

    # -- adding -------------------------------------------------------------------------
    @staticmethod
    def refuse_held_by_vm_job(session: Session, disk: Disk) -> None:
        """A disk of a VM that a job holds (``image_locked``: a snapshot, a preview) keeps its
        size, type and fields until the job ends: the job's parts were planned on them."""
        held = session.scalars(
            select(Vm.name).join(DiskAttachment, DiskAttachment.vm_id == Vm.id)
            .where(DiskAttachment.disk_id == disk.id, Vm.locked_by_job_id.is_not(None))
        ).all()  # fmt: skip
        if held:
            raise Refused(
                409, f"disk {disk.alias} ({disk.id}): VM {', '.join(held)} is image_locked by an operation in progress"
            )

    def add(self, spec: dict[str, Any], storage_domain: Mapping[str, Any] | str, owner_id: str | None) -> Disk:
        with self.session() as session:
            domain = self.storage_domain(session, storage_domain)
            spec = {**spec, "storage_domain_id": domain.id, "owner_id": owner_id}
            registered = disk_rules.registered_type(self.state.hooks, domain.type)
            disk_rules.check_new_disk(registered, spec)
            spec["format"] = spec.get("format") or registered["disks"]["formats"][0]
            self.check_quota(domain, QuotaRequest("create", spec["provisioned_size"], spec.get("volume_type"), 1))
            request_id = str(uuid.uuid4())
            job = start_job(session, f"Adding Disk {spec['alias']}", owner_id, "Creating the volume")
            command = self.state.coordinator.begin(
                session,
                job=job,
                storage_domain_id=domain.id,
                kind="create_disk",
                entity_id=request_id,
                request_id=request_id,
                payload=spec,
            )
            session.commit()
        command = self.state.coordinator.send(command.id)
        with self.session() as session:
            return self.get(session, command.entity_id)

    def check_quota(self, domain: StorageDomain, request: QuotaRequest) -> None:
        try:
            verdict = self.state.hooks.check_quota(domain, request)
        except Exception as error:
            raise backend_refusal(error) from error
        if verdict is None:
            raise Refused(400, f"storage_domain: no plugin serves storage domains of type {domain.type!r}")
        if not verdict["allowed"]:
            raise Refused(409, verdict["message"] or f"quota: the {verdict['limit']} limit refuses")

    # -- changing -----------------------------------------------------------------------
    def update(self, disk_id: str, changes: dict[str, Any], owner_id: str | None) -> Disk:
        """Engine-side fields change at once; a larger ``provisioned_size`` starts an extend,
        another ``volume_type`` a retype (the same type: nothing to do). Everything is checked
        before anything is written: a refused extend or retype (too small, over quota, in use
        by a running VM, refused by the backend) leaves the engine-side fields unchanged too."""
        new_size = changes.pop("provisioned_size", None)
        new_type = changes.pop("volume_type", None)
        with self.session() as session:
            disk = self.get(session, disk_id)
            self.refuse_template_disk(disk, "changed")
            if disk.status == "locked":
                raise Refused(409, f"disk {disk.alias} ({disk.id}) is locked by an operation in progress")
            self.refuse_held_by_vm_job(session, disk)
            extend = new_size is not None and new_size != disk.provisioned_size
            if extend and new_size < disk.provisioned_size:
                raise Refused(
                    400,
                    f"provisioned_size: a disk cannot shrink ({new_size} < {disk.provisioned_size} bytes)",
                )
            if extend:
                domain = self.storage_domain(session, {"id": disk.storage_domain_id})
                disk_rules.check_size(disk_rules.registered_type(self.state.hooks, domain.type), new_size)
                self.check_quota(domain, QuotaRequest("extend", new_size - disk.provisioned_size, disk.volume_type, 0))
            retype = new_type is not None and new_type != disk.volume_type
            if retype:
                if extend:
                    raise Refused(400, "openstack_volume_type: extend the disk and change its type in two requests")
                self._check_retype(session, disk, new_type)
        if extend:
            self._start(disk_id, "extend_disk", f"Extending Disk {disk.alias}", owner_id, {"new_size": new_size})
        if retype:
            self._start(disk_id, "retype_disk", f"Retyping Disk {disk.alias}", owner_id, {"volume_type": new_type})
        with self.session() as session:
            disk = self.get(session, disk_id)
            for field in ENGINE_FIELDS:
                if field in changes:
                    setattr(disk, field, changes[field])
            session.commit()
            return disk

    def _check_retype(self, session: Session, disk: Disk, new_type: str) -> None:
        """A retype may start: the storage type has volume types, no running VM uses the disk
        (the backend would have to move a volume in use: refused, simpler and safe), the disk
        runs on its own volume (not a snapshot preview's) and the new type's quota allows it."""
        domain = self.storage_domain(session, {"id": disk.storage_domain_id})
        disk_rules.check_extra_field(disk_rules.registered_type(self.state.hooks, domain.type), "openstack_volume_type")
        running = session.scalars(
            select(Vm.name).join(DiskAttachment).where(DiskAttachment.disk_id == disk.id, Vm.status != "down")
        ).all()
        if running:
            raise Refused(
                409,
                f"disk {disk.alias} ({disk.id}) is used by the running VM {', '.join(running)}: "
                "stop the VM to change the disk's type",
            )
        volumes = session.scalars(select(DiskVolume.id).where(DiskVolume.disk_id == disk.id)).all()
        if set(volumes) - {disk.active_volume_id}:
            raise Refused(
                409,
                f"disk {disk.alias} ({disk.id}) has volumes besides the one it runs on (a snapshot "
                "preview's, or older ones being removed): commit or undo the preview first",
            )
        self.check_quota(domain, QuotaRequest("retype", disk.provisioned_size, new_type, 1))

    def remove(self, disk_id: str, wait: bool, owner_id: str | None) -> Removal:
        with self.session() as session:
            disk = self.get(session, disk_id)
            self.refuse_template_disk(disk, "removed but with its template")
            alias = disk.alias
            attached = session.scalars(
                select(Vm.name).join(DiskAttachment).where(DiskAttachment.disk_id == disk_id)
            ).all()
            if attached:
                raise Refused(409, f"disk {alias} is attached to VM {', '.join(attached)}; detach it first")
            parts = session.scalars(select(DiskSnapshot).where(DiskSnapshot.disk_id == disk.id)).all()
            volumes = session.scalars(select(DiskVolume.id).where(DiskVolume.disk_id == disk.id)).all()
            if parts or set(volumes) - {disk.active_volume_id} or disk.removing:
                return self._remove_with_snapshots(session, disk, wait, owner_id)
        command = self._start(disk_id, "delete_disk", f"Removing Disk {alias}", owner_id, {})
        with self.session() as session:
            removal_job = session.get(Job, command.job_id)
        if removal_job is None:
            raise Refused(500, f"the job of removing disk {alias} is gone")
        deadline = time.monotonic() + (self.state.config.poller.sync_wait_seconds if wait else 0)
        while True:
            with self.session() as session:
                current = session.get(Command, command.id)
                job = session.get(Job, command.job_id) or removal_job
                if current is None or current.state in {"done", "failed"}:
                    if current is not None and current.state == "failed":
                        raise Refused(502, f"removing disk {alias} failed: {current.last_error}")
                    return Removal(job, done=True)
                if time.monotonic() >= deadline:
                    return Removal(job, done=False)
            time.sleep(0.1)

    def _remove_with_snapshots(self, session: Session, disk: Disk, wait: bool, owner_id: str | None) -> Removal:
        """A disk with snapshots (or volumes it ran on before): everything of it goes in the
        backend, children first, by a collection; the row goes with the last of it."""
        prepare_removal(session, disk)
        session.flush()
        job = start_collecting(session, self.state.coordinator, owner_id) or running_collection(session)
        if job is None and session.get(Disk, disk.id) is not None:
            session.rollback()  # something else works on its snapshots: nothing is written
            raise Refused(409, f"disk {disk.alias}: an operation on its snapshots is in progress; try again")
        if job is None:  # nothing was left in the backend: the row went at once
            job = start_job(session, f"Removing Disk {disk.alias}", owner_id, "Done")
            end_job(job, True)
        session.commit()
        job_id = job.id
        deadline = time.monotonic() + (self.state.config.poller.sync_wait_seconds if wait else 0)
        self.state.coordinator.wake.set()
        while True:
            with self.session() as session:
                current = session.get(Job, job_id) or job
                left = session.get(Disk, disk.id)
                if left is None:
                    return Removal(current, done=True)
                if not left.removing:  # the backend refused a part of it: the disk stays, illegal
                    raise Refused(502, f"removing disk {disk.alias} failed: {left.status_detail}")
                if time.monotonic() >= deadline:
                    return Removal(current, done=False)
            time.sleep(0.1)

    def _start(
        self, disk_id: str, kind: str, description: str, owner_id: str | None, payload: dict[str, Any]
    ) -> Command:
        """Lock the disk (a conditional update: one operation at a time, across processes),
        record the command, and start it; a refusal unlocks the disk and is raised."""
        with self.session() as session:
            disk = self.get(session, disk_id)
            previous_status, alias = disk.status, disk.alias
            locked = session.execute(
                update(Disk).where(Disk.id == disk_id, Disk.status != "locked").values(status="locked")
            )
            if locked.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()  # the row may have gone meanwhile (a removal that ended): then a 404
                self.get(session, disk_id)
                raise Refused(409, f"disk {alias} ({disk_id}) is locked by an operation in progress")
            job = start_job(session, description, owner_id, description)
            command = self.state.coordinator.begin(
                session,
                job=job,
                storage_domain_id=disk.storage_domain_id,
                kind=kind,
                entity_id=disk.id,
                request_id=disk.id,
                payload={**payload, "previous_status": previous_status, "requested": clock.now().isoformat()},
            )
            session.commit()
        return self.state.coordinator.send(command.id)
