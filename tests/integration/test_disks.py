"""Cinder disks through the engine's REST API on the stack's real Cinder and Ceph, on SQLite and
PostgreSQL: every operation, the poller's batches, bad input, and Cinder's refusals and errors.
Every case compares the engine's rows with what Cinder holds.

The plugin's hooks exercised here, through the engine: ``ovirt_engine_check_quota`` (before every
create and extend), ``ovirt_engine_create_disk``, ``ovirt_engine_extend_disk``,
``ovirt_engine_delete_disk`` and ``ovirt_engine_poll_operations`` (the batched poll)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_engine_host.state import engine_state
from tests.ceph import image_names, image_size, open_pool
from tests.disks import (
    GiB,
    add_provider,
    assert_engine_matches_cinder,
    cinder_volumes,
    counting_cinder_requests,
    disk_body,
    engine_disks,
    storage_domain_of,
    volumes_cleaned,
    wait_for_disk,
    wait_for_disk_gone,
)
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack
from tests.waiting import wait_for_status, wait_until_gone

XML = {"Accept": "application/xml"}


@pytest.fixture
def domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, Any]]:
    """A provider on the stack's Cinder: (its storage domain id, an admin Cinder client); the
    volumes tagged with the domain are deleted afterwards."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        domains.append(storage_domain_of(engine, add_provider(engine, stack)))
        yield domains[0], cinder


def test_rbd_disk_add_extend_remove(engine: Engine, stack: Stack, domain: tuple[str, Any]) -> None:
    storage_domain_id, cinder = domain
    added = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_rbd))
    assert added.status_code == 201, added.json
    disk = added.json
    assert disk["status"]["state"] == "locked"
    volume = cinder.volumes.get(disk["id"])  # the disk's id is its volume's id
    assert volume.metadata["ovirt_storage_domain"] == storage_domain_id
    disk = wait_for_disk(engine, disk["id"], "ok")
    assert disk["provisioned_size"] == disk["actual_size"] == GiB
    with open_pool(stack) as pool:
        assert image_size(pool, f"volume-{disk['id']}") == GiB
    document = assert_valid_xml(engine.request("GET", disk["href"], headers=XML).data)
    assert document.findtext("status/state") == "ok"
    assert document.findtext("provisioned_size") == str(GiB)
    assert_valid_xml(engine.request("GET", "/api/disks", headers=XML).data)

    extended = engine.request("PUT", disk["href"], json={"provisioned_size": 2 * GiB, "alias": "bigger"})
    assert extended.status_code == 200, extended.json
    assert extended.json["status"]["state"] == "locked"
    assert extended.json["alias"] == "bigger"
    disk = wait_for_disk(engine, disk["id"], "ok")
    assert disk["provisioned_size"] == 2 * GiB
    with open_pool(stack) as pool:
        assert image_size(pool, f"volume-{disk['id']}") == 2 * GiB
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)

    jobs = engine.request("GET", "/api/jobs").json
    descriptions = {job["description"]: job for job in jobs}
    assert descriptions["Adding Disk disk1"]["status"]["state"] == "finished"
    steps = engine.request("GET", f"/api/jobs/{descriptions['Adding Disk disk1']['id']}/steps").json
    assert [s["type"] for s in steps] == ["validating", "executing"]
    assert all(s["status"]["state"] == "finished" for s in steps)
    assert_valid_xml(engine.request("GET", "/api/jobs", headers=XML).data)

    removed = engine.request("DELETE", disk["href"])  # synchronous: answers once the volume is gone
    assert removed.status_code == 204, removed.data
    assert engine.request("GET", disk["href"]).status_code == 404
    with open_pool(stack) as pool:
        assert f"volume-{disk['id']}" not in image_names(pool)
    assert cinder_volumes(cinder, storage_domain_id) == {}


def test_many_disks_on_the_storage_less_backend(engine: Engine, stack: Stack, domain: tuple[str, Any]) -> None:
    storage_domain_id, cinder = domain
    state = engine_state(engine.app)
    state.poller.stop()  # so that all the creates are pending when one cycle polls them
    path = f"/api/storagedomains/{storage_domain_id}/disks"
    ids = []
    for number in range(12):
        body = disk_body(storage_domain_id, GiB, stack.volume_type_fake, alias=f"bulk{number}")
        del body["storage_domains"]
        answer = engine.request("POST", path, json=body)
        assert answer.status_code == 201, answer.json
        ids.append(answer.json["id"])
    assert {d["id"] for d in engine.request("GET", path).json} == set(ids)
    time.sleep(state.config.poller.initial_delay)
    with counting_cinder_requests(mentioning=storage_domain_id) as requests:
        assert state.coordinator.run_cycle() == len(ids)
    assert state.coordinator.stats.poll_calls == 1
    assert state.coordinator.stats.operations_polled == len(ids)
    assert requests() == ["GET /volumes/detail"]  # one list request for twelve operations
    state.poller.start()
    for disk_id in ids:
        wait_for_disk(engine, disk_id, "ok")
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)

    for disk_id in ids:
        accepted = engine.request("DELETE", f"/api/disks/{disk_id};async")
        assert accepted.status_code == 202, accepted.data
        assert accepted.headers["Location"].startswith("/api/jobs")
    job = engine.request("GET", accepted.headers["Location"], headers=XML)
    assert_valid_xml(job.data)
    accepted_xml = engine.request("DELETE", f"/api/disks/{uuid.uuid4()}?async=true", headers=XML)
    assert accepted_xml.status_code == 404
    for disk_id in ids:
        wait_for_disk_gone(engine, disk_id)
    assert engine_disks(engine, storage_domain_id) == {}
    assert cinder_volumes(cinder, storage_domain_id) == {}


