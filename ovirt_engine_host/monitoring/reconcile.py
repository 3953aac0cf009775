"""Reconciling a storage domain's disks with what its backend holds, from ONE volume list.

For each disk of the domain that is ``ok``, or ``illegal`` by an earlier reconciliation, and
that nothing is working on, its active volume decides:

- gone from the list: the disk becomes ``illegal`` ("volume … no longer exists in Cinder");
- in error (the plugin's ``condition``): ``illegal`` with the backend's reason;
- busy (an operation under way outside the engine): left alone until it ends;
- fine (``ok``): a disk this reconciliation made illegal is ``ok`` again, and a size that differs
  (the volume was extended outside the engine) becomes the disk's ``provisioned_size``.

A disk made illegal by anything else (a failed create, extend or removal) is never "healed": the
reconciliation keeps what it wrote in ``disks.sync_detail`` and heals only a disk whose
``status_detail`` still is that. It never deletes anything, and never touches a disk with an
operation under way: ``locked`` or ``removing``, a command in flight for it, its active volume
or one of its snapshots, or attached to a VM a job holds (``image_locked``). The disks are read
before the list is asked for (a disk added meanwhile is not judged against a list made before
its volume), and each change is a conditional ``UPDATE`` that repeats all of that, so an
operation that started meanwhile wins. Each change leaves a log line naming disk and volume.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.store import ACTIVE_STATES
from ovirt_engine_host.contract import BackendVolume
from ovirt_engine_host.db.models import (
    Command,
    Disk,
    DiskAttachment,
    DiskSnapshot,
    StorageDomain,
    StorageDomainMonitor,
    Vm,
)
from ovirt_engine_host.plugins import EngineHooks

LOG = logging.getLogger(__name__)
CANDIDATE_STATUSES = ("ok", "illegal")


@dataclass(frozen=True)
class Change:
    """What the reconciliation does to one disk; ``None`` fields stay as they are, except
    ``status_detail`` and ``sync_detail``, which are always written with a status."""

    status: str | None
    status_detail: str | None
    provisioned_size: int | None
    log_level: int
    message: str


def work_under_way() -> ColumnElement[bool]:
    """Anything working on a ``Disk`` row (correlated): a command in flight for the disk, its
    active volume or one of its snapshots, or a job holding a VM it is attached to."""
    command = exists().where(
        Command.state.in_(ACTIVE_STATES),
        or_(
            and_(Command.entity_type == "disk", Command.entity_id == Disk.id),
            Command.backend_id == Disk.active_volume_id,
            Command.entity_id.in_(select(DiskSnapshot.id).where(DiskSnapshot.disk_id == Disk.id)),
        ),
    )
    vm_locked = exists().where(
        DiskAttachment.disk_id == Disk.id, DiskAttachment.vm_id == Vm.id, Vm.locked_by_job_id.is_not(None)
    )
    return or_(command, vm_locked)


def decide(disk: Disk, volume: BackendVolume | None, backend: str) -> Change | None:
    """The change one disk needs, given its active volume as the backend lists it (None: gone)."""
    volume_id = disk.active_volume_id
    ours = disk.status == "illegal" and disk.sync_detail is not None and disk.sync_detail == disk.status_detail
    if disk.status != "ok" and not ours:
        return None
    if volume is None or volume["condition"] == "error":
        if volume is None:
            detail = f"volume {volume_id} no longer exists in {backend}"
        else:
            detail = f"volume {volume_id} is {volume['status']} in {backend}: {volume['reason'] or 'no reason given'}"
        if detail == disk.status_detail:
            return None
        return Change("illegal", detail, None, logging.WARNING,
                      f"disk {disk.alias} ({disk.id}) is illegal: {detail}")  # fmt: skip
    if volume["condition"] != "ok":
        return None
    size = volume["size"] if volume["size"] != disk.provisioned_size else None
    resized = f", its size {disk.provisioned_size} -> {size} bytes as the volume's" if size is not None else ""
    if ours:
        again = f"disk {disk.alias} ({disk.id}) is ok again: volume {volume_id} is {volume['status']}{resized}"
        return Change("ok", None, size, logging.INFO, again)
    if size is not None:
        outside = f"disk {disk.alias} ({disk.id}): volume {volume_id} was resized outside the engine{resized}"
        return Change(None, None, size, logging.INFO, outside)
    return None


def backend_name(hooks: EngineHooks, domain: StorageDomain) -> str:
    """How log lines and details name the backend: the type's storage type (``Cinder``)."""
    registered = hooks.storage_domain_type_info().get(domain.type)
    name = registered["storage_type"] if registered else domain.type
    return name[:1].upper() + name[1:]


def reconcile(sessions: sessionmaker[Session], hooks: EngineHooks, domain_id: str) -> int:
    """Reconcile the domain's disks with one volume list; returns how many disks changed."""
    with sessions() as session:
        domain = session.get(StorageDomain, domain_id)
        if domain is None:
            return 0
        candidates = session.scalars(
            select(Disk).where(
                Disk.storage_domain_id == domain_id,
                Disk.status.in_(CANDIDATE_STATUSES),
                Disk.removing.is_(False),
                ~work_under_way(),
            )
        ).all()
    try:
        volumes = hooks.list_volumes(domain)
    except Exception as error:  # noqa: BLE001 - the backend is down: the probe tells; try next period
        LOG.warning("storage domain %s: reconciliation skipped, no volume list: %s", domain.name, error)
        return 0
    if volumes is None:  # no plugin lists this type's volumes
        return 0
    listed = {volume["id"]: volume for volume in volumes}
    backend = backend_name(hooks, domain)
    changed = 0
    with sessions() as session:
        for disk in candidates:
            change = decide(disk, listed.get(disk.active_volume_id), backend)
            if change is not None and _apply(session, disk, change):
                LOG.log(change.log_level, "storage domain %s: %s", domain.name, change.message)
                changed += 1
        monitor = session.get(StorageDomainMonitor, domain_id)
        if monitor is not None:
            monitor.last_sync_at = clock.now()
        session.commit()
    return changed


def _apply(session: Session, disk: Disk, change: Change) -> bool:
    """Write the change only if the disk is still as it was read and nothing works on it."""
    values: dict[str, object] = {}
    if change.status is not None:
        values.update(status=change.status, status_detail=change.status_detail,
                      sync_detail=change.status_detail if change.status == "illegal" else None)  # fmt: skip
    if change.provisioned_size is not None:
        values["provisioned_size"] = change.provisioned_size
    as_read = [
        Disk.id == disk.id,
        Disk.status == disk.status,
        Disk.active_volume_id == disk.active_volume_id,
        Disk.provisioned_size == disk.provisioned_size,
        Disk.status_detail.is_(None) if disk.status_detail is None else Disk.status_detail == disk.status_detail,
        Disk.removing.is_(False),
        ~work_under_way(),
    ]
    statement = update(Disk).where(*as_read).values(**values).execution_options(synchronize_session=False)
    written = session.execute(statement)
    return getattr(written, "rowcount", 0) == 1
