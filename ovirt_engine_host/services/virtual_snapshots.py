"""The snapshots oVirt lists that nobody took: the VM itself (the ``active`` snapshot, "Active
VM") and, while a stateless run lasts, the state the VM returns to at its stop (the
``stateless`` snapshot: each disk's own volume, which the run left untouched while the VM
writes to its throw-away volume). They are read from the VM and its disks, never stored, and
have stable ids derived from the VM's, so that a client can get them like any snapshot; they
cannot be removed, previewed or cloned from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ovirt_engine_host.db.models import Disk, DiskVolume, Vm

ACTIVE_DESCRIPTION = "Active VM"
STATELESS_DESCRIPTION = "stateless snapshot"


def _derived_id(vm: Vm, kind: str) -> str:
    return str(uuid.uuid5(uuid.UUID(vm.id), kind))


@dataclass(frozen=True)
class ActiveSnapshot:
    """The VM itself, listed as oVirt lists it: the ``active`` snapshot."""

    vm: Vm
    disks: list[VirtualPart] = field(default_factory=list)

    @property
    def id(self) -> str:
        return _derived_id(self.vm, "active")

    vm_id = property(lambda self: self.vm.id)
    description = ACTIVE_DESCRIPTION
    type = "active"
    status = "ok"
    date = property(lambda self: self.vm.created)


@dataclass(frozen=True)
class VirtualPart:
    """A disk as an untaken snapshot holds it: the volume the VM runs on (active), or its own
    volume kept aside during a stateless run."""

    disk_id: str
    volume_id: str
    snapshot: ActiveSnapshot | StatelessSnapshot
    status: str = "ok"

    @property
    def snapshot_id(self) -> str:
        return self.snapshot.id


@dataclass(frozen=True)
class StatelessSnapshot:
    """What a VM in a stateless run goes back to at its stop (oVirt's ``stateless`` snapshot)."""

    vm: Vm
    date: datetime
    disks: list[VirtualPart] = field(default_factory=list)

    @property
    def id(self) -> str:
        return _derived_id(self.vm, "stateless")

    vm_id = property(lambda self: self.vm.id)
    description = STATELESS_DESCRIPTION
    type = "stateless"
    status = "ok"


def stateless_snapshot(session: Session, vm: Vm) -> StatelessSnapshot | None:
    """The VM's stateless snapshot while a run lasts (its disks on throw-away volumes), dated
    when the run's first throw-away volume was recorded; None otherwise."""
    ids = [a.disk_id for a in vm.attachments]
    if not ids:
        return None
    in_run = session.execute(
        select(Disk.id, Disk.stateless_base_volume_id, DiskVolume.created)
        .outerjoin(DiskVolume, DiskVolume.id == Disk.active_volume_id)
        .where(Disk.id.in_(ids), Disk.stateless_base_volume_id.is_not(None))
        .order_by(Disk.id)
    ).all()  # fmt: skip
    if not in_run:
        return None
    dates = [started for _, _, started in in_run if started is not None]
    snapshot = StatelessSnapshot(vm, min(dates) if dates else vm.created)
    snapshot.disks.extend(VirtualPart(disk_id, str(base), snapshot) for disk_id, base, _ in in_run)
    return snapshot


def active_snapshot(session: Session, vm: Vm) -> ActiveSnapshot:
    """The VM itself, with each of its disks on the volume it runs on now."""
    active = ActiveSnapshot(vm)
    ids = [a.disk_id for a in vm.attachments]
    rows = session.execute(select(Disk.id, Disk.active_volume_id).where(Disk.id.in_(ids)).order_by(Disk.id)).all()
    active.disks.extend(VirtualPart(disk_id, volume_id, active) for disk_id, volume_id in rows)
    return active


def virtual_snapshots(session: Session, vm: Vm) -> list[ActiveSnapshot | StatelessSnapshot]:
    """The VM's untaken snapshots, in oVirt's order: the active one, then the stateless one."""
    stateless = stateless_snapshot(session, vm)
    return [active_snapshot(session, vm), *([stateless] if stateless else [])]


def virtual_snapshot(session: Session, vm: Vm, snapshot_id: str) -> ActiveSnapshot | StatelessSnapshot | None:
    """The untaken snapshot with this id, or None."""
    return next((s for s in virtual_snapshots(session, vm) if s.id == snapshot_id), None)
