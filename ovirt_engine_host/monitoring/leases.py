"""Which engine process monitors a storage domain now, in the database.

Each domain has one ``storage_domain_monitors`` row with the due time of its next status probe
and of its next reconciliation, and a lease (``lease_owner`` until ``lease_until``). A process
takes the work that is due with one conditional ``UPDATE`` that also moves the due times a
period on: among processes racing for the row only one update matches (the others see the lease
taken), so a domain is probed and reconciled once per period however many engine processes run.
A lease expires, and one whose owner died on this host is taken over at once (as commands'
are), so a crash delays the monitoring of a domain by one period at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.identity import is_dead
from ovirt_engine_host.config import MonitorSettings
from ovirt_engine_host.db.models import StorageDomain, StorageDomainMonitor

Row = StorageDomainMonitor


@dataclass(frozen=True)
class Claim:
    """Work this process holds the lease for: a status probe, a reconciliation, or both."""

    storage_domain_id: str
    probe: bool
    sync: bool


def add_missing_rows(session: Session) -> None:
    """A row, due at once, for every storage domain that has none yet (new domains). Another
    process adding the same row first is fine."""
    missing = session.scalars(
        select(StorageDomain.id).where(~exists().where(Row.storage_domain_id == StorageDomain.id))
    ).all()
    session.rollback()
    for domain_id in missing:
        moment = clock.now()
        session.add(Row(storage_domain_id=domain_id, status_since=moment, probe_due_at=moment, sync_due_at=moment))
        try:
            session.commit()
        except IntegrityError:  # added meanwhile by another process, or the domain went
            session.rollback()


def _free(moment: datetime, dead_owners: list[str]) -> ColumnElement[bool]:
    free = or_(Row.lease_owner.is_(None), Row.lease_until < moment)
    return or_(free, Row.lease_owner.in_(dead_owners)) if dead_owners else free


def claim_due(session: Session, owner: str, settings: MonitorSettings) -> list[Claim]:
    """Lease the domains with a probe or a reconciliation due, moving what is due a period on."""
    moment = clock.now()
    held = session.scalars(select(Row.lease_owner).where(Row.lease_until >= moment).distinct()).all()
    dead = [name for name in held if name and is_dead(name)]
    due = session.execute(
        select(Row.storage_domain_id, Row.probe_due_at, Row.sync_due_at).where(
            or_(Row.probe_due_at <= moment, Row.sync_due_at <= moment), _free(moment, dead)
        )
    ).all()
    session.rollback()
    claims = []
    for domain_id, probe_due_at, sync_due_at in due:
        probe = clock.as_utc(probe_due_at) <= moment
        sync = clock.as_utc(sync_due_at) <= moment
        values: dict[str, object] = {"lease_owner": owner, "lease_until": clock.later(settings.lease_seconds, moment)}
        conditions = [Row.storage_domain_id == domain_id, _free(moment, dead)]
        if probe:
            values["probe_due_at"] = clock.later(settings.status_interval, moment)
            conditions.append(Row.probe_due_at <= moment)
        if sync:
            values["sync_due_at"] = clock.later(settings.sync_interval, moment)
            conditions.append(Row.sync_due_at <= moment)
        taken = session.execute(update(Row).where(and_(*conditions)).values(**values))
        session.commit()
        if getattr(taken, "rowcount", 0) == 1:
            claims.append(Claim(domain_id, probe, sync))
    return claims


def release(session: Session, claim: Claim, owner: str) -> None:
    """Give the domain's lease back (its due times stay where the claim put them)."""
    session.execute(
        update(Row)
        .where(Row.storage_domain_id == claim.storage_domain_id, Row.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    session.commit()


def seconds_until_due(session: Session) -> float | None:
    """How long until the probe or reconciliation of a domain no process holds is due (0 when
    overdue); None when there is none."""
    free = _free(clock.now(), [])  # a domain another process works on is not this one's to wait for
    earliest = session.execute(select(func.min(Row.probe_due_at), func.min(Row.sync_due_at)).where(free)).one()
    session.rollback()
    moments = [clock.as_utc(moment) for moment in earliest if moment is not None]
    if not moments:
        return None
    return max(0.0, (min(moments) - clock.now()).total_seconds())
