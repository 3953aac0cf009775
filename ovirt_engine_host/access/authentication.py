"""Who makes a request: the user, as the rest of the engine (and a plugin, as the contract's
``UserView``) sees him. Whether he is an administrator is not stored: it is whether he, or a
group of his, holds an administrative role anywhere (read in the same statement as his row)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from ovirt_engine_host.db.models import GroupMember, Permission, Role, User
from ovirt_engine_host.security import password_matches

AUTH_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class AuthenticatedUser:
    """The contract's ``UserView``: ``administrator`` when he holds an administrative role."""

    id: str
    name: str
    administrator: bool


def holdings(user_id: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The two ways a :class:`Permission` row holds for a user, as conditions: given to him,
    given to a group of his (each served by an index that starts with its column: a query that
    must be fast asks them apart, see :mod:`ovirt_engine_host.access.tree`).
    ``user_id`` may be a column (``User.id``) of a query enclosing the condition's own."""
    # Correlated explicitly: SQLAlchemy auto-correlates only to the immediately enclosing SELECT,
    # so inside an EXISTS the groups would be those of every user (a group's administrative
    # role made everybody an administrator).
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id).correlate_except(GroupMember)
    return Permission.user_id == user_id, Permission.group_id.in_(groups)


def held_by(user_id: Any) -> ColumnElement[bool]:
    """The condition on :class:`Permission` rows that hold for a user: his own, his groups'."""
    return or_(*holdings(user_id))


def is_administrator(user_id: Any) -> ColumnElement[bool]:
    """Whether a user holds an administrative role anywhere (an SQL expression)."""
    return exists(
        select(Permission.id)
        .join(Role, Role.id == Permission.role_id)
        .where(and_(Role.administrative.is_(True), held_by(user_id)))
    )


def user_view(session: Session, condition: ColumnElement[bool]) -> tuple[AuthenticatedUser, str] | None:
    """The user matching ``condition`` with his stored password hash, in one statement."""
    row = session.execute(
        select(User.id, User.name, User.password_hash, is_administrator(User.id)).where(condition)
    ).first()
    if row is None:
        return None
    return AuthenticatedUser(row[0], row[1], bool(row[3])), row[2]


def normal_name(name: str) -> str:
    """oVirt writes users as ``user@profile`` (``admin@internal``): the engine has one profile."""
    return name[: -len("@internal")] if name.endswith("@internal") else name


class Authenticator:
    """Checks a user name and password against the users table. The user row is read at every
    request (a removed user or a withdrawn role takes effect at once); only the password check
    is remembered for a few seconds, for the stored hash it was made against: scrypt is slow on
    purpose, and HTTP Basic clients send the password with every request."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory
        self._verified: dict[tuple[str, bytes], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def __call__(self, name: str, password: str) -> AuthenticatedUser | None:
        name = normal_name(name)
        key = (name, hashlib.sha256(password.encode()).digest())
        now = time.monotonic()
        with self._sessions() as session:
            found = user_view(session, User.name == name)
        if found is None:
            return None
        user, password_hash = found
        with self._lock:
            cached = self._verified.get(key)
        if not (cached and now - cached[0] < AUTH_CACHE_SECONDS and cached[1] == password_hash):
            if not password_matches(password_hash, password):
                return None
            with self._lock:
                self._verified[key] = (now, password_hash)
        return user
