"""Provisioning benchmark: N disks through the engine's REST API against N volumes through
python-cinderclient directly, in the same process, on the same Cinder backend of the running
local stack.

    .venv/bin/python -m benchmarks.provision [--sizes 1 20 100] [--volume-type fake] [--repeat 3]

Direct: create the N volumes one after the other, then list them every 0.1 s until all are
``available``. Engine: POST the N disks one after the other (HTTP, the engine served by a
threaded WSGI server on loopback, SQLite unless ``--database-url``), then list ``/api/disks``
every 0.1 s until all are ``ok``. Meanwhile an observer lists the domain's volumes in Cinder
every 0.1 s and notes when each turned ``available``; a disk's lag is from then to the end of
the engine's job that made it ``ok`` (the job's end time, recorded by the engine). Printed per
N, over the runs (``--repeat``): the median and the worst of both wall times and of their ratio
engine/direct, of the lag (every disk of every run), the engine's poll cycles, and the Cinder
list requests the engine made (counted in Cinder's API access log) per poll cycle.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_engine_host.app import create_app
from ovirt_engine_host.commands import clock
from ovirt_engine_host.config import EngineConfig, MonitorSettings, PollerSettings
from ovirt_engine_host.db.models import Command, Job
from ovirt_engine_host.state import engine_state
from tests.disks import DOMAIN_KEY, GiB, counting_cinder_requests
from tests.engine import ADMIN, build_engine
from tests.stack import Stack, bring_up

OBSERVE_EVERY = 0.1
SUBMIT_TIMES: dict[str, list[float]] = {}
TIMEOUT = 600.0


@dataclass
class Run:
    n: int
    direct: float
    engine: float
    cycles: int
    poll_calls: int
    list_requests: int
    cinder_requests: Counter[str]
    lags: list[float]

    @property
    def ratio(self) -> float:
        return self.engine / self.direct


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(OBSERVE_EVERY)


def direct_run(cinder: Any, n: int, volume_type: str) -> float:
    tag = {"benchmark": uuid.uuid4().hex}
    ids: set[str] = set()

    def all_available() -> bool:
        volumes = cinder.volumes.list(detailed=True, search_opts={"metadata": tag})
        failed = [v.id for v in volumes if v.status.startswith("error")]
        if failed:
            raise RuntimeError(f"volumes went to error: {failed}")
        return sum(1 for v in volumes if v.id in ids and v.status == "available") == n

    try:
        start = time.monotonic()
        for i in range(n):
            ids.add(cinder.volumes.create(1, name=f"direct{i}", volume_type=volume_type, metadata=tag).id)
        submitted = time.monotonic() - start
        wait_until(all_available, f"{n} volumes available")
        elapsed = time.monotonic() - start
    finally:  # a failed run leaves nothing behind
        for volume in cinder.volumes.list(search_opts={"metadata": tag}):
            cinder.volumes.delete(volume)
        wait_until(lambda: not cinder.volumes.list(search_opts={"metadata": tag}), "direct volumes deleted")
    SUBMIT_TIMES.setdefault("direct", []).append(submitted / n)
    return elapsed


class AvailableObserver:
    """Lists the storage domain's volumes in Cinder every 0.1 s (a thread of its own) and notes
    the wall-clock moment each was first seen ``available``."""

    def __init__(self, cinder: Any, storage_domain_id: str) -> None:
        self.cinder = cinder
        self.search = {"metadata": {DOMAIN_KEY: storage_domain_id}}
        self.available: dict[str, datetime.datetime] = {}
        self.lists = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(OBSERVE_EVERY):
            moment = clock.now()
            self.lists += 1
            for volume in self.cinder.volumes.list(detailed=True, search_opts=self.search):
                if volume.status == "available":
                    self.available.setdefault(volume.id, moment)

    def __enter__(self) -> AvailableObserver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


def lags_of(coordinator: Any, available: dict[str, datetime.datetime]) -> list[float]:
    """From Cinder's ``available`` (observed) to the end of the engine's job that made the disk
    ``ok``, for each disk observed."""
    with coordinator.sessions() as session:
        ended = session.execute(
            select(Command.entity_id, Job.end_time)
            .join(Job, Job.id == Command.job_id)
            .where(Command.kind == "create_disk", Command.entity_id.in_(list(available)))
        ).all()
    return [(clock.as_utc(end) - available[disk_id]).total_seconds() for disk_id, end in ended if end is not None]


def engine_run(http: requests.Session, url: str, storage_domain_id: str, n: int, volume_type: str) -> float:
    body = {
        "provisioned_size": GiB,
        "storage_domains": {"storage_domain": [{"id": storage_domain_id}]},
        "openstack_volume_type": {"name": volume_type},
    }
    ids: set[str] = set()
    disks_path = f"{url}/api/storagedomains/{storage_domain_id}/disks"

    def all_ok() -> bool:
        disks = http.get(disks_path, timeout=60).json()
        failed = [d["id"] for d in disks if d["status"]["state"] == "illegal"]
        if failed:
            raise RuntimeError(f"disks went illegal: {failed}")
        return sum(1 for d in disks if d["id"] in ids and d["status"]["state"] == "ok") == n

    try:
        start = time.monotonic()
        for i in range(n):
            answer = http.post(f"{url}/api/disks", json={**body, "alias": f"bench{i}"}, timeout=60)
            answer.raise_for_status()
            ids.add(answer.json()["id"])
        submitted = time.monotonic() - start
        wait_until(all_ok, f"{n} disks ok")
        elapsed = time.monotonic() - start
    finally:  # a failed run leaves nothing behind
        wait_until(lambda: all(d["status"]["state"] != "locked" for d in http.get(disks_path).json()), "settled")
        for disk in http.get(disks_path, timeout=60).json():
            http.delete(f"{url}/api/disks/{disk['id']};async", timeout=60).raise_for_status()
        wait_until(lambda: not http.get(disks_path, timeout=60).json(), "engine disks removed")
    SUBMIT_TIMES.setdefault("engine", []).append(submitted / n)
    return elapsed


@contextmanager
def served_engine(stack: Stack, database_url: str) -> Iterator[tuple[str, Any, str]]:
    """The engine with the plugin, its poller running, served on a loopback port; yields (URL,
    its coordinator, the storage domain of a provider on the stack's Cinder)."""
    with tempfile.TemporaryDirectory(prefix="ovirt-bench-") as state_dir:
        build_engine(Path(state_dir), database_url)  # migrations, admin, data center dc1
        # the domain monitor's own volume lists would blur the count of the poller's
        config = EngineConfig(state_dir=Path(state_dir), database_url=database_url, poller=PollerSettings(),
                              monitor=MonitorSettings(enabled=False))  # fmt: skip
        app = create_app(config)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            provider = requests.post(
                f"{url}/api/openstackvolumeproviders",
                auth=ADMIN,
                timeout=60,
                json={
                    "name": "bench",
                    "url": stack.cinder_url,
                    "requires_authentication": True,
                    "username": stack.env["OS_USERNAME"],
                    "password": stack.env["OS_PASSWORD"],
                    "tenant_name": stack.env["OS_PROJECT_NAME"],
                    "authentication_url": stack.keystone_url,
                    "data_center": {"name": "dc1"},
                },
            )
            provider.raise_for_status()
            domains = requests.get(f"{url}/api/storagedomains", auth=ADMIN, timeout=60).json()
            domain_id = next(d["id"] for d in domains if d["name"] == "bench")
            yield url, engine_state(app).coordinator, domain_id
        finally:
            server.shutdown()
            engine_state(app).poller.stop()
            engine_state(app).database.dispose()


def measure(args: argparse.Namespace) -> list[Run]:
    stack = bring_up()
    cinder = connect(stack.admin_credentials).client
    runs = []
    with served_engine(stack, args.database_url) as (url, coordinator, domain_id):
        http = requests.Session()
        http.auth = ADMIN
        engine_run(http, url, domain_id, 1, args.volume_type)  # warm up both paths: connections, caches
        direct_run(cinder, 1, args.volume_type)
        SUBMIT_TIMES.clear()
        for n in args.sizes:
            for _ in range(args.repeat):
                direct = direct_run(cinder, n, args.volume_type)
                stats_before = (coordinator.stats.cycles, coordinator.stats.poll_calls)
                with counting_cinder_requests() as served:
                    with AvailableObserver(cinder, domain_id) as observer:
                        engine = engine_run(http, url, domain_id, n, args.volume_type)
                    # what the engine sent, its deletes included (they come after the timing)
                    requests_seen = Counter(served())
                    cycles = coordinator.stats.cycles - stats_before[0]
                    poll_calls = coordinator.stats.poll_calls - stats_before[1]
                lags = lags_of(coordinator, observer.available)
                # the observer's own lists are in the log too: one per 0.1 s
                lists = requests_seen["GET /volumes/detail"] - observer.lists
                runs.append(Run(n, direct, engine, cycles, poll_calls, lists, requests_seen, lags))
    return runs


def report(runs: list[Run], volume_type: str) -> None:
    print(f"provisioning benchmark, volume type {volume_type!r} (seconds; median / worst of the runs)")
    columns = ("direct", 13), ("engine", 13), ("ratio", 13), ("lag", 11), ("cycles", 7), ("lists/cycle", 11)
    print(f"{'N':>5} {'runs':>4} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for n in sorted({r.n for r in runs}):
        mine = [r for r in runs if r.n == n]
        ratios = [r.ratio for r in mine]
        lags = [lag for r in mine for lag in r.lags] or [float("nan")]
        cycles = statistics.median(r.cycles for r in mine)
        lists = sum(r.list_requests for r in mine) / max(1, sum(r.poll_calls for r in mine))

        def pair(values: list[float], digits: int = 2) -> str:
            return f"{statistics.median(values):.{digits}f} / {max(values):.{digits}f}"

        print(
            f"{n:>5} {len(mine):>4} {pair([r.direct for r in mine]):>13} {pair([r.engine for r in mine]):>13} "
            f"{pair(ratios, 3):>13} {pair(lags):>11} {cycles:>7.0f} {lists:>11.2f}"
        )
    for path, times in SUBMIT_TIMES.items():
        print(f"mean time per create request, {path}: {statistics.mean(times) * 1000:.1f} ms")
    last = runs[-1]
    print(f"Cinder requests of the engine for N={last.n} (including its deletes):")
    for request, count in sorted(last.cinder_requests.items(), key=lambda item: -item[1]):
        print(f"  {count:>5}  {request}")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 20, 100])
    parser.add_argument("--volume-type", default="fake", help="the stack's 'fake' (storage-less) or 'rbd'")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="", help="engine database (default: SQLite)")
    args = parser.parse_args()
    report(measure(args), args.volume_type)


if __name__ == "__main__":
    main()
