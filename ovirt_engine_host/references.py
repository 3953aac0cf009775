"""References to the engine's resources, by id or by name, resolved in one place.

oVirt accepts ``<storage_domain id="…"/>`` as well as ``<storage_domain><name>…</name>
</storage_domain>`` (and likewise for data centers, clusters, hosts, VMs, disks, users…) in every request
body. Every service resolves what a body names through :func:`resolve`, so that every reference
accepts both forms and every unknown one is refused alike: 400, naming the field and what was
looked up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ovirt_engine_host.db.models import (
    Cluster,
    DataCenter,
    Disk,
    Group,
    Host,
    Job,
    Role,
    StorageDomain,
    Template,
    User,
    Vm,
    VmPool,
)
from ovirt_engine_host.errors import Refused

Model = TypeVar("Model")


@dataclass(frozen=True)
class ReferenceKind:
    """What a reference names: the table, the column that holds its name, the word for it."""

    model: type[Any]
    name_column: InstrumentedAttribute[str]
    what: str


KINDS: dict[str, ReferenceKind] = {
    "data_center": ReferenceKind(DataCenter, DataCenter.name, "data center"),
    "cluster": ReferenceKind(Cluster, Cluster.name, "cluster"),
    "storage_domain": ReferenceKind(StorageDomain, StorageDomain.name, "storage domain"),
    "host": ReferenceKind(Host, Host.name, "host"),
    "vm": ReferenceKind(Vm, Vm.name, "VM"),
    "template": ReferenceKind(Template, Template.name, "template"),
    "vm_pool": ReferenceKind(VmPool, VmPool.name, "VM pool"),
    "disk": ReferenceKind(Disk, Disk.alias, "disk"),
    "user": ReferenceKind(User, User.name, "user"),
    "job": ReferenceKind(Job, Job.id, "job"),  # a job has no name: by id only
    "role": ReferenceKind(Role, Role.name, "role"),
    "group": ReferenceKind(Group, Group.name, "group"),
}


def reference_value(reference: Mapping[str, Any] | str | None) -> tuple[str, str] | None:
    """``("id", value)`` or ``("name", value)`` for a reference as a body gives it (a dict with
    ``id`` and/or ``name``: the id wins) or as a path gives it (a bare string: an id, or else a name)."""
    if reference is None:
        return None
    if isinstance(reference, str):
        return ("id or name", reference) if reference else None
    if reference.get("id"):
        return ("id", str(reference["id"]))
    if reference.get("name"):
        return ("name", str(reference["name"]))
    return None


def find(session: Session, kind: str, reference: Mapping[str, Any] | str | None) -> Any | None:
    """The row a reference names, or None."""
    described = KINDS[kind]
    value = reference_value(reference)
    if value is None:
        return None
    by, text = value
    if by != "name":
        found = session.get(described.model, text)
        if found is not None or by == "id":
            return found
    return session.scalars(select(described.model).where(described.name_column == text).limit(2)).first()


def resolve(
    session: Session, kind: str, reference: Mapping[str, Any] | str | None, field: str | None = None, status: int = 400
) -> Any:
    """The row a reference names, or :class:`Refused` (400 for a body's reference; pass 404 for a
    path's) naming ``field`` (default: the kind) and what was looked up."""
    field = field or kind
    described = KINDS[kind]
    value = reference_value(reference)
    if value is None:
        raise Refused(422 if status == 400 else status, f"{field}: give the {described.what}'s id or name")
    found = find(session, kind, reference)
    if found is None:
        by, text = value
        raise Refused(status, f"{field}: no {described.what} with {by} {text!r}")
    return found
