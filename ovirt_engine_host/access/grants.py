"""Giving and taking permissions, with the rule that keeps the engine manageable: the last
SuperUser permission on the system cannot go (409). Users are made administrators by a SuperUser
permission on the system (``create-user --admin``, a user's ``administrator`` in the API)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ovirt_engine_host.access.roles import SUPER_USER, SYSTEM
from ovirt_engine_host.db.models import Permission, User
from ovirt_engine_host.errors import Refused


def superuser_permissions(session: Session, user_id: str | None = None) -> list[Permission]:
    """The SuperUser permissions on the system (a user's only, when given), locked for the
    rest of the transaction on PostgreSQL: two concurrent removals cannot both pass the count."""
    query = select(Permission).where(
        Permission.role_id == SUPER_USER.id, Permission.object_type == SYSTEM, Permission.object_id == SYSTEM
    )
    if user_id is not None:
        query = query.where(Permission.user_id == user_id)
    return list(session.scalars(query.with_for_update()).all())


def keep_a_superuser(session: Session, leaving: list[Permission], what: str) -> None:
    """Refuses to remove ``leaving`` when no SuperUser permission on the system would be left."""
    leaving_ids = {permission.id for permission in leaving}
    remaining = [p for p in superuser_permissions(session) if p.id not in leaving_ids]
    if leaving_ids and not remaining:
        raise Refused(409, f"{what}: it is the last SuperUser permission on the system")


def make_administrator(session: Session, user: User) -> None:
    """A SuperUser permission on the system for ``user`` (none added if he holds one)."""
    if not superuser_permissions(session, user.id):
        session.add(Permission(role_id=SUPER_USER.id, user_id=user.id, object_type=SYSTEM, object_id=SYSTEM))


def revoke_administrator(session: Session, user: User) -> None:
    """His SuperUser permissions on the system go, unless they are the last ones (409)."""
    held = superuser_permissions(session, user.id)
    keep_a_superuser(session, held, f"user {user.name} cannot be demoted")
    for permission in held:
        session.delete(permission)


def add_user(session: Session, name: str, password_hash: str, administrator: bool) -> User:
    """A new user row (flushed, not committed), an administrator if asked."""
    user = User(name=name, password_hash=password_hash)
    session.add(user)
    session.flush()
    if administrator:
        make_administrator(session, user)
    return user
