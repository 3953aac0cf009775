"""Removing what nothing needs any more, children first: hidden disk snapshots, volumes no disk
runs on and no snapshot copies, and disks being removed.

A backend with copy-on-write clones (Cinder on RBD) refuses to delete a snapshot while a volume
made from it lives, and a volume while it has snapshots. A snapshot the user removes, a preview's
commit or a VM's removal may therefore leave objects that something still depends on (the volume
a committed preview was made from, its snapshot): they are hidden from the user (a disk snapshot
without a VM snapshot, a :class:`~ovirt_engine_host.db.models.DiskVolume` that is not the disk's
active volume) and deleted here once nothing depends on them any more. The dependencies are read
from the rows only: a part is needed while a volume has it as ``origin_id``; a volume while a
part copies it (``volume_id``) or a disk runs on it (``active_volume_id``, unless the disk is
being removed).

The collection is a job (kind ``collect``) in waves: each wave deletes what can go now; when it
has ended, the next wave is what that freed, until nothing is left (then a disk being removed
that has no volume and no snapshot left goes too). A collection starts after every job that
deleted something (a deletion may free what depended on it) and where a request leaves hidden
objects (a commit, a VM's removal, a disk's removal). A failed wave ends the job; what it could
not delete stays hidden and is tried again by the next collection.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.commands.jobs import add_step, start_job, wait_for_job
from ovirt_engine_host.commands.operations import JobKind, Registry
from ovirt_engine_host.db.models import Command, Disk, DiskAttachment, DiskSnapshot, DiskVolume, Job, Snapshot, Vm
from ovirt_engine_host.errors import Refused

if TYPE_CHECKING:
    from ovirt_engine_host.commands.coordinator import CommandCoordinator

KIND = "collect"
DESCRIPTION = "Removing the snapshots and volumes nothing needs any more"
DELETIONS = frozenset({"delete_snapshot", "delete_volume", "delete_disk"})
ACTIVE_STATES = ("sending", "pending")


@dataclass
class Wave:
    """What can be deleted now: backend snapshots, backend volumes; and rows that name nothing in
    the backend (parts never created or only remembering a volume, disks with nothing left)."""

    snapshots: list[DiskSnapshot] = field(default_factory=list)
    volumes: list[tuple[DiskVolume, Disk]] = field(default_factory=list)
    disks: list[Disk] = field(default_factory=list)  # disks being removed, down to their last volume
    empty_parts: list[DiskSnapshot] = field(default_factory=list)
    empty_disks: list[Disk] = field(default_factory=list)

    @property
    def backend_work(self) -> bool:
        return bool(self.snapshots or self.volumes or self.disks)


# -- hiding -----------------------------------------------------------------------------------
def hide(part: DiskSnapshot, session: Session) -> None:
    """Take a part out of its VM snapshot: hidden if the backend has it (collected once nothing
    depends on it), deleted if it names nothing in the backend."""
    if part.snapshot is not None:
        part.snapshot.disks.remove(part)
    part.snapshot_id = None
    if part.backend_id is None:
        session.delete(part)


def drop_snapshot(session: Session, snapshot: Snapshot) -> None:
    """Delete a VM snapshot row; its parts that the backend still has stay, hidden."""
    for part in list(snapshot.disks):
        hide(part, session)
    session.delete(snapshot)


def dependents(session: Session, parts: Sequence[DiskSnapshot]) -> list[tuple[DiskSnapshot, DiskVolume]]:
    """The volumes made from ``parts`` (each with its part): they keep the parts in the backend."""
    by_id = {part.id: part for part in parts}
    if not by_id:
        return []
    rows = session.scalars(select(DiskVolume).where(DiskVolume.origin_id.in_(by_id))).all()
    return [(by_id[row.origin_id or ""], row) for row in rows]


def describe_dependent(session: Session, volume: DiskVolume) -> str:
    """``disk <alias> (VM <name>, …)``: how a user finds the volume that depends on something."""
    disk = session.get(Disk, volume.disk_id)
    if disk is None:
        return f"volume {volume.id}"
    vms = session.scalars(select(Vm.name).join(DiskAttachment).where(DiskAttachment.disk_id == disk.id)).all()
    return f"disk {disk.alias} ({disk.id}" + (f", VM {', '.join(vms)})" if vms else ")")


def prepare_removal(session: Session, disk: Disk) -> None:
    """Mark a disk for removal with everything it has in the backend (its snapshots hidden, the
    disk ``locked``): the collection deletes it all, children first, and the row last. Refused
    (nothing written) while a preview uses one of its snapshots, while an operation holds it, or
    while another disk's volume was made from one of its snapshots."""
    parts = session.scalars(select(DiskSnapshot).where(DiskSnapshot.disk_id == disk.id)).all()
    for part in parts:
        snapshot = part.snapshot
        if snapshot is not None and (snapshot.type == "preview" or snapshot.status != "ok"):
            raise Refused(
                409, f"disk {disk.alias}: its snapshot {snapshot.description!r} is {snapshot.status}"
                f" ({snapshot.type}); finish that first",
            )  # fmt: skip
    elsewhere = [volume for _, volume in dependents(session, parts) if volume.disk_id != disk.id]
    if elsewhere:
        named = ", ".join(describe_dependent(session, volume) for volume in elsewhere)
        raise Refused(409, f"disk {disk.alias}: {named} was made from one of its snapshots; remove that first")
    if disk.status == "locked" and not disk.removing:
        raise Refused(409, f"disk {disk.alias} ({disk.id}) is locked by an operation in progress")
    disk.status, disk.status_detail, disk.removing = "locked", None, True
    for part in parts:
        hide(part, session)


