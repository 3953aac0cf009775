"""Listing benchmark: ``GET /api/disks`` of N disks over HTTP, in JSON and in XML, on SQLite and on
the stack's PostgreSQL.

    .venv/bin/python -m benchmarks.list_disks [--disks 10000] [--requests 20] [--runs 3] [--databases sqlite postgresql]

The rows are written straight into the database (one storage domain of the Cinder type, no
Cinder call), then the engine is served in a process of its own (``tests.engine_process``:
werkzeug's threaded server, the poller running) on a loopback port and a client (``requests``,
one keep-alive connection) asks for the whole list ``--requests`` times
per format and run; a request's time is until the last byte of the body arrived. Printed per
database and format: the first request of the engine (nothing cached yet), then the median (p50)
and the worst p50 of the runs, and the median and worst of every request, with the body's size.
PostgreSQL needs the stack's (``OVIRT_STACK_POSTGRES_URL`` from ``stack/env``); each database is
a throw-away one.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import requests
from sqlalchemy import insert

from ovirt_engine_host.db.models import Disk, StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import ADMIN, build_engine, postgres_database, stop_engine

ACCEPT = {"json": "application/json", "xml": "application/xml"}


@contextmanager
def served(database: str, disks: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="ovirt-bench-list-") as state_dir:
        url_context: AbstractContextManager[str]
        if database == "postgresql":
            server_url = os.environ.get("OVIRT_STACK_POSTGRES_URL")
            if not server_url:
                raise SystemExit('PostgreSQL: eval "$(stack/env)" first (OVIRT_STACK_POSTGRES_URL)')
            url_context = postgres_database(server_url)
        else:
            url_context = nullcontext("")
        with url_context as database_url:
            engine = build_engine(Path(state_dir), database_url)
            state = engine_state(engine.app)
            with state.session_factory() as session:
                domain = StorageDomain(name="bench", type="cinder", data_center_id=engine.data_center_id)
                session.add(domain)
                session.flush()
                rows = [
                    {
                        "id": str(uuid.uuid4()), "alias": f"disk{number:06d}", "description": "",
                        "storage_domain_id": domain.id, "provisioned_size": 1 << 30, "actual_size": 1 << 30,
                        "status": "ok", "format": "raw", "sparse": True, "bootable": False, "shareable": False,
                        "interface": "virtio", "volume_type": "fake", "active_volume_id": str(uuid.uuid4()),
                    }
                    for number in range(disks)
                ]  # fmt: skip
                session.execute(insert(Disk), rows)
                session.commit()
            stop_engine(engine)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            command = [sys.executable, "-m", "tests.engine_process", state_dir, database_url, str(port)]
            server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
            url = f"http://127.0.0.1:{port}"
            try:
                wait_until_up(url, server)
                yield url
            finally:
                server.terminate()
                server.wait(30)


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the engine exited with {server.returncode}")
        try:
            requests.get(f"{url}/api", auth=ADMIN, timeout=5).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"the engine did not answer at {url}")


def timed_get(http: requests.Session, url: str, accept: str, disks: int) -> tuple[float, int]:
    began = time.perf_counter()
    answer = http.get(f"{url}/api/disks", headers={"Accept": accept}, timeout=120, stream=True)
    body = answer.raw.read()  # in one read, as curl would: the client's chunking is not the engine's time
    elapsed = time.perf_counter() - began
    answer.raise_for_status()
    if accept == ACCEPT["json"] and body.count(b'"alias"') != disks:
        raise RuntimeError("the list is not the disks written")
    return elapsed, len(body)


def measure(database: str, disks: int, count: int, runs: int) -> None:
    with served(database, disks) as url:
        http = requests.Session()
        http.auth = ADMIN
        http.get(f"{url}/api", timeout=60).raise_for_status()  # the connection, the password check
        for media, accept in ACCEPT.items():
            first, size = timed_get(http, url, accept, disks)
            medians, every = [], []
            for _ in range(runs):
                times = [timed_get(http, url, accept, disks)[0] for _ in range(count)]
                medians.append(statistics.median(times))
                every += times
            print(
                f"{database:>10} {media:>4} {disks:>6} {size / 1e6:>6.1f} MB  first {first * 1000:>6.0f} ms  "
                f"p50 median {statistics.median(medians) * 1000:>5.1f} ms, worst p50 {max(medians) * 1000:>5.1f} ms  "
                f"(all {len(every)}: median {statistics.median(every) * 1000:>5.1f}, "
                f"worst {max(every) * 1000:>5.1f} ms)"
            )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="per format and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"GET /api/disks over HTTP, {args.runs} runs of {args.requests} requests per format")
    for database in args.databases:
        measure(database, args.disks, args.requests, args.runs)


if __name__ == "__main__":
    main()
