"""Whoever creates a disk, a VM, a template or a VM pool is given oVirt's creator role on it
(DiskOperator, UserVmManager, TemplateOwner, VmPoolAdmin) in the same transaction as the row,
wherever in the engine the row is written (a disk's row is written by its create command once
the backend named the volume; a VM's by a template, a clone, a pool…). oVirt forgot it for Cinder
disks, so that a DiskCreator could not see his own disk: here the rows' ``owner_id`` (who asked)
is enough. A pool's VMs are reached through the pool, and the user a pool VM is allocated to
through ``allocated_to`` (:mod:`ovirt_engine_host.access.tree`): neither needs a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access.roles import CREATOR_ROLES
from ovirt_engine_host.db.models import Disk, Permission, Template, Vm, VmPool, new_id

CREATED: dict[type[Any], str] = {Disk: "disk", Vm: "vm", Template: "template", VmPool: "vm_pool"}


def _grant_to_creators(session: Session, _context: Any, _instances: Any) -> None:
    for row in list(session.new):
        kind = CREATED.get(type(row))
        if kind is None or not row.owner_id or getattr(row, "pool_id", None):
            continue
        if row.id is None:
            row.id = new_id()
        role = CREATOR_ROLES[kind]
        session.add(Permission(role_id=role.id, user_id=row.owner_id, object_type=kind, object_id=row.id))


def install(session_factory: sessionmaker[Session]) -> None:
    """Every session of this factory grants creators their role on what they create."""
    event.listen(session_factory, "before_flush", _grant_to_creators)