def removal_failed(session: Session, disk_id: str, reason: str) -> None:
    """What the backend refused while a disk was being removed: the disk stays, ``illegal`` with
    the backend's reason and no longer being removed (a later removal tries again)."""
    disk = session.get(Disk, disk_id)
    if disk is not None and disk.removing:
        disk.status, disk.status_detail, disk.removing = "illegal", reason, False


# -- what can go now --------------------------------------------------------------------------
def next_wave(session: Session, excluded: frozenset[str] = frozenset()) -> Wave:
    """Everything that nothing needs and no running command works on (``excluded``: parts and
    volumes this collection failed to delete already)."""
    running = session.scalars(select(Command.entity_id).where(Command.state.in_(ACTIVE_STATES))).all()
    busy = excluded | set(running)  # parts being created or deleted, disks being worked on
    wave = Wave()
    hidden_parts = session.scalars(select(DiskSnapshot).where(DiskSnapshot.snapshot_id.is_(None)))
    hidden = [p for p in hidden_parts if p.id not in busy]
    needed = set(session.scalars(select(DiskVolume.origin_id).where(DiskVolume.origin_id.in_([p.id for p in hidden]))))
    volumes_in_wave: set[str] = set()
    for part in hidden:
        if part.id in needed:
            continue
        if not part.backend_id:
            wave.empty_parts.append(part)
        elif part.volume_id not in volumes_in_wave:  # one snapshot of a volume at a time, as oVirt
            volumes_in_wave.add(part.volume_id)  # works one operation per image: Cinder was seen to
            wave.snapshots.append(part)  # leave a snapshot "deleting" for minutes with two at once
    candidates = session.execute(
        select(DiskVolume, Disk)
        .join(Disk, Disk.id == DiskVolume.disk_id)
        .where((DiskVolume.id != Disk.active_volume_id) | Disk.removing)
    ).all()
    volume_ids = [v.id for v, _ in candidates]
    copied = set(session.scalars(select(DiskSnapshot.volume_id).where(DiskSnapshot.volume_id.in_(volume_ids))))
    for volume, disk in candidates:
        if volume.id in copied or disk.id in busy or volume.id in busy:
            continue
        if volume.id == disk.active_volume_id and _only_volume(session, disk):
            wave.disks.append(disk)  # its last volume goes through the disk's own delete
        else:
            wave.volumes.append((volume, disk))
    leaving = {p.id for p in wave.empty_parts}
    working = {d.id for _, d in wave.volumes} | {d.id for d in wave.disks}
    for disk in session.scalars(select(Disk).where(Disk.removing)):
        if disk.id in busy or disk.id in working:
            continue
        has_volumes = session.scalar(select(DiskVolume.id).where(DiskVolume.disk_id == disk.id).limit(1))
        parts = session.scalars(select(DiskSnapshot.id).where(DiskSnapshot.disk_id == disk.id)).all()
        if has_volumes is None and all(p in leaving for p in parts):
            wave.empty_disks.append(disk)
    return wave


def _only_volume(session: Session, disk: Disk) -> bool:
    """The disk has no other volume and no snapshot left."""
    others = session.scalar(
        select(DiskVolume.id).where(DiskVolume.disk_id == disk.id, DiskVolume.id != disk.active_volume_id).limit(1)
    )
    parts = session.scalar(select(DiskSnapshot.id).where(DiskSnapshot.disk_id == disk.id).limit(1))
    return others is None and parts is None


