"""Keeping the engine in step with Cinder, and watching a Cinder domain, on the real stack:
a registered disk whose volume is deleted straight in Cinder becomes illegal with the reason, a
volume extended in Cinder gives its disk its size, a volume an administrator puts in error makes
its disk illegal and ok again once it is available; with Cinder's API stopped the domain goes
inactive and refuses new disks (409), and once it is back it is active and the pending create
finishes; the capacity is Cinder's pool statistics (the stack's provider is an administrator)
and committed is the sum of the engine's disks.

The engines here run the monitor on short periods (``MonitorSettings``) so that a reconciliation
and an outage are seen in seconds."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ovirt_engine_host.config import MonitorSettings
from ovirt_engine_host.state import engine_state
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, assert_valid_xml, build_engine, postgres_database, stop_engine
from tests.integration.test_unregistered_disks import make_volume, outside
from tests.stack import STACK_BIN, Stack
from tests.waiting import wait_for_status, wait_until, wait_until_gone

__all__ = ["outside"]  # the fixture, shared with the unregistered disks' tests

QUICK = MonitorSettings(status_interval=0.5, sync_interval=1.0, inactive_after=3.0, lease_seconds=30.0)


@contextmanager
def monitored_engine(tmp_path: Path, stack: Stack, database_url: str) -> Iterator[tuple[Engine, str, Any]]:
    """An engine monitoring on short periods, a provider on the stack's Cinder, and an admin
    Cinder client; the domain's volumes are deleted afterwards."""
    engine = build_engine(tmp_path, database_url, poll=True, monitor=QUICK)
    domains: list[str] = []
    try:
        with volumes_cleaned(stack, domains) as cinder:
            domains.append(storage_domain_of(engine, add_provider(engine, stack)))
            yield engine, domains[0], cinder
    finally:
        stop_engine(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def monitored(request: pytest.FixtureRequest, tmp_path: Path, stack: Stack) -> Iterator[tuple[Engine, str, Any]]:
    """On SQLite and on the stack's PostgreSQL (the reconciliation's conditional updates)."""
    if request.param == "sqlite":
        with monitored_engine(tmp_path, stack, "") as found:
            yield found
        return
    with (
        postgres_database(stack.env["OVIRT_STACK_POSTGRES_URL"]) as url,
        monitored_engine(tmp_path, stack, url) as found,
    ):
        yield found


@pytest.fixture
def monitored_sqlite(tmp_path: Path, stack: Stack) -> Iterator[tuple[Engine, str, Any]]:
    with monitored_engine(tmp_path, stack, "") as found:
        yield found


def disk_of(engine: Engine, disk_id: str) -> dict[str, Any]:
    answer = engine.request("GET", f"/api/disks/{disk_id}")
    assert answer.status_code == 200, answer.json
    found: dict[str, Any] = answer.json
    return found


def domain_of(engine: Engine, domain_id: str) -> dict[str, Any]:
    answer = engine.request("GET", f"/api/storagedomains/{domain_id}")
    assert answer.status_code == 200, answer.json
    found: dict[str, Any] = answer.json
    return found


def test_outside_changes_in_cinder_reach_the_disks(
    monitored: tuple[Engine, str, Any], stack: Stack, outside: tuple[Any, list[str]]
) -> None:
    engine, domain_id, cinder = monitored
    _, made = outside
    registered = make_volume(cinder, made, stack.volume_type_rbd)
    answer = engine.request("POST", f"/api/storagedomains/{domain_id}/disks/{registered.id}/register", json={})
    assert answer.status_code == 200, answer.json
    grown = wait_for_disk(engine, engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB)).json["id"], "ok")
    failing = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, alias="failing")).json["id"]
    wait_for_disk(engine, failing, "ok")

    cinder.volumes.delete(registered.id)
    wait_until_gone(cinder.volumes.get, registered.id)
    cinder.volumes.extend(grown["id"], 2)
    wait_for_status(cinder.volumes.get, grown["id"], "available")
    cinder.volumes.reset_state(failing, "error")

    wait_until(lambda: disk_of(engine, registered.id)["status"]["state"] == "illegal", "the deleted volume's disk")
    gone = disk_of(engine, registered.id)
    assert gone["status"]["detail"] == f"volume {registered.id} no longer exists in Cinder"
    wait_until(lambda: disk_of(engine, grown["id"])["provisioned_size"] == 2 * GiB, "the extended volume's size")
    assert disk_of(engine, grown["id"])["status"]["state"] == "ok"
    wait_until(lambda: disk_of(engine, failing)["status"]["state"] == "illegal", "the failed volume's disk")
    assert (
        disk_of(engine, failing)["status"]["detail"]
        == f"volume {failing} is error in Cinder: Cinder reports the volume error"
    )

    cinder.volumes.reset_state(failing, "available")
    wait_until(lambda: disk_of(engine, failing)["status"]["state"] == "ok", "the disk of the volume fine again")
    assert disk_of(engine, registered.id)["status"]["state"] == "illegal", "nothing brings a vanished volume back"
    assert engine.request("GET", f"/api/disks/{registered.id}").status_code == 200, "reconciliation deletes nothing"


