"""Claiming commands: each active command is worked on by exactly one engine process at a time.

A claim is a lease (``lease_owner``, ``lease_until``) taken with a conditional ``UPDATE``: among
several processes racing for the same row only one update matches, on SQLite (one writer at a
time) as on PostgreSQL (the row lock taken by ``SELECT ... FOR UPDATE SKIP LOCKED`` makes the
others skip the row instead of waiting). A lease expires, and a lease whose owner died on this
host is taken over at once, so an engine restarted after a crash resumes its commands without
waiting.

A claim takes whole storage domains: with the commands due, every other pending command of their
domains that no live process holds comes along, because the domain's poll costs one backend
request however many operations it asks about. The domain's commands thus stay in step, polled
together on the domain's cadence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.identity import is_dead
from ovirt_engine_host.db.models import Command

ACTIVE_STATES = ("sending", "pending")
CLAIM_BATCH = 1000


def _claimable(moment: datetime, horizon: datetime, dead_owners: Sequence[str]) -> ColumnElement[bool]:
    """Due by ``horizon`` and not leased by a live process; or leased by a process of this host
    that died."""
    due_and_free = and_(
        Command.next_poll_at <= horizon,
        or_(Command.lease_owner.is_(None), Command.lease_until < moment),
    )
    if not dead_owners:
        return due_and_free
    return or_(due_and_free, Command.lease_owner.in_(dead_owners))


def dead_owners(session: Session, moment: datetime) -> list[str]:
    owners = session.scalars(
        select(Command.lease_owner).where(Command.state.in_(ACTIVE_STATES), Command.lease_until >= moment).distinct()
    ).all()
    return [owner for owner in owners if owner and is_dead(owner)]


def claim_due(
    session: Session, owner: str, lease_seconds: float, coalesce_seconds: float = 0.0, limit: int = CLAIM_BATCH
) -> list[Command]:
    """Lease the active commands due for work (or due within ``coalesce_seconds``, when at
    least one is due now), and the other pending commands of their storage domains that are
    free; returns the ones this process now holds."""
    moment = clock.now()
    dead = dead_owners(session, moment)
    due_now = select(Command.id).where(Command.state.in_(ACTIVE_STATES), _claimable(moment, moment, dead)).limit(1)
    if session.scalar(due_now) is None:
        session.rollback()
        return []
    claimable = _claimable(moment, clock.later(coalesce_seconds, moment), dead)
    due = session.execute(
        select(Command.id, Command.storage_domain_id)
        .where(Command.state.in_(ACTIVE_STATES), claimable)
        .order_by(Command.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        session.rollback()
        return []
    candidates = [row.id for row in due]
    free = or_(Command.lease_owner.is_(None), Command.lease_until < moment)
    riding_along = and_(Command.state == "pending", free)  # polled for free with the domain
    candidates += session.scalars(
        select(Command.id)
        .where(riding_along, Command.storage_domain_id.in_(sorted({row.storage_domain_id for row in due})))
        .where(Command.id.not_in(candidates))
        .order_by(Command.next_poll_at)
        .limit(max(0, limit - len(candidates)))
        .with_for_update(skip_locked=True)
    ).all()
    until = clock.later(lease_seconds, moment)
    # not due again before the lease ends: other processes' pollers do not spin on it
    session.execute(
        update(Command)
        .where(Command.id.in_(candidates), Command.state.in_(ACTIVE_STATES), or_(claimable, riding_along))
        .values(lease_owner=owner, lease_until=until, next_poll_at=until)
    )
    session.commit()
    return list(session.scalars(select(Command).where(Command.id.in_(candidates), Command.lease_owner == owner)).all())


def seconds_until_due(session: Session) -> float | None:
    """How long until the next active command is due (0 when one is overdue), None when idle."""
    earliest = session.scalar(select(func.min(Command.next_poll_at)).where(Command.state.in_(ACTIVE_STATES)))
    if earliest is None:
        return None
    return max(0.0, (clock.as_utc(earliest) - clock.now()).total_seconds())
