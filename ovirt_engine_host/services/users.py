"""The engine's users: added, changed (password, administrator flag) and removed by
administrators, with the guards that keep the engine usable: the last administrator can be
neither removed nor demoted, and nobody removes the account he is logged in with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

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
            user = User(
                name=data["name"], password_hash=hash_password(data["password"]), administrator=data["administrator"]
            )
            session.add(user)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"user_name: a user named {data['name']!r} exists") from error
            return user

    def update(self, user_id: str, changes: dict[str, Any]) -> User:
        with self._sessions() as session:
            user = self.get(session, user_id)
            if user.administrator and changes.get("administrator") is False:
                self._keep_an_administrator(session, user, "demoted")
            if "password" in changes:
                user.password_hash = hash_password(changes["password"])
            if "administrator" in changes:
                user.administrator = changes["administrator"]
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
            if user.administrator:
                self._keep_an_administrator(session, user, "removed")
            session.delete(user)
            session.commit()

    @staticmethod
    def _keep_an_administrator(session: Session, user: User, change: str) -> None:
        """Refuses to leave the engine without an administrator (the row is locked on PostgreSQL,
        so two concurrent changes cannot both pass the count)."""
        administrators = session.scalars(select(User.id).where(User.administrator.is_(True)).with_for_update()).all()
        if len(administrators) <= 1:
            raise Refused(409, f"user {user.name} is the last administrator and cannot be {change}")
