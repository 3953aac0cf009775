"""Roles, their action groups, permissions on objects and local groups: the rules of changing
them, checked before anything is written (a refused request writes nothing).

- Predefined roles are read-only (409); a custom role names known action groups only (400), and
  one still given to someone is not removed (409).
- A permission names one role and one user or group (by id or name); an administrative role is
  given only by an administrator (403); the same permission twice is a 409; the last SuperUser
  permission on the system is not removed (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host import references
from ovirt_engine_host.access.grants import keep_a_superuser
from ovirt_engine_host.access.roles import BY_NAME, SYSTEM, ActionGroupRegistry
from ovirt_engine_host.db.models import Group, GroupMember, Permission, Role, RolePermit, User
from ovirt_engine_host.errors import Refused


@dataclass(frozen=True)
class ShownRole:
    """A role with its action groups (predefined: from code; custom: from its permits)."""

    id: str
    name: str
    description: str
    administrative: bool
    mutable: bool
    permits: list[str]


class AccessService:
    def __init__(self, session_factory: sessionmaker[Session], groups: ActionGroupRegistry) -> None:
        self._sessions = session_factory
        self._groups = groups

    # -- roles ---------------------------------------------------------------------------------

    def shown(self, session: Session, role: Role) -> ShownRole:
        predefined = BY_NAME.get(role.name)
        if not role.mutable and predefined is not None:
            permits = sorted(self._groups.of_predefined(predefined))
        else:
            permits = sorted(session.scalars(select(RolePermit.permit).where(RolePermit.role_id == role.id)))
        return ShownRole(role.id, role.name, role.description, role.administrative, role.mutable, permits)

    def roles(self, session: Session, query: Any) -> list[ShownRole]:
        return [self.shown(session, role) for role in session.scalars(query)]

    def role(self, session: Session, reference: Any, status: int = 404) -> Role:
        """The role a path (404) or a body (400, naming the field) names, by id or name."""
        if status == 400:
            named: Role = references.resolve(session, "role", reference, "role")
            return named
        found = references.find(session, "role", reference)
        if found is None:
            raise Refused(status, f"role {reference} not found")
        return found  # type: ignore[no-any-return]

    def _known_permits(self, permits: list[str]) -> list[str]:
        unknown = sorted(set(permits) - set(self._groups.groups))
        if unknown:
            raise Refused(400, f"permits: unknown action groups {', '.join(unknown)}")
        return sorted(set(permits))

    def add_role(self, data: dict[str, Any]) -> ShownRole:
        permits = self._known_permits(data.pop("permits", []))
        if not permits:
            raise Refused(422, "permits: a role needs at least one action group")
        with self._sessions() as session:
            if session.scalar(select(Role.id).where(Role.name == data["name"])):
                raise Refused(409, f"name: a role named {data['name']!r} exists")
            role = Role(**data, mutable=True)
            session.add(role)
            session.flush()
            session.add_all(RolePermit(role_id=role.id, permit=permit) for permit in permits)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"name: a role named {data['name']!r} exists") from error
            return self.shown(session, role)

    def _mutable(self, session: Session, reference: str) -> Role:
        role = self.role(session, reference)
        if not role.mutable:
            raise Refused(409, f"role {role.name} is predefined: it cannot be changed or removed")
        return role

    def update_role(self, reference: str, changes: dict[str, Any]) -> ShownRole:
        with self._sessions() as session:
            role = self._mutable(session, reference)
            renamed = "name" in changes and changes["name"] != role.name
            if renamed and session.scalar(select(Role.id).where(Role.name == changes["name"])):
                raise Refused(409, f"name: a role named {changes['name']!r} exists")
            for key, value in changes.items():
                setattr(role, key, value)
            session.commit()
            return self.shown(session, role)

    def remove_role(self, reference: str) -> None:
        with self._sessions() as session:
            role = self._mutable(session, reference)
            used = session.scalar(select(func.count()).select_from(Permission).where(Permission.role_id == role.id))
            if used:
                raise Refused(409, f"role {role.name} is given in {used} permission(s): remove them first")
            session.delete(role)
            session.commit()

    def add_permit(self, reference: str, permit: str) -> str:
        with self._sessions() as session:
            role = self._mutable(session, reference)
            (known,) = self._known_permits([permit])
            if session.get(RolePermit, (role.id, known)) is not None:
                raise Refused(409, f"permit: role {role.name} holds {known} already")
            session.add(RolePermit(role_id=role.id, permit=known))
            session.commit()
            return known

    def remove_permit(self, reference: str, permit: str) -> None:
        with self._sessions() as session:
            role = self._mutable(session, reference)
            found = session.get(RolePermit, (role.id, permit))
            if found is None:
                raise Refused(404, f"role {role.name} has no permit {permit}")
            count = select(func.count()).select_from(RolePermit).where(RolePermit.role_id == role.id)
            if (session.scalar(count) or 0) <= 1:
                raise Refused(409, f"role {role.name} needs at least one action group")
            session.delete(found)
            session.commit()

    # -- permissions -----------------------------------------------------------------------------

    def add_permission(
        self, object_type: str, object_id: str, data: dict[str, Any], granter_is_administrator: bool
    ) -> Permission:
        with self._sessions() as session:
            role = self.role(session, data["role"], status=400) if data.get("role") else None
            if role is None:
                raise Refused(422, "role: give the role's id or name")
            named = {kind: data[kind] for kind in ("user", "group") if data.get(kind)}
            if len(named) != 1:
                raise Refused(422, "user: give the user, or the group, the role is given to (one of them)")
            ((kind, reference),) = named.items()
            holder = references.resolve(session, kind, reference, kind)
            column = Permission.user_id if kind == "user" else Permission.group_id
            if role.administrative and not granter_is_administrator:
                raise Refused(403, f"role: {role.name} is an administrative role: only an administrator gives it")
            if session.scalar(
                select(Permission.id).where(
                    Permission.role_id == role.id, column == holder.id,
                    Permission.object_type == object_type, Permission.object_id == object_id,
                )
            ):  # fmt: skip
                raise Refused(409, f"the permission exists: {role.name} on that {object_type.replace('_', ' ')}")
            permission = Permission(role_id=role.id, object_type=object_type, object_id=object_id,
                                    **{f"{kind}_id": holder.id})  # fmt: skip
            session.add(permission)
            session.commit()
            return permission

    @staticmethod
    def permission(session: Session, object_type: str, object_id: str, permission_id: str) -> Permission:
        found = session.get(Permission, permission_id)
        if found is None or (found.object_type, found.object_id) != (object_type, object_id):
            raise Refused(404, f"permission {permission_id} not found")
        return found

    def remove_permission(self, object_type: str, object_id: str, permission_id: str) -> None:
        with self._sessions() as session:
            found = self.permission(session, object_type, object_id, permission_id)
            if object_type == SYSTEM:
                keep_a_superuser(session, [found], f"permission {permission_id} cannot be removed")
            session.delete(found)
            session.commit()

    # -- groups ----------------------------------------------------------------------------------

    @staticmethod
    def group(session: Session, reference: str) -> Group:
        found = references.find(session, "group", reference)
        if found is None:
            raise Refused(404, f"group {reference} not found")
        return found  # type: ignore[no-any-return]

    def add_group(self, name: str) -> Group:
        with self._sessions() as session:
            if session.scalar(select(Group.id).where(Group.name == name)):
                raise Refused(409, f"name: a group named {name!r} exists")
            group = Group(name=name)
            session.add(group)
            session.commit()
            return group

    def remove_group(self, reference: str) -> None:
        with self._sessions() as session:
            group = self.group(session, reference)
            held = list(session.scalars(select(Permission).where(Permission.group_id == group.id)))
            keep_a_superuser(session, held, f"group {group.name} cannot be removed")
            session.delete(group)
            session.commit()

    def add_member(self, reference: str, user_reference: Any) -> User:
        with self._sessions() as session:
            group = self.group(session, reference)
            user = references.find(session, "user", user_reference)
            if user is None:
                raise Refused(400, "user: no such user")
            if session.get(GroupMember, (group.id, user.id)) is not None:
                raise Refused(409, f"user {user.name} is a member of group {group.name} already")
            session.add(GroupMember(group_id=group.id, user_id=user.id))
            session.commit()
            return user  # type: ignore[no-any-return]

    def remove_member(self, reference: str, user_id: str) -> None:
        with self._sessions() as session:
            group = self.group(session, reference)
            member = session.get(GroupMember, (group.id, user_id))
            if member is None:
                raise Refused(404, f"user {user_id} is not a member of group {group.name}")
            superusers = [
                p for p in session.scalars(select(Permission).where(Permission.group_id == group.id))
                if p.role_id == BY_NAME["SuperUser"].id
            ]  # fmt: skip
            if (
                superusers
                and session.scalar(
                    select(func.count()).select_from(GroupMember).where(GroupMember.group_id == group.id)
                )
                == 1
            ):
                keep_a_superuser(session, superusers, f"user {user_id} cannot leave group {group.name}")
            session.delete(member)
            session.commit()