def test_bad_disks_are_refused_and_nothing_is_created(engine: Engine, stack: Stack, domain: tuple[str, Any]) -> None:
    storage_domain_id, cinder = domain
    cases = [
        (disk_body(storage_domain_id, 1_500_000_000), 400, "provisioned_size: Cinder volumes are sized in whole GiB"),
        (disk_body(storage_domain_id, GiB, format="cow"), 422, "format"),
        (disk_body(storage_domain_id, GiB, shareable=True), 422, "shareable"),
        (disk_body(storage_domain_id, GiB, interface="floppy"), 422, "interface"),
        (disk_body(storage_domain_id, GiB, "no-such-type"), 400, "openstack_volume_type"),
        (disk_body(str(uuid.uuid4()), GiB), 400, "storage_domain"),
        ({"provisioned_size": GiB}, 422, "storage_domain"),
        (disk_body(storage_domain_id, -1), 422, "provisioned_size"),
    ]
    for body, status, message in cases:
        answer = engine.request("POST", "/api/disks", json=body)
        assert answer.status_code == status, (body, answer.json)
        assert message in answer.json["message"], answer.json
    xml = engine.request(
        "POST",
        "/api/disks",
        data="<disk><provisioned_size>12345</provisioned_size><storage_domains>"
        f"<storage_domain id='{storage_domain_id}'/></storage_domains></disk>",
        headers={"Content-Type": "application/xml", "Accept": "application/xml"},
    )
    assert xml.status_code == 400
    assert "provisioned_size" in (assert_valid_xml(xml.data).findtext("detail") or "")
    assert engine_disks(engine, storage_domain_id) == {}
    assert cinder_volumes(cinder, storage_domain_id) == {}

    disk = wait_for_disk(engine, add_ok(engine, storage_domain_id, stack.volume_type_fake), "ok")
    shrink = engine.request("PUT", disk["href"], json={"provisioned_size": GiB // 2})
    assert shrink.status_code == 400
    assert "provisioned_size" in shrink.json["message"]
    assert engine.request("PUT", disk["href"], json={"provisioned_size": GiB + 1}).status_code == 400
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)


def add_ok(engine: Engine, storage_domain_id: str, volume_type: str) -> str:
    answer = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, volume_type))
    assert answer.status_code == 201, answer.json
    return str(answer.json["id"])


def test_removing_a_disk_with_snapshots_is_refused_with_cinders_reason(
    engine: Engine, stack: Stack, domain: tuple[str, Any]
) -> None:
    storage_domain_id, cinder = domain
    disk = wait_for_disk(engine, add_ok(engine, storage_domain_id, stack.volume_type_fake), "ok")
    snapshot = cinder.volume_snapshots.create(disk["id"], name="made-outside-the-engine")
    wait_for_status(cinder.volume_snapshots.get, snapshot.id, "available")
    refused = engine.request("DELETE", disk["href"])
    assert refused.status_code == 409, refused.json
    assert "snapshot" in refused.json["message"].lower()
    assert engine.request("GET", disk["href"]).json["status"]["state"] == "ok"
    assert_engine_matches_cinder(engine, cinder, storage_domain_id)
    cinder.volume_snapshots.delete(snapshot)
    wait_until_gone(cinder.volume_snapshots.get, snapshot.id)
    assert engine.request("DELETE", disk["href"]).status_code == 204
    assert cinder_volumes(cinder, storage_domain_id) == {}


def test_a_volume_cinder_cannot_place_makes_the_disk_illegal_with_the_reason(
    engine: Engine, stack: Stack, domain: tuple[str, Any]
) -> None:
    storage_domain_id, cinder = domain
    nowhere = cinder.volume_types.create(f"nowhere-{uuid.uuid4().hex[:8]}")
    try:
        nowhere.set_keys({"volume_backend_name": "nowhere"})
        disk = wait_for_disk(engine, add_ok(engine, storage_domain_id, nowhere.name), "illegal")
        assert disk["status"]["detail"], disk
        assert cinder.volumes.get(disk["id"]).status == "error"
        assert_engine_matches_cinder(engine, cinder, storage_domain_id)
        job = next(j for j in engine.request("GET", "/api/jobs").json if j["description"] == "Adding Disk disk1")
        assert job["status"]["state"] == "failed"
        assert job["status"]["detail"] == disk["status"]["detail"]
        assert engine.request("DELETE", disk["href"]).status_code == 204  # an error volume can be removed
        assert cinder_volumes(cinder, storage_domain_id) == {}
    finally:
        cinder.volume_types.delete(nowhere)


def test_a_provider_with_disks_is_removed_only_by_force(engine: Engine, stack: Stack, domain: tuple[str, Any]) -> None:
    storage_domain_id, cinder = domain
    disk = wait_for_disk(engine, add_ok(engine, storage_domain_id, stack.volume_type_fake), "ok")
    (provider,) = engine.request("GET", "/api/openstackvolumeproviders").json
    refused = engine.request("DELETE", provider["href"])
    assert refused.status_code == 409
    assert "1 disk" in refused.json["message"]
    assert engine.request("DELETE", provider["href"], query_string={"force": "true"}).status_code == 204
    assert engine.request("GET", disk["href"]).status_code == 404
    assert engine_disks(engine, storage_domain_id) == {}
    assert set(cinder_volumes(cinder, storage_domain_id)) == {disk["id"]}  # force forgets; the volume stays