def cinder_api(action: str) -> None:
    subprocess.run([str(STACK_BIN / "cinder-api"), action], check=True, capture_output=True, timeout=120)


def pool_totals(cinder: Any) -> tuple[float, float]:
    """(total, free) GiB over Cinder's pools that report numbers, as an administrator reads them."""
    sizes = []
    for pool in cinder.pools.list(detailed=True):
        try:
            sizes.append((float(pool.total_capacity_gb), float(pool.free_capacity_gb)))
        except (TypeError, ValueError):  # a fake backend's "infinite"
            continue
    return sum(total for total, _ in sizes), sum(free for _, free in sizes)


def test_a_domain_whose_cinder_is_away_goes_inactive_and_back(
    monitored_sqlite: tuple[Engine, str, Any], stack: Stack
) -> None:
    engine, domain_id, cinder = monitored_sqlite
    first = wait_for_disk(engine, engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB)).json["id"], "ok")
    wait_until(lambda: "available" in domain_of(engine, domain_id), "the domain's capacity")
    shown = domain_of(engine, domain_id)
    assert shown["status"]["state"] == "active"
    assert shown["status"]["detail"].startswith("capacity_source=pool_statistics; ")
    total, _ = pool_totals(cinder)
    assert abs((shown["available"] + shown["used"]) / GiB - total) < 0.5, (shown, total)
    assert shown["committed"] == first["provisioned_size"]
    xml = assert_valid_xml(
        engine.request("GET", f"/api/storagedomains/{domain_id}", headers={"Accept": "application/xml"}).data
    )
    assert xml.findtext("committed") == str(GiB)

    state = engine_state(engine.app)
    state.poller.stop()  # the create below stays pending until Cinder's API is away
    pending = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd, alias="p"))
    assert pending.status_code == 201, pending.json
    cinder_api("stop")
    try:
        state.poller.start()  # and the monitor with it
        wait_until(lambda: domain_of(engine, domain_id)["status"]["state"] == "inactive", "an inactive domain", 60)
        detail = domain_of(engine, domain_id)["status"]["detail"]
        assert "cannot reach Cinder" in detail, detail
        refused = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, alias="refused"))
        assert refused.status_code == 409, refused.json
        assert "is inactive" in refused.json["message"]
        assert disk_of(engine, pending.json["id"])["status"]["state"] == "locked"
    finally:
        cinder_api("start")
    wait_until(lambda: domain_of(engine, domain_id)["status"]["state"] == "active", "the domain active again", 60)
    wait_for_disk(engine, pending.json["id"], "ok", timeout=60)
    assert domain_of(engine, domain_id)["committed"] == 2 * GiB
