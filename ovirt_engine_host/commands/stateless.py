"""Stateless runs as commands and a job: at a stateless VM's start, one command per disk makes a
throw-away volume from the disk's active volume (the ``clone_volume`` hook: on RBD a
copy-on-write child), and the job switches every disk onto its throw-away volume once all exist
(``disks.stateless_base_volume_id`` keeps the disk's own volume). A failure on one disk deletes
the others' throw-away volumes before the job fails: no disk is left half in a run.

The end of a run (:func:`end_run`) puts each disk back on its own volume; the throw-away volume,
no longer active and copied by no snapshot, then goes by the collection, like any volume nothing
needs. Both ends are conditional on the rows as they are, so that a run ended by a stop, by the
VM monitor noticing a dead VM, or by the recovery after a crash, ends once.

Every command carries ``vm_id`` in its payload; the VM is ``image_locked`` while the job runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.operations import JobKind, Operation, Registry, payload_of
from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Disk, DiskVolume, Job, StorageDomain, Vm
from ovirt_engine_host.plugins import EngineHooks

KIND = "stateless_run"
"""The job kind of a stateless VM's start."""
OPERATION = "stateless_volume"
"""The command kind that makes one disk's throw-away volume."""


class ThrowAwayVolume(Operation):
    """One disk's throw-away volume (``entity_id``: the disk; the new volume is the command's
    ``backend_id``), made from the disk's active volume as the command was begun."""

    kind = OPERATION
    entity_type = "disk"
    progress = "Making the throw-away volume"

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        disk = session.get(Disk, command.entity_id)
        if disk is None:
            raise LookupError(f"disk {command.entity_id} of command {command.id} is gone")
        source = payload_of(command)["source_volume"]
        named = Disk(  # as Cinder shows it: the disk's, named for what it is (not in the session)
            id=disk.id, alias=f"{disk.alias} (stateless run)", description=disk.description,
            storage_domain_id=disk.storage_domain_id, provisioned_size=disk.provisioned_size,
            volume_type=disk.volume_type, active_volume_id=source,
        )  # fmt: skip
        return hooks.clone_volume(domain, named, source, command.request_id, resuming)

    def hook_kind(self, command: Command) -> str:
        return "clone_volume"

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        """The volume is ready; the job switches the disks over once every disk's is."""


class StatelessRunJob(JobKind):
    name = KIND

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        """Every disk goes onto its throw-away volume; its own volume is kept aside."""
        for command in commands:
            if command.kind != OPERATION or not command.backend_id:
                continue
            disk = session.get(Disk, command.entity_id)
            if disk is None:
                continue
            session.add(DiskVolume(id=command.backend_id, disk_id=disk.id, origin_id=None))
            disk.stateless_base_volume_id = disk.active_volume_id
            disk.active_volume_id = command.backend_id

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        """The throw-away volumes made so far are deleted (nothing switched to them yet)."""
        for command in commands:
            if command.kind != OPERATION or command.state != "done" or not command.backend_id:
                continue
            undo_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"undo:{command.request_id}"))
            begin(
                kind="delete_volume", entity_id=command.entity_id, storage_domain_id=command.storage_domain_id,
                request_id=undo_id, payload={"volume_id": command.backend_id, "disk_id": command.entity_id},
            )  # fmt: skip

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        vm_id = payload_of(commands[0]).get("vm_id") if commands else None
        vm = session.get(Vm, vm_id) if vm_id else None
        if vm is not None and vm.locked_by_job_id == job.id:
            vm.locked_by_job_id = None


def begin_run(session: Session, coordinator: Any, job: Job, vm: Vm, disks: Sequence[Disk]) -> list[Command]:
    """The commands of a run's start, one per disk (each in its step of the job), held by this
    process: the caller commits, then sends them."""
    steps = [step for step in job.steps if step.type == "executing"]
    return [
        coordinator.begin(
            session,
            job=job,
            step=step,
            storage_domain_id=disk.storage_domain_id,
            kind=OPERATION,
            entity_id=disk.id,
            request_id=str(uuid.uuid4()),
            payload={"vm_id": vm.id, "source_volume": disk.active_volume_id},
        )
        for disk, step in zip(disks, steps, strict=True)
    ]


def end_run(session: Session, disks: Sequence[Disk]) -> list[str]:
    """Put each disk that is on a throw-away volume back on its own (a conditional update: a run
    ends once, whoever ends it); the throw-away volumes ended, for the collection to delete."""
    ended: list[str] = []
    for disk in disks:
        base, throw_away = disk.stateless_base_volume_id, disk.active_volume_id
        if base is None:
            continue
        switched = session.execute(
            update(Disk)
            .where(Disk.id == disk.id, Disk.stateless_base_volume_id == base, Disk.active_volume_id == throw_away)
            .values(active_volume_id=base, stateless_base_volume_id=None)
            .execution_options(synchronize_session="fetch")
        )
        if switched.rowcount == 1:  # type: ignore[attr-defined]
            ended.append(throw_away)
    session.flush()
    return ended


def disks_in_run(session: Session) -> list[Disk]:
    """Every disk on a throw-away volume now."""
    return list(session.scalars(select(Disk).where(Disk.stateless_base_volume_id.is_not(None))))


def register(registry: Registry) -> None:
    registry.register_operation(ThrowAwayVolume())
    registry.register_job_kind(StatelessRunJob())
