"""A storage domain's status and capacity, from its plugin's ``ovirt_engine_domain_status``.

The domain is ``inactive`` once its backend has not answered for ``inactive_after`` seconds
(counted from its last answer, or from when monitoring began for a backend that never answered)
and ``active`` again at the first answer: one failed probe is no outage. The status is the
domain's own ``storage_domains.status``, the one the disk service checks before adding a disk
(409 naming it); the monitor only moves it between ``active`` and ``inactive``, so a status an
administrator set (none yet) would not be overridden. The last known capacity stays shown while
the backend is silent; the status detail says since when.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.commands import clock
from ovirt_engine_host.config import MonitorSettings
from ovirt_engine_host.contract import DomainStatus
from ovirt_engine_host.db.models import StorageDomain, StorageDomainMonitor
from ovirt_engine_host.plugins import EngineHooks

LOG = logging.getLogger(__name__)
MONITORED_STATUSES = ("active", "inactive")


def ask(hooks: EngineHooks, domain: StorageDomain) -> DomainStatus | None:
    """The plugin's answer; an exception counts as no answer, with its message as the reason."""
    try:
        return hooks.domain_status(domain)
    except Exception as error:  # noqa: BLE001 - a plugin's failure is no answer, not the monitor's end
        return {"reachable": False, "reason": str(error) or type(error).__name__, "available": None, "used": None,
                "source": None}  # fmt: skip


def probe(sessions: sessionmaker[Session], hooks: EngineHooks, settings: MonitorSettings, domain_id: str) -> None:
    """Ask the domain's backend how it is and record the answer (and the status it implies)."""
    with sessions() as session:
        domain = session.get(StorageDomain, domain_id)
    if domain is None:
        return
    answer = ask(hooks, domain)
    if answer is None:  # no plugin monitors this type
        return
    moment = clock.now()
    with sessions() as session:
        monitor = session.get(StorageDomainMonitor, domain_id)
        current = session.get(StorageDomain, domain_id)
        if monitor is None or current is None:
            return
        if answer["reachable"]:
            monitor.last_answer_at, monitor.last_error = moment, None
            monitor.available, monitor.used, monitor.capacity_source = (
                answer["available"], answer["used"], answer["source"]
            )  # fmt: skip
            new_status = "active"
        else:
            monitor.last_error = answer["reason"]
            silent_since = clock.as_utc(monitor.last_answer_at or monitor.status_since)
            silent = (moment - silent_since).total_seconds()
            new_status = "inactive" if silent >= settings.inactive_after else current.status
        if current.status in MONITORED_STATUSES and new_status != current.status:
            moved = session.execute(
                update(StorageDomain)
                .where(StorageDomain.id == domain_id, StorageDomain.status == current.status)
                .values(status=new_status)
            )
            if getattr(moved, "rowcount", 0) == 1:
                monitor.status_since = moment
                if new_status == "inactive":
                    LOG.warning(
                        "storage domain %s (%s) is inactive: its backend has not answered since %s: %s",
                        current.name, domain_id, silent_since.isoformat(), answer["reason"],
                    )  # fmt: skip
                else:
                    LOG.info("storage domain %s (%s) is active again: its backend answers", current.name, domain_id)
        session.commit()
