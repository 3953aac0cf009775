"""Faults while disk operations are pending, on the real stack: Cinder's API goes away and comes
back; the engine is killed (SIGKILL) after Cinder created a volume but before the engine recorded
it, and while a create is pending. No volume is lost, none is created twice, and the engine's
rows end up matching what Cinder holds."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from sqlalchemy import select

from ovirt_engine_host.db.models import Command
from ovirt_engine_host.state import engine_state
from tests.disks import (
    GiB,
    add_provider,
    assert_engine_matches_cinder,
    cinder_volumes,
    disk_body,
    engine_disks,
    storage_domain_of,
    volumes_cleaned,
    wait_for_disk,
)
from tests.engine import ADMIN, Engine
from tests.stack import REPO_ROOT, STACK_BIN, Stack


@pytest.fixture
def domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, Any]]:
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        domains.append(storage_domain_of(engine, add_provider(engine, stack)))
        yield domains[0], cinder


def cinder_api(action: str) -> None:
    subprocess.run([str(STACK_BIN / "cinder-api"), action], check=True, capture_output=True, timeout=120)


def test_disks_stay_locked_while_cinder_is_away_and_finish_when_it_is_back(
    engine: Engine, stack: Stack, domain: tuple[str, Any]
) -> None:
    storage_domain_id, cinder = domain
    coordinator = engine_state(engine.app).coordinator
    poller = engine_state(engine.app).poller
    poller.stop()  # the creates stay pending (unpolled) until Cinder's API is away: the poller is quick
    ids = []
    for number in range(3):
        body = disk_body(storage_domain_id, GiB, stack.volume_type_rbd, alias=f"away{number}")
        answer = engine.request("POST", "/api/disks", json=body)
        assert answer.status_code == 201, answer.json
        ids.append(answer.json["id"])
    cinder_api("stop")
    poller.start()
    try:
        errors_before = coordinator.stats.errors
        deadline = time.monotonic() + 30
        while coordinator.stats.errors < errors_before + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert coordinator.stats.errors >= errors_before + 2  # polls failed, and were retried
        disks = engine_disks(engine, storage_domain_id)
        assert {d.status for d in disks.values()} == {"locked"}  # never illegal for a network error
        with engine_state(engine.app).session_factory() as session:
            commands = session.scalars(select(Command).where(Command.entity_id.in_(ids))).all()
            assert {c.state for c in commands} == {"pending"}
            assert all("Cinder" in (c.last_error or "") or c.last_error for c in commands)
        refused = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB))
        assert refused.status_code == 502, refused.json  # a new disk is refused, naming Cinder's URL
        assert stack.cinder_url.split("/v3")[0] in refused.json["message"]
    finally:
        cinder_api("start")
    for disk_id in ids:
        wait_for_disk(engine, disk_id, "ok", timeout=60)
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def engine_process(engine: Engine, *options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The same engine (state directory and database) in a process of its own."""
    config = engine_state(engine.app).config
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.engine_process", str(config.state_dir), config.database_url, str(port), *options],
        cwd=REPO_ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/api/openapi.json", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def wait_http_disk(url: str, disk_id: str, wanted: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(f"{url}/api/disks/{disk_id}", auth=ADMIN, timeout=10)
        if answer.status_code == 200 and answer.json()["status"]["state"] == wanted:
            disk: dict[str, Any] = answer.json()
            return disk
        if time.monotonic() > deadline:
            raise AssertionError(f"disk {disk_id}: {answer.status_code} {answer.text[:300]}, not {wanted}")
        time.sleep(0.2)


def test_an_engine_killed_after_cinder_created_the_volume_finds_it_again(
    engine: Engine, stack: Stack, domain: tuple[str, Any]
) -> None:
    storage_domain_id, cinder = domain
    engine_state(engine.app).poller.stop()  # only the engine process works on the commands
    body = disk_body(storage_domain_id, GiB, stack.volume_type_rbd)
    with engine_process(engine, "--die-after-create") as (process, url):
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{url}/api/disks", json=body, auth=ADMIN, timeout=60)
        assert process.wait(10) == -9
    with engine_state(engine.app).session_factory() as session:
        (command,) = session.scalars(select(Command)).all()
        assert command.state == "sending"  # sent to Cinder, not recorded
        request_id = command.request_id
    assert engine_disks(engine, storage_domain_id) == {}
    (volume,) = cinder_volumes(cinder, storage_domain_id).values()
    assert volume.metadata["ovirt_request_id"] == request_id

    with engine_process(engine) as (_, url):
        disk = wait_http_disk(url, volume.id, "ok")  # the disk is the volume Cinder made before
    assert disk["id"] == volume.id
    assert set(cinder_volumes(cinder, storage_domain_id)) == {volume.id}  # not created twice
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)


def test_an_engine_killed_while_a_create_is_pending_resumes_it(
    engine: Engine, stack: Stack, domain: tuple[str, Any]
) -> None:
    storage_domain_id, cinder = domain
    engine_state(engine.app).poller.stop()
    with engine_process(engine) as (process, url):
        answer = requests.post(
            f"{url}/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_rbd), auth=ADMIN, timeout=60
        )
        assert answer.status_code == 201, answer.text
        process.kill()
    disk_id = answer.json()["id"]
    assert engine_disks(engine, storage_domain_id)[disk_id].status == "locked"
    with engine_process(engine) as (_, url):
        wait_http_disk(url, disk_id, "ok")
    assert set(cinder_volumes(cinder, storage_domain_id)) == {disk_id}
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)
