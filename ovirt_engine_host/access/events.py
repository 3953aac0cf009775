"""The audit log: one :class:`~ovirt_engine_host.db.models.Event` per change made through the
API, per job's end, per permission granted or removed and per login. An event never holds a
secret: callers pass descriptions made of names and ids only.

Codes are stable, so that a client may search by them (``/api/events?search=code=3801``):

==========  ===========================================================================
below 2000  oVirt's own codes where oVirt has one (logins: 30, 31, 114, ``access.logins``)
2000-3799   a change made through the API: the table in :mod:`.audit`
3800        a job finished (:func:`job_ended`)
3801        a job failed (severity ``error``)
3802        a job was aborted (severity ``warning``)
==========  ===========================================================================

The log is kept short by :class:`Pruner`: ids grow with time, so one ``DELETE`` below an id
threshold drops the oldest events, now and then rather than at every insert.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, object_session

from ovirt_engine_host.db.models import Event, Job, User

JOB_FINISHED = 3800
JOB_FAILED = 3801
JOB_ABORTED = 3802
JOB_CODES = {"finished": JOB_FINISHED, "failed": JOB_FAILED, "aborted": JOB_ABORTED}
JOB_SEVERITIES = {"finished": "normal", "failed": "error", "aborted": "warning"}
PRUNE_EVERY = 200
"""At most this many recorded events between two prunings (fewer when the log is short)."""


@dataclass(frozen=True)
class Actor:
    """Who an event is about when no authenticated user is at hand (a job's owner)."""

    id: str | None
    name: str | None


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


def job_ended(job: Job) -> Event | None:
    """Records the end of ``job`` (its status already set) in the session holding it, so the
    event is committed with the end itself, or not at all. Its owner is the event's user; the
    job's id its correlation id. The failure's detail is left out: it is the backend's text,
    shown with the job at ``/api/jobs``, not made by the engine of names and ids."""
    session = object_session(job)
    if session is None:  # a job no session holds is not being written
        return None
    with session.no_autoflush:  # a read of a committed row: ending a job writes nothing before its commit
        owner_name = session.scalar(select(User.name).where(User.id == job.owner_id)) if job.owner_id else None
    return record(
        session, JOB_CODES.get(job.status, JOB_FAILED), f"Job '{job.description}' {job.status}",
        severity=JOB_SEVERITIES.get(job.status, "error"), user=Actor(job.owner_id, owner_name),
        correlation_id=job.id,
    )  # fmt: skip


def prune(session: Session, keep: int) -> int:
    """Deletes every event but the newest ``keep`` (by id, which grows with time); the count
    deleted. Two statements whatever the log's length: the newest id, one ranged ``DELETE``."""
    newest = session.scalar(select(func.max(Event.id)))
    if newest is None or newest <= keep:
        return 0
    result = session.execute(delete(Event).where(Event.id <= newest - keep))
    return int(getattr(result, "rowcount", 0) or 0)


class Pruner:
    """Keeps the log to ``keep`` events (``EngineConfig.events_keep``) cheaply: it prunes at the
    first event recorded after the engine starts, then once every ``every`` events recorded
    through it (:data:`PRUNE_EVERY`, or a tenth of ``keep`` when that is fewer), so the log may
    hold up to ``every`` more for a while. Events recorded elsewhere (a job's end in the poller)
    are pruned with the next ones counted here. One per application; thread-safe."""

    def __init__(self, keep: int) -> None:
        if keep < 1:
            raise ValueError(f"events_keep: the audit log keeps at least 1 event, not {keep}")
        self.keep = keep
        self.every = min(PRUNE_EVERY, max(1, keep // 10))
        self._since = self.every
        self._lock = threading.Lock()

    def recorded(self, session: Session) -> int:
        """Counts one event added to ``session``; prunes in it when due (the caller commits)."""
        with self._lock:
            self._since += 1
            if self._since < self.every:
                return 0
            self._since = 0
        return prune(session, self.keep)
