"""Listing benchmark: ``GET /api/disks`` of N disks over HTTP, in JSON and in XML, on SQLite and on
the stack's PostgreSQL, as the administrator (unfiltered) and as a DiskCreator who owns half of them
(filtered by his permissions).

    .venv/bin/python -m benchmarks.list_disks [--disks 10000] [--requests 20] [--runs 3] [--databases sqlite postgresql]
        [--others 0]

The rows are written straight into the database (one storage domain of the Cinder type, no
Cinder call), then the engine is served in a process of its own (``tests.engine_process``:
werkzeug's threaded server, the poller running) on a loopback port and a client (``requests``,
one keep-alive connection) asks for the whole list ``--requests`` times
per format and run; a request's time is until the last byte of the body arrived. Printed per
database and format: the first request of the engine (nothing cached yet), then the median (p50)
and the worst p50 of the runs, and the median and worst of every request, with the body's size.
PostgreSQL needs the stack's (``OVIRT_STACK_POSTGRES_URL`` from ``stack/env``); each database is
a throw-away one.

Filtered lists (issue 19: within 1.2 times the administrator's list): a user ``creator``, no
administrator, holds DiskCreator on the storage domain (which shows him nothing below it) and
DiskOperator on every other disk, as the creator hook gives it (the rows written in bulk like the
disks, ``owner_id`` his); his list is filtered by default and must hold exactly his disks.
Within a run his requests and the administrator's alternate (who goes first alternates too), each
on its own keep-alive connection; printed per format: his line as the administrator's, and the
ratio of his p50 to the administrator's p50 of the same run, median and worst of the runs.
``--others K``: K more users, each DiskOperator on half of the disks (the permissions table is
then mostly other users': his list must not read them).
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

from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.access.roles import BY_NAME
from ovirt_engine_host.db.models import Disk, Permission, StorageDomain
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.engine import ADMIN, build_engine, postgres_database, stop_engine

ACCEPT = {"json": "application/json", "xml": "application/xml"}
ITEM_MARK = {"json": b'"alias"', "xml": b"<alias>"}
"""Once per disk in an answer: how a list's length is checked."""
CREATOR = ("creator", "creator-password")


def owned(number: int) -> bool:
    """The creator's disks: every other one, spread over the whole list's order."""
    return number % 2 == 0


@contextmanager
def served(database: str, disks: int, others: int = 0) -> Iterator[str]:
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
                creator = add_user(session, CREATOR[0], hash_password(CREATOR[1]), administrator=False)
                session.add(Permission(role_id=BY_NAME["DiskCreator"].id, user_id=creator.id,
                                       object_type="storage_domain", object_id=domain.id))  # fmt: skip
                session.flush()
                rows = [
                    {
                        "id": str(uuid.uuid4()), "alias": f"disk{number:06d}", "description": "",
                        "storage_domain_id": domain.id, "provisioned_size": 1 << 30, "actual_size": 1 << 30,
                        "status": "ok", "format": "raw", "sparse": True, "bootable": False, "shareable": False,
                        "interface": "virtio", "volume_type": "fake", "active_volume_id": str(uuid.uuid4()),
                        "owner_id": creator.id if owned(number) else None,
                    }
                    for number in range(disks)
                ]  # fmt: skip
                session.execute(insert(Disk), rows)
                operator = BY_NAME["DiskOperator"].id
                session.execute(insert(Permission), [
                    {"id": str(uuid.uuid4()), "role_id": operator, "user_id": creator.id, "object_type": "disk",
                     "object_id": row["id"]}
                    for row in rows if row["owner_id"]
                ])  # fmt: skip
                for other in range(others):
                    holder = add_user(session, f"other{other}", "-", administrator=False)  # never logs in
                    session.execute(insert(Permission), [
                        {"id": str(uuid.uuid4()), "role_id": operator, "user_id": holder.id, "object_type": "disk",
                         "object_id": row["id"]}
                        for row in rows[other % 2 :: 2]
                    ])  # fmt: skip
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


def timed_get(http: requests.Session, url: str, media: str, disks: int) -> tuple[float, int]:
    began = time.perf_counter()
    answer = http.get(f"{url}/api/disks", headers={"Accept": ACCEPT[media]}, timeout=120, stream=True)
    body = answer.raw.read()  # in one read, as curl would: the client's chunking is not the engine's time
    elapsed = time.perf_counter() - began
    answer.raise_for_status()
    if body.count(ITEM_MARK[media]) != disks:
        raise RuntimeError(f"the list holds {body.count(ITEM_MARK[media])} disks, not the {disks} expected")
    return elapsed, len(body)


def client(url: str, auth: tuple[str, str]) -> requests.Session:
    http = requests.Session()
    http.auth = auth
    http.get(f"{url}/api", timeout=60).raise_for_status()  # the connection, the password check
    return http


def report(label: str, media: str, disks: int, first: tuple[float, int], medians: list[float], every: list[float],
           who: str = "") -> None:  # fmt: skip
    size = first[1]
    print(
        f"{label:>10} {media:>4} {disks:>6} {size / 1e6:>6.1f} MB  first {first[0] * 1000:>6.0f} ms  "
        f"p50 median {statistics.median(medians) * 1000:>5.1f} ms, worst p50 {max(medians) * 1000:>5.1f} ms  "
        f"(all {len(every)}: median {statistics.median(every) * 1000:>5.1f}, "
        f"worst {max(every) * 1000:>5.1f} ms){who}"
    )


def measure(database: str, disks: int, count: int, runs: int, others: int = 0) -> None:
    mine = sum(1 for number in range(disks) if owned(number))
    with served(database, disks, others) as url:
        users: dict[str, tuple[requests.Session, int]] = {
            "admin": (client(url, ADMIN), disks), "creator": (client(url, CREATOR), mine),
        }  # fmt: skip
        for media in ACCEPT:
            first = {name: timed_get(http, url, media, length) for name, (http, length) in users.items()}
            medians: dict[str, list[float]] = {name: [] for name in users}
            every: dict[str, list[float]] = {name: [] for name in users}
            for _ in range(runs):
                times: dict[str, list[float]] = {name: [] for name in users}
                for request in range(count):
                    order = list(users) if request % 2 == 0 else list(reversed(users))
                    for name in order:
                        http, length = users[name]
                        times[name].append(timed_get(http, url, media, length)[0])
                for name, taken in times.items():
                    medians[name].append(statistics.median(taken))
                    every[name] += taken
            report(database, media, disks, first["admin"], medians["admin"], every["admin"])
            report(database, media, mine, first["creator"], medians["creator"], every["creator"],
                   "  creator (filtered)")  # fmt: skip
            ratios = [creator / admin for creator, admin in zip(medians["creator"], medians["admin"], strict=True)]
            print(
                f"{database:>10} {media:>4} creator/admin p50: median {statistics.median(ratios):.2f}, "
                f"worst {max(ratios):.2f} (target <= 1.2; runs: {', '.join(f'{r:.2f}' for r in ratios)})"
            )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="per format and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--others", type=int, default=0, help="more users, each DiskOperator on half of the disks")
    args = parser.parse_args()
    others = f", {args.others} other users' permissions on half of the disks each" if args.others else ""
    print(f"GET /api/disks over HTTP, {args.runs} runs of {args.requests} requests per format{others}")
    for database in args.databases:
        measure(database, args.disks, args.requests, args.runs, args.others)


if __name__ == "__main__":
    main()
