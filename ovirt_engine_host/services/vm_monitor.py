"""The VM monitor of an engine process (VDSM's VM stats, in the engine's terms): every
``interval`` seconds it asks each active host which domains it runs, once per host, and puts
down the VMs the engine has running that their host no longer runs (shut down from inside,
crashed, or stopped by an engine that died before writing it), with their disks released and
their stateless runs over. It also ends runs left over on disks of VMs that are down, and keeps
each pool's prestarted VMs running.

Its first round, at the engine's start, is the recovery after a crash: VMs left
``powering_up`` by a start that died with its process are put down too, and every pool is
topped up to its size. (One engine process per database is what that first round assumes for
starts; the rest holds with several: each change is a conditional update.)

A thread of its own, not the command poller's: a stateless start waits for the poller, and a
prestart here is such a start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import select

from ovirt_engine_host.db.models import Host, Vm
from ovirt_engine_host.services.hosts import HostService
from ovirt_engine_host.services.pools import PoolService
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import EngineState

LOG = logging.getLogger(__name__)
STOPPED_OUTSIDE = "the VM stopped outside the engine (its host no longer runs it)"


class VmChecks:
    """One round of the monitor's checks, each on its own transaction."""

    def __init__(self, state: EngineState) -> None:
        self.state = state
        self.vms = VmService(state)
        self.hosts = HostService(state)

    def run(self, first: bool) -> None:
        self.notice_stopped(first)
        self.vms.end_forgotten_runs()
        pools = PoolService(self.state)
        if first:
            pools.fill_all()
        pools.keep_prestarted()

    def notice_stopped(self, first: bool) -> int:
        """Put down the VMs their host no longer runs (``powering_up`` ones only in the first
        round); how many. A host that does not answer is left for the next round."""
        states = ["up", "powering_up"] if first else ["up"]
        with self.state.session_factory() as session:
            rows = session.execute(select(Vm.id, Vm.host_id).where(Vm.status.in_(states))).all()
            hosts = {h.id: h for h in session.scalars(select(Host).where(Host.id.in_({r.host_id for r in rows})))}
        stopped = 0
        for host_id in {r.host_id for r in rows}:
            host = hosts.get(host_id) if host_id else None
            try:
                running = self.hosts.agent(host).running_ids() if host is not None else set()
            except Exception as error:  # noqa: BLE001 - an unreachable host is asked again later
                LOG.info("VM monitor: host %s did not answer: %s", host.name if host else host_id, error)
                continue
            for row in rows:
                if row.host_id == host_id and row.id not in running:
                    stopped += self.vms.notice_stopped(row.id, STOPPED_OUTSIDE)
        return stopped


class VmMonitor:
    """The thread that runs :class:`VmChecks` rounds until stopped."""

    def __init__(self, checks: Callable[[], VmChecks], interval: float) -> None:
        self.checks = checks
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.interval > 0:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ovirt-engine-vm-monitor", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.checks().run(first)
                first = False
            except Exception:  # the monitor must outlive a database or host hiccup
                LOG.exception("VM monitor round failed")
            self._stop.wait(self.interval)
