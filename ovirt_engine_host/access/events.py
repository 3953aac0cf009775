"""The audit log: one :class:`~ovirt_engine_host.db.models.Event` per change made through the
API, per job's end, per permission granted or removed and per failed login. An event never
holds a secret: callers pass descriptions made of names and ids only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ovirt_engine_host.db.models import Event


def record(
    session: Session,
    code: int,
    description: str,
    *,
    severity: str = "normal",
    user: Any = None,
    object_type: str | None = None,
    object_id: str | None = None,
    correlation_id: str | None = None,
) -> Event:
    """Adds an event to ``session`` (the caller commits, with the change it describes).
    ``user``: anything with ``id`` and ``name`` (the contract's ``UserView``), or None (the engine)."""
    event = Event(
        code=code, description=description, severity=severity,
        user_id=getattr(user, "id", None), user_name=getattr(user, "name", None),
        object_type=object_type, object_id=object_id, correlation_id=correlation_id,
    )  # fmt: skip
    session.add(event)
    return event
