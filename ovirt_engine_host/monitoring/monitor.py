"""The monitor thread of an engine process: takes the storage domains whose status probe or
reconciliation is due (:mod:`.leases`), does that work, and sleeps until the next is due (at
most a second, so that new domains and other processes' released leases are noticed).

It runs beside the command poller, never inside its cycle: a backend that hangs or times out
holds up this thread only, and the poller keeps polling other domains' disks. Each application
has its own monitor (built in ``create_app``, started and stopped with the poller), so that the
many applications of a test run never share one.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.commands.identity import this_process
from ovirt_engine_host.config import MonitorSettings
from ovirt_engine_host.monitoring import leases, reconcile, status
from ovirt_engine_host.plugins import EngineHooks

LOG = logging.getLogger(__name__)
MAX_SLEEP = 1.0


class DomainMonitor:
    def __init__(self, sessions: sessionmaker[Session], hooks: EngineHooks, settings: MonitorSettings) -> None:
        self.sessions = sessions
        self.hooks = hooks
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.settings.enabled:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ovirt-engine-monitor", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> list[leases.Claim]:
        """Do the work that is due now (this process's share of it); returns what was done."""
        owner = this_process()
        with self.sessions() as session:
            leases.add_missing_rows(session)
            claims = leases.claim_due(session, owner, self.settings)
        for claim in claims:
            try:
                if claim.probe:
                    status.probe(self.sessions, self.hooks, self.settings, claim.storage_domain_id)
                if claim.sync:
                    reconcile.reconcile(self.sessions, self.hooks, claim.storage_domain_id)
            except Exception:  # one domain's failure must not stop the others' monitoring
                LOG.exception("monitoring storage domain %s failed", claim.storage_domain_id)
            finally:
                with self.sessions() as session:
                    leases.release(session, claim, owner)
        return claims

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                with self.sessions() as session:
                    due = leases.seconds_until_due(session)
            except Exception:  # the monitor must outlive a database hiccup
                LOG.exception("domain monitor cycle failed")
                due = MAX_SLEEP
            self._stop.wait(MAX_SLEEP if due is None else min(due, MAX_SLEEP))
