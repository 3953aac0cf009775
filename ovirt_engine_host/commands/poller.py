"""The poller thread of an engine process: runs poll cycles while commands are due, sleeps
until the next one is due (at most a second, so that commands added by other processes and
leases of crashed processes are noticed), and wakes at once when this process adds one.

``companions`` are the other background threads of the process (the storage-domain monitor):
they run beside the poller, never in its cycle, and start and stop with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from ovirt_engine_host.commands.coordinator import CommandCoordinator

LOG = logging.getLogger(__name__)
MAX_SLEEP = 1.0


class Background(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = 30) -> None: ...


class Poller:
    def __init__(self, coordinator: CommandCoordinator, companions: Sequence[Background] = ()) -> None:
        self.coordinator = coordinator
        self.companions = tuple(companions)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ovirt-engine-poller", daemon=True)
            self._thread.start()
        for companion in self.companions:
            companion.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self.coordinator.wake.set()
        for companion in self.companions:
            companion.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.coordinator.run_cycle() and not self._stop.is_set():
                    pass
                due = self.coordinator.seconds_until_due()
            except Exception:  # the poller must outlive a database hiccup
                LOG.exception("poll cycle failed")
                due = MAX_SLEEP
            sleep = MAX_SLEEP if due is None else min(due, MAX_SLEEP)
            if self.coordinator.wake.wait(sleep):
                self.coordinator.wake.clear()