def _begin_wave(session: Session, wave: Wave, begin: Callable[..., Command]) -> None:
    """The wave's commands; ``collect`` in their payloads: a refusal marks what it was for
    (:func:`removal_failed`) instead of reaching a client."""
    for part in wave.snapshots:
        disk = session.get(Disk, part.disk_id)
        begin(
            storage_domain_id=disk.storage_domain_id if disk else "", kind="delete_snapshot", entity_id=part.id,
            request_id=str(uuid.uuid4()), payload={"disk_id": part.disk_id, "collect": True},
        )  # fmt: skip
    for volume, disk in wave.volumes:
        begin(
            storage_domain_id=disk.storage_domain_id, kind="delete_volume", entity_id=disk.id,
            request_id=str(uuid.uuid4()), payload={"volume_id": volume.id, "disk_id": disk.id, "collect": True},
        )  # fmt: skip
    for disk in wave.disks:
        begin(
            storage_domain_id=disk.storage_domain_id, kind="delete_disk", entity_id=disk.id, request_id=disk.id,
            payload={"collect": True},
        )  # fmt: skip


def _drop_empty(session: Session, wave: Wave) -> None:
    for part in wave.empty_parts:
        session.delete(part)
    session.flush()
    for disk in wave.empty_disks:
        session.execute(delete(DiskSnapshot).where(DiskSnapshot.disk_id == disk.id))
        session.delete(disk)
    session.flush()


# -- the job ----------------------------------------------------------------------------------
def start_collecting(
    session: Session, coordinator: CommandCoordinator, owner_id: str | None, only_if_idle: bool = False
) -> Job | None:
    """Start a collection if anything can go now (the rows that name nothing in the backend go at
    once); the job, or None when there is no backend work. ``only_if_idle``: not while another
    collection runs (it will find this work in its next wave)."""
    if only_if_idle and running_collection(session) is not None:
        return None
    wave = next_wave(session)
    _drop_empty(session, wave)
    if not wave.backend_work:
        return None
    job = start_job(session, DESCRIPTION, owner_id, _wave_description(wave), kind=KIND)
    step = next(s for s in job.steps if s.type == "executing")
    _begin_wave(
        session, wave, lambda **arguments: coordinator.begin(session, job=job, step=step, leased=False, **arguments)
    )
    coordinator.wake.set()
    return job


def running_collection(session: Session) -> Job | None:
    return session.scalar(select(Job).where(Job.kind == KIND, Job.status == "started").limit(1))


def wait_for_collection(
    sessions: sessionmaker[Session], coordinator: CommandCoordinator, job_id: str | None, seconds: float
) -> Job | None:
    """Wait (bounded) for a collection a request started; its job while it still runs. A failed
    collection is not the request's failure: what it could not delete stays hidden and is tried
    again by the next one (the job tells why)."""
    if job_id is None:
        return None
    coordinator.wake.set()
    job = wait_for_job(sessions, job_id, seconds)
    return job if job is not None and job.status == "started" else None


def _wave_description(wave: Wave) -> str:
    return f"Deleting {len(wave.snapshots)} snapshot(s) and {len(wave.volumes) + len(wave.disks)} volume(s)"


class CollectJob(JobKind):
    """The waves of a collection: when one has ended, the next is what it freed."""

    name = KIND
    continues_after_failures = True  # one object the backend refuses does not hold up the others

    def next_stage(
        self, session: Session, job: Job, commands: Sequence[Command], begin: Callable[..., Command]
    ) -> bool:
        failed = [c for c in commands if c.state == "failed"]
        wave = next_wave(session, frozenset(c.entity_id for c in failed) | {_volume_of(c) for c in failed})
        _drop_empty(session, wave)
        if not wave.backend_work:
            return False
        step = add_step(session, job, "executing", _wave_description(wave))
        _begin_wave(session, wave, lambda **arguments: begin(step=step, **arguments))
        return True


def _volume_of(command: Command) -> str:
    return str(json.loads(command.payload or "{}").get("volume_id") or command.entity_id)


def after_job(session: Session, coordinator: CommandCoordinator, job: Job, commands: Sequence[Command]) -> None:
    """A job that deleted something may have freed what depended on it, one that held a disk
    being removed may have let it go, and one that committed a preview hid what it replaced:
    collect."""
    if job.kind == KIND:
        return  # its own waves went on while there was anything to do
    deleted = any(c.kind in DELETIONS and c.state == "done" for c in commands)
    hidden = job.status == "finished" and coordinator.registry.job_kind(job.kind).leaves_hidden
    if not deleted and not hidden and session.scalar(select(Disk.id).where(Disk.removing).limit(1)) is None:
        return
    start_collecting(session, coordinator, job.owner_id, only_if_idle=True)


def register(registry: Registry) -> None:
    registry.register_job_kind(CollectJob())
    registry.register_after_job(after_job)
