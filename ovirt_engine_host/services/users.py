"""The engine's users: added, changed (password, administrator) and removed by administrators,
with the guards that keep the engine usable: the last SuperUser on the system can be neither
removed nor demoted, and nobody removes the account he is logged in with. ``administrator`` is
a SuperUser permission on the system (:mod:`ovirt_engine_host.access.grants`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access.grants import (
    add_user,
    keep_a_superuser,
    make_administrator,
    revoke_administrator,
    superuser_permissions,
)
from ovirt_engine_host.db.models import User
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.security import hash_password


class UserService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @staticmethod
    def get(session: Session, user_id: str) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise Refused(404, f"user {user_id} not found")
        return user

    def add(self, data: dict[str, Any]) -> User:
        with self._sessions() as session:
            try:
                user = add_user(session, data["name"], hash_password(data["password"]), data["administrator"])
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"user_name: a user named {data['name']!r} exists") from error
            return user

    def update(self, user_id: str, changes: dict[str, Any]) -> User:
        with self._sessions() as session:
            user = self.get(session, user_id)
            if changes.get("administrator") is False:
                revoke_administrator(session, user)
            if changes.get("administrator") is True:
                make_administrator(session, user)
            if "password" in changes:
                user.password_hash = hash_password(changes["password"])
            session.commit()
            return user

    def remove(self, user_id: str, acting_user_id: str | None) -> None:
        with self._sessions() as session:
            user = self.get(session, user_id)
            if user.id == acting_user_id:
                raise Refused(
                    409,
                    f"user {user.name} is the account this request is logged in with; "
                    "log in as another administrator to remove it",
                )
            keep_a_superuser(session, superuser_permissions(session, user.id), f"user {user.name} cannot be removed")
            session.delete(user)
            session.commit()
