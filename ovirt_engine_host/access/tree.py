"""The object tree permissions are inherited down, and its rules as SQL conditions.

system → data center → storage domain → disk; data center → cluster → host, VM, VM pool; data
center → template (the Blank template, in no data center: system → Blank); a VM pool → its VMs
(for administrative roles: a pool's users, UserRole on it, take a VM and see only the one
allocated to them); a VM → its disks (attachments) and snapshots; a template → its disks; system
→ users, groups, roles and the plugins' top-level objects (an OpenStack volume provider).

The ``Blank`` template is in no data center: every user sees it and may make VMs from it (oVirt
gives its Everyone group UserTemplateBasedVm on Blank; this engine has no Everyone group, so the
rule is the tree's: :meth:`AccessModel.everyone`).

A permission (a role given to a user or a group on one object) holds on the object and on every
object below it. Two questions are asked of the tree, each as one SQL condition over an object's
row, so that a decision is one statement and a list is cut down by one ``WHERE`` whatever its
length (never a check per row):

- *may he act*: a role holding the action group is given to him on the object or above it;
- *may he see*: any role of his on the object itself, or, above it, a role that allows viewing
  children (oVirt's creator roles, such as DiskCreator, do not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, exists, false, or_, select, true, union_all
from sqlalchemy.orm import InstrumentedAttribute

from ovirt_engine_host.access.authentication import held_by, holdings
from ovirt_engine_host.access.roles import BY_NAME, SYSTEM, ActionGroupRegistry
from ovirt_engine_host.db.models import (
    BLANK_TEMPLATE_ID,
    Cluster,
    DataCenter,
    Disk,
    DiskAttachment,
    Group,
    Host,
    Permission,
    Role,
    RolePermit,
    StorageDomain,
    Template,
    User,
    Vm,
    VmPool,
)

EVERYONE_ON_BLANK = BY_NAME["UserTemplateBasedVm"]
"""The role every user holds on the Blank template (oVirt gives it to its Everyone group)."""


@dataclass(frozen=True)
class Parent:
    """How an object reaches a parent: ``column`` of its own row holding the parent's id, or
    an association (``via_child`` → ``via_parent`` columns of another table); neither: the
    system."""

    type: str
    column: Any = None
    via_child: Any = None
    via_parent: Any = None
    administrative_only: bool = False  # only administrative roles reach down this link


@dataclass(frozen=True)
class ObjectType:
    """A type of object permissions can be given on: its table's id and name columns, its
    parents, and whether it is administrative (a user without an administrative role who cannot
    see it is refused with 403 rather than 404: its existence is no secret, its management is)."""

    name: str
    id_column: Any
    name_column: Any
    parents: tuple[Parent, ...] = (Parent(SYSTEM),)
    administrative: bool = False
    what: str = ""
    collection: str = ""  # its REST collection (``disks``): where its permissions are listed

    @property
    def words(self) -> str:
        return self.what or self.name.replace("_", " ")


def engine_object_types() -> list[ObjectType]:
    return [
        ObjectType("data_center", DataCenter.id, DataCenter.name, what="data center", collection="datacenters"),
        ObjectType("storage_domain", StorageDomain.id, StorageDomain.name,
                   (Parent("data_center", StorageDomain.data_center_id),), what="storage domain",
                   collection="storagedomains"),
        ObjectType("cluster", Cluster.id, Cluster.name, (Parent("data_center", Cluster.data_center_id),),
                   collection="clusters"),
        ObjectType("host", Host.id, Host.name, (Parent("cluster", Host.cluster_id),), administrative=True,
                   collection="hosts"),
        ObjectType("vm_pool", VmPool.id, VmPool.name, (Parent("cluster", VmPool.cluster_id),),
                   what="VM pool", collection="vmpools"),
        ObjectType("vm", Vm.id, Vm.name, (Parent("cluster", Vm.cluster_id),
                                          Parent("vm_pool", Vm.pool_id, administrative_only=True)),
                   what="VM", collection="vms"),
        # the system is above every data center anyway; it is named for Blank, in no data center
        ObjectType("template", Template.id, Template.name,
                   (Parent("data_center", Template.data_center_id), Parent(SYSTEM)), collection="templates"),
        ObjectType("disk", Disk.id, Disk.alias, (
            Parent("storage_domain", Disk.storage_domain_id),
            Parent("vm", via_child=DiskAttachment.disk_id, via_parent=DiskAttachment.vm_id),
            Parent("template", Disk.template_id),
        ), collection="disks"),
        ObjectType("user", User.id, User.name, administrative=True),
        ObjectType("group", Group.id, Group.name, administrative=True),
        ObjectType("role", Role.id, Role.name, administrative=True),
    ]  # fmt: skip


@dataclass(frozen=True)
class Grants:
    """Which permissions count: those ``user_id`` holds (his own and his groups'), whose role
    satisfies ``own`` on the object itself and ``above`` on an object above it (None: any role);
    ``allocated``: the user a pool's VM is allocated to (he uses it as with UserRole);
    ``everyone``: whether the grants are what every user holds on the Blank template."""

    user_id: Any
    own: ColumnElement[bool] | None
    above: ColumnElement[bool] | None
    allocated: ColumnElement[bool] | None = None
    everyone: bool = False

    def held(self, roles: ColumnElement[bool] | None) -> ColumnElement[bool]:
        """The condition on :class:`Permission` rows: held by the user, with such ``roles``."""
        return held_by(self.user_id) if roles is None else held_by(self.user_id) & roles


@dataclass
class AccessModel:
    """This application's object types and action groups (the engine's and its plugins')."""

    groups: ActionGroupRegistry = field(default_factory=ActionGroupRegistry)
    types: dict[str, ObjectType] = field(default_factory=lambda: {t.name: t for t in engine_object_types()})

    def add_type(self, object_type: ObjectType) -> None:
        self.types[object_type.name] = object_type

    # -- which permissions count ---------------------------------------------------------------

    def roles_with(self, group: str) -> ColumnElement[bool]:
        """The permissions whose role holds ``group`` (predefined roles from code, custom ones
        from their permits)."""
        return or_(
            Permission.role_id.in_(self.groups.predefined_with(group)),
            Permission.role_id.in_(select(RolePermit.role_id).where(RolePermit.permit == group)),
        )

    def acting(self, user_id: str, group: str) -> Grants:
        roles = self.roles_with(group)
        allocated = Vm.allocated_to == user_id if group in BY_NAME["UserRole"].groups else None
        return Grants(user_id, roles, roles, allocated, everyone=group in EVERYONE_ON_BLANK.groups)

    def seeing(self, user_id: str) -> Grants:
        # A correlated EXISTS, not role_id IN (...): SQLite would read the permissions through
        # their role's index, every permission of every revealing role, whoever held it.
        revealing = exists(select(Role.id).where(Role.id == Permission.role_id, Role.allows_viewing_children.is_(True)))
        return Grants(user_id, None, revealing, Vm.allocated_to == user_id, everyone=True)

    @staticmethod
    def everyone(type_name: str, grants: Grants) -> ColumnElement[bool] | None:
        """What every user holds without a permission: the Blank template, seen by all and
        :data:`EVERYONE_ON_BLANK`'s groups on it (oVirt's Everyone group holds that role there)."""
        if type_name == "template" and grants.everyone:
            return Template.id == BLANK_TEMPLATE_ID
        return None

    # -- the conditions ------------------------------------------------------------------------

    def covers(self, type_name: str, grants: Grants) -> ColumnElement[bool]:
        """The condition, over a row of ``type_name``'s table, that ``grants`` reach it."""
        if type_name == SYSTEM:
            return self._on(SYSTEM, grants.held(grants.own))
        object_type = self.types[type_name]
        clauses: list[ColumnElement[bool]] = [object_type.id_column.in_(self._ids_on(type_name, grants))]
        for parent in object_type.parents:
            clauses.append(self._through(object_type, parent, grants))
        if type_name == "vm" and grants.allocated is not None:
            clauses.append(grants.allocated)
        public = self.everyone(type_name, grants)
        if public is not None:
            clauses.append(public)
        return or_(*clauses)

    def covered_ids(self, type_name: str, grants: Grants) -> Select[Any]:
        """The ids of the objects of a type that ``grants.above`` reaches (used as a parent: only
        what reaches children counts)."""
        object_type = self.types[type_name]
        inherited = Grants(grants.user_id, grants.above, grants.above, grants.allocated)
        return select(object_type.id_column).where(self.covers(type_name, inherited))

    def _through(self, object_type: ObjectType, parent: Parent, grants: Grants) -> ColumnElement[bool]:
        if parent.type == SYSTEM:
            return self._on(SYSTEM, grants.held(grants.above))
        if parent.administrative_only:  # a pool's users see its VMs only once one is theirs
            administrative = exists(select(Role.id).where(Role.id == Permission.role_id, Role.administrative.is_(True)))
            above = administrative if grants.above is None else grants.above & administrative
            grants = Grants(grants.user_id, grants.own, above, grants.allocated)
        parents = self.covered_ids(parent.type, grants)
        if parent.column is not None:
            column: InstrumentedAttribute[Any] = parent.column
            return column.in_(parents)
        through: ColumnElement[bool] = object_type.id_column.in_(
            select(parent.via_child).where(parent.via_parent.in_(parents))
        )
        return through

    @staticmethod
    def _ids_on(type_name: str, grants: Grants) -> CompoundSelect[Any]:
        """The ids of the objects of a type the user holds a permission on (with ``grants.own``'s
        roles). One SELECT per way of holding, so that each is an index's range (holder, type):
        with their OR in one WHERE, SQLite read every permission of the type, whoever held it."""
        roles = () if grants.own is None else (grants.own,)
        return union_all(*(
            select(Permission.object_id).where(holding, Permission.object_type == type_name, *roles)
            for holding in holdings(grants.user_id)
        ))  # fmt: skip

    @staticmethod
    def _on(type_name: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(select(Permission.id).where(Permission.object_type == type_name, condition))

    @staticmethod
    def permissions_where(condition: ColumnElement[bool]) -> Select[Any]:
        return select(Permission.id).where(condition)

    def sees(self, type_name: str, user_id: str) -> ColumnElement[bool]:
        """What a user sees of a type in filtered mode (and always himself)."""
        condition = self.covers(type_name, self.seeing(user_id))
        if type_name == "user":
            return or_(condition, User.id == user_id)
        return condition

    def named(self, type_name: str, identifier: str) -> ColumnElement[bool]:
        """The row a path names, by id or else by name (one condition)."""
        object_type = self.types[type_name]
        return or_(object_type.id_column == identifier, object_type.name_column == identifier)

    @staticmethod
    def always(value: bool) -> ColumnElement[bool]:
        return true() if value else false()


def ancestors_note(types: Sequence[ObjectType]) -> str:
    """The tree as text, for the generated documentation."""
    lines = []
    for object_type in types:
        parents = ", ".join(p.type for p in object_type.parents) or "-"
        lines.append(f"- `{object_type.name}` ← {parents}{' (administrative)' if object_type.administrative else ''}")
    return "\n".join(lines)
