"""VM snapshots of Cinder disks on the real stack (rbd volumes, SQLite and PostgreSQL), proven on
the data: patterns written into the RBD images as client.cinder, read back after a snapshot, a
preview, a custom preview and an undo; RBD parents of the preview volumes; the Cinder objects
made and removed; XML against api.xsd."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import rbd
import requests
from sqlalchemy import select

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_engine_host.db.models import Command, Snapshot
from ovirt_engine_host.state import engine_state
from tests.ceph import image_parent, open_pool
from tests.disks import (
    GiB,
    add_provider,
    cinder_volumes,
    counting_cinder_requests,
    disk_body,
    storage_domain_of,
    volumes_cleaned,
    wait_for_disk,
)
from tests.engine import ADMIN, Engine, assert_valid_xml
from tests.integration.test_disk_faults import cinder_api, engine_process
from tests.keystone import project_member
from tests.stack import Stack

XML = {"Accept": "application/xml"}
DOMAIN_KEY = "ovirt_storage_domain"


@pytest.fixture
def vm_with_disks(engine: Engine, stack: Stack) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], Any, str]]:
    """A down VM with two 1 GiB rbd disks: (vm, disks, an admin Cinder client, the domain id)."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        domains.append(storage_domain_of(engine, add_provider(engine, stack)))
        disks = []
        for alias in ("first", "second"):
            added = engine.request(
                "POST", "/api/disks", json=disk_body(domains[0], GiB, stack.volume_type_rbd, alias=alias)
            )
            assert added.status_code == 201, added.json
            disks.append(added.json)
        disks = [wait_for_disk(engine, d["id"], "ok") for d in disks]
        vm = engine.request(
            "POST", "/api/vms", json={"name": "snap-vm", "cluster": {"data_center": {"id": engine.data_center_id}}}
        ).json
        for disk in disks:
            attached = engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk["id"]})
            assert attached.status_code == 201, attached.json
        yield vm, disks, cinder, domains[0]
        delete_children_first(cinder, domains[0])


def delete_children_first(cinder: Any, domain_id: str, timeout: float = 180) -> None:
    """Delete the domain's Cinder snapshots and the volumes made from them, children first (a
    volume made from a snapshot may have snapshots of its own: a restore of a restore); the
    disks' own volumes are left to the cleaner."""
    search = {"metadata": {DOMAIN_KEY: domain_id}}
    deadline = time.monotonic() + timeout
    while True:
        made = [v for v in cinder.volumes.list(detailed=True, search_opts=search) if getattr(v, "snapshot_id", None)]
        snapshots = cinder.volume_snapshots.list(search_opts=search)
        if not made and not snapshots:
            return
        assert time.monotonic() < deadline, f"left in Cinder: {made} {snapshots}"
        sources = {v.snapshot_id for v in made}
        copied = {s.volume_id for s in snapshots}
        for volume in made:
            if volume.id not in copied and volume.status != "deleting":
                cinder.volumes.delete(volume)
        for snapshot in snapshots:
            if snapshot.id not in sources and snapshot.status != "deleting":
                cinder.volume_snapshots.delete(snapshot)
        time.sleep(1)


def with_third_disk(engine: Engine, stack: Stack, vm: Any, disks: list[Any], domain_id: str) -> list[Any]:
    """The fixture's two disks and a third 1 GiB rbd disk, ``ok`` and attached to the VM."""
    third = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd, alias="third"))
    added = wait_for_disk(engine, third.json["id"], "ok")
    assert engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": added["id"]}).status_code == 201
    return [*disks, added]


def write(stack: Stack, volume_id: str, data: bytes) -> None:
    with open_pool(stack) as ioctx, rbd.Image(ioctx, f"volume-{volume_id}") as image:
        image.write(data, 0)


def read(stack: Stack, volume_id: str, length: int) -> bytes:
    with open_pool(stack) as ioctx, rbd.Image(ioctx, f"volume-{volume_id}", read_only=True) as image:
        return bytes(image.read(0, length))


def wait_for_snapshot(engine: Engine, vm_id: str, snapshot_id: str, wanted: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        answer = engine.request("GET", f"/api/vms/{vm_id}/snapshots/{snapshot_id}")
        if answer.status_code == 200 and answer.json["snapshot_status"] == wanted:
            return answer.json
        assert time.monotonic() < deadline, f"snapshot {snapshot_id}: {answer.json}, not {wanted}"
        time.sleep(0.2)


def wait_for_vm_unlocked(engine: Engine, vm_id: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while (vm := engine.request("GET", f"/api/vms/{vm_id}").json)["status"]["state"] == "image_locked":
        assert time.monotonic() < deadline, "the VM stays image_locked"
        time.sleep(0.2)
    return vm


def take_snapshot(engine: Engine, stack: Stack, vm: Any, disks: list[Any], description: str, written: str) -> Any:
    """``written``'s pattern in every disk (its active volume), then a snapshot of them, ``ok``
    and the VM unlocked."""
    for disk, volume in zip(disks, active_volumes(engine, disks), strict=True):
        write(stack, volume, pattern(written, disk))
    answer = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": description})
    assert answer.status_code == 201, answer.json
    snapshot = wait_for_snapshot(engine, vm["id"], answer.json["id"], "ok")
    wait_for_vm_unlocked(engine, vm["id"])
    return snapshot


def active_volumes(engine: Engine, disks: list[dict[str, Any]]) -> list[str]:
    return [engine.request("GET", f"/api/disks/{d['id']}").json["image_id"] for d in disks]


def pattern(name: str, disk: dict[str, Any]) -> bytes:
    return f"{name}:{disk['alias']}".encode().ljust(64, b".")


def test_snapshot_preview_and_undo_read_back_the_right_bytes(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    originals = active_volumes(engine, disks)
    assert originals == [d["id"] for d in disks]  # a disk runs on the volume it was created with
    for disk in disks:
        write(stack, disk["id"], pattern("before", disk))

    taken = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "s1"})
    assert taken.status_code == 201, taken.json
    assert taken.json["snapshot_status"] == "locked"
    snapshot = wait_for_snapshot(engine, vm["id"], taken.json["id"], "ok")
    wait_for_vm_unlocked(engine, vm["id"])
    listed = engine.request("GET", f"/api/vms/{vm['id']}/snapshots")
    assert [(s["type"], s["description"]) for s in listed.json] == [("active", "Active VM"), ("regular", "s1")]
    assert_valid_xml(engine.request("GET", f"/api/vms/{vm['id']}/snapshots", headers=XML).data)
    in_cinder = cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}})
    assert sorted(s.volume_id for s in in_cinder) == sorted(originals)  # one Cinder snapshot per disk
    parts = engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}/disks").json
    assert sorted(p["id"] for p in parts) == sorted(d["id"] for d in disks)

    for disk in disks:
        write(stack, disk["id"], pattern("after", disk))

    previewed = engine.request(
        "POST", f"/api/vms/{vm['id']}/preview_snapshot", json={"snapshot": {"id": snapshot["id"]}}
    )
    assert previewed.status_code == 200, previewed.json
    assert_valid_xml(engine.request("GET", f"/api/vms/{vm['id']}/snapshots", headers=XML).data)
    previews = active_volumes(engine, disks)
    assert set(previews).isdisjoint(originals)  # each disk runs on a new volume, its id unchanged
    snapshot_of = {s.volume_id: s.id for s in in_cinder}
    with open_pool(stack) as ioctx:
        for disk, preview, original in zip(disks, previews, originals, strict=True):
            assert read(stack, preview, 64) == pattern("before", disk)  # the snapshot's bytes
            parent = image_parent(ioctx, f"volume-{preview}")
            assert parent == (stack.ceph_pool, f"volume-{original}", f"snapshot-{snapshot_of[original]}")
    states = {
        s["description"]: (s["type"], s["snapshot_status"])
        for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json
    }
    assert states == {"Active VM": ("active", "ok"), "s1": ("regular", "in_preview"),
                      "Active VM before the preview": ("preview", "ok")}  # fmt: skip
    refused = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "s2"})
    assert refused.status_code == 409

    undone = engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={})
    assert undone.status_code == 200, undone.json
    assert active_volumes(engine, disks) == originals
    for disk in disks:
        assert read(stack, disk["id"], 64) == pattern("after", disk)
    volumes = {v.id for v in cinder.volumes.list(detailed=True, search_opts={"metadata": {DOMAIN_KEY: domain_id}})
               if v.status != "deleting"}  # fmt: skip
    assert volumes == set(originals)  # the preview volumes are gone
    after_undo = {
        s["description"]: s["snapshot_status"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json
    }
    assert after_undo == {"Active VM": "ok", "s1": "ok"}

    removed = engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}")
    assert removed.status_code == 204, removed.json
    assert cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}}) == []
    assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json] == ["active"]


def test_a_custom_preview_reads_each_disks_own_snapshot(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, _, _ = vm_with_disks
    first, second = disks
    taken = []
    for name in ("one", "two"):
        for disk in disks:
            write(stack, disk["id"], pattern(name, disk))
        answer = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": name})
        assert answer.status_code == 201, answer.json
        taken.append(wait_for_snapshot(engine, vm["id"], answer.json["id"], "ok"))
        wait_for_vm_unlocked(engine, vm["id"])
    custom = (f"<action><disks><disk id='{first['id']}'><snapshot id='{taken[0]['id']}'/></disk>"
              f"<disk id='{second['id']}'><snapshot id='{taken[1]['id']}'/></disk></disks></action>")  # fmt: skip
    as_xml = {**XML, "Content-Type": "application/xml"}  # the seed's XML body, and an Action answer
    previewed = engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot", data=custom, headers=as_xml)
    assert previewed.status_code == 200, previewed.data
    assert assert_valid_xml(previewed.data).findtext("status/state") == "complete"
    first_volume, second_volume = active_volumes(engine, disks)
    assert read(stack, first_volume, 64) == pattern("one", first)
    assert read(stack, second_volume, 64) == pattern("two", second)
    undone = engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", data="<action/>", headers=as_xml)
    assert undone.status_code == 200, undone.data
    assert assert_valid_xml(undone.data).findtext("status/state") == "complete"
    assert active_volumes(engine, disks) == [first["id"], second["id"]]
    for snapshot in taken:
        assert engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}").status_code == 204


def test_bad_snapshot_requests_are_refused_and_write_nothing(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    for body, status, start in [
        ({}, 422, "description"),
        ({"description": "x", "disks": {"disk": [{"id": "not-a-disk-of-the-vm"}]}}, 400, "disks: "),
    ]:
        answer = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json=body)
        assert answer.status_code == status, answer.json
        assert answer.json["message"].startswith(start)
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot", json={}).status_code == 422
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 409
    assert cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}}) == []
    assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json] == ["active"]
    only_first = {"description": "only the first", "disks": {"disk": [{"id": disks[0]["id"]}]}}
    subset = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json=only_first)
    assert subset.status_code == 201, subset.json
    wait_for_snapshot(engine, vm["id"], subset.json["id"], "ok")
    parts = engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{subset.json['id']}/disks").json
    assert [p["id"] for p in parts] == [disks[0]["id"]]
    wait_for_vm_unlocked(engine, vm["id"])
    removing = engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{subset.json['id']};async", headers=XML)
    assert removing.status_code == 202, removing.data  # oVirt's ;async: the job, not the wait
    job = assert_valid_xml(removing.data)
    assert removing.headers["Location"] == job.get("href")
    deadline = time.monotonic() + 60
    while engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{subset.json['id']}").status_code != 404:
        assert time.monotonic() < deadline, "the snapshot is still there"
        time.sleep(0.2)
    assert engine.request("GET", removing.headers["Location"]).json["status"]["state"] == "finished"
    assert cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}}) == []


def test_commit_keeps_the_preview_and_removes_later_snapshots(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    taken = {}
    for name in ("s1", "s2"):
        for disk in disks:
            write(stack, disk["id"], pattern(name, disk))
        answer = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": name})
        taken[name] = wait_for_snapshot(engine, vm["id"], answer.json["id"], "ok")
        wait_for_vm_unlocked(engine, vm["id"])
    for disk in disks:
        write(stack, disk["id"], pattern("latest", disk))
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                          json={"snapshot": {"id": taken["s1"]["id"]}}).status_code == 200  # fmt: skip
    previews = active_volumes(engine, disks)
    committed = engine.request("POST", f"/api/vms/{vm['id']}/commit_snapshot", json={})
    assert committed.status_code == 200, committed.json
    assert active_volumes(engine, disks) == previews  # the disks keep the preview volumes for good
    for disk, volume in zip(disks, previews, strict=True):
        assert read(stack, volume, 64) == pattern("s1", disk)
    listed = {
        s["description"]: (s["type"], s["snapshot_status"])
        for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json
    }
    assert listed == {"Active VM": ("active", "ok"), "s1": ("regular", "ok")}  # s2, after s1, is gone
    left = cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}})
    s1_parts = engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{taken['s1']['id']}/disks").json
    assert sorted(s.volume_id for s in left) == sorted(p["image_id"] for p in s1_parts)  # only s1's remain
    # the volumes the disks ran on before stay in Cinder, hidden: s1 is a snapshot of them and the
    # preview volumes (now the disks' own) are its copy-on-write children
    with open_pool(stack) as ioctx:
        for volume in previews:
            parent = image_parent(ioctx, f"volume-{volume}")
            assert parent is not None
            assert parent[1] in {f"volume-{d['id']}" for d in disks}
    write(stack, previews[0], pattern("written after the commit", disks[0]))
    assert read(stack, previews[0], 64) == pattern("written after the commit", disks[0])


def test_a_snapshot_beyond_the_snapshots_quota_is_refused_before_anything_is_sent(engine: Engine, stack: Stack) -> None:
    admin = connect(stack.admin_credentials).client
    with project_member(stack) as credentials:
        member = connect(credentials).client
        project_id = str(member.client.get_project_id())
        admin.quotas.update(project_id, volumes=4, gigabytes=10, snapshots=1)
        domains: list[str] = []
        try:
            with volumes_cleaned(stack, domains):
                login = {"username": credentials.username, "password": credentials.password}
                provider = add_provider(engine, stack, name="member", tenant_name=credentials.project_name, **login)
                domains.append(storage_domain_of(engine, provider))
                disks = []
                for alias in ("q1", "q2"):
                    body = disk_body(domains[0], GiB, stack.volume_type_rbd, alias=alias)
                    disks.append(
                        wait_for_disk(engine, engine.request("POST", "/api/disks", json=body).json["id"], "ok")
                    )
                cluster = {"data_center": {"id": engine.data_center_id}}
                vm = engine.request("POST", "/api/vms", json={"name": "quota-vm", "cluster": cluster}).json
                for disk in disks:
                    engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk["id"]})
                refused = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "two"})
                assert refused.status_code == 409, refused.json
                assert refused.json["message"] == (
                    f"snapshots: the quota of project {project_id} allows 1 snapshot; "
                    "0 snapshots are in use and this request adds 2 snapshots"
                )
                assert member.volume_snapshots.list() == []
                assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json] == ["active"]
                assert engine.request("GET", f"/api/vms/{vm['id']}").json["status"]["state"] == "down"  # not locked
        finally:
            admin.quotas.delete(project_id)


def test_a_vm_cloned_from_a_snapshot_reads_the_snapshot_and_stays_apart(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, _, _ = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "to clone", "at the snapshot")
    cluster = {"data_center": {"id": engine.data_center_id}}
    body = f"<vm><name>cloned</name><cluster><data_center id='{engine.data_center_id}'/></cluster>" \
           f"<snapshots><snapshot id='{snapshot['id']}'/></snapshots></vm>"  # fmt: skip
    cloned = engine.request("POST", "/api/vms", data=body.encode(), headers={**XML, "Content-Type": "application/xml"})
    assert cloned.status_code == 201, cloned.data
    clone_id = str(assert_valid_xml(cloned.data).get("id"))
    copies = engine.request("GET", f"/api/vms/{clone_id}/disks").json
    assert sorted(c["alias"] for c in copies) == sorted(d["alias"] for d in disks)
    assert not {c["id"] for c in copies} & {d["id"] for d in disks}
    copies = [wait_for_disk(engine, c["id"], "ok") for c in copies]
    by_alias = {d["alias"]: d for d in disks}
    for disk in disks:
        write(stack, disk["id"], pattern("after the clone", disk))  # later writes to the source ...
    with open_pool(stack) as ioctx:
        for copy in copies:
            source = by_alias[copy["alias"]]
            assert read(stack, copy["id"], 64) == pattern("at the snapshot", source)  # ... do not reach the clone
            parent = image_parent(ioctx, f"volume-{copy['id']}")
            assert parent is not None
            assert parent[1] == f"volume-{source['id']}"
    assert engine.request("GET", f"/api/vms/{vm['id']}/disks").json[0]["image_id"] in {d["id"] for d in disks}
    refused = engine.request("POST", "/api/vms", json={"name": "x", "cluster": cluster,
                                                       "snapshots": {"snapshot": [{"id": "nope"}]}})  # fmt: skip
    assert refused.status_code == 400
    assert refused.json["message"] == "snapshots: no snapshot with id 'nope'"
    assert [v["name"] for v in engine.request("GET", "/api/vms").json] == ["cloned", "snap-vm"]


def test_an_engine_killed_in_a_three_disk_snapshot_ends_with_one_cinder_snapshot_per_disk(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    disks = with_third_disk(engine, stack, vm, disks, domain_id)
    engine_state(engine.app).poller.stop()  # only the engine process works on the commands
    with engine_process(engine, "--die-after-snapshots", "2") as (process, url):
        with pytest.raises(requests.ConnectionError):  # the request's own process dies under it
            requests.post(f"{url}/api/vms/{vm['id']}/snapshots", json={"description": "killed"}, auth=ADMIN, timeout=60)
        assert process.wait(60) == -9  # killed after Cinder took the second snapshot
    with engine_state(engine.app).session_factory() as session:
        states = sorted(c.state for c in session.scalars(select(Command).where(Command.kind == "create_snapshot")))
        (snapshot_id,) = session.scalars(select(Snapshot.id).where(Snapshot.vm_id == vm["id"])).all()
    assert states.count("sending") == 2  # the second (Cinder has it, no handle) and the third (never sent)
    with engine_process(engine) as (_, url):
        deadline = time.monotonic() + 120
        while requests.get(f"{url}/api/vms/{vm['id']}/snapshots/{snapshot_id}", auth=ADMIN,
                           timeout=10).json()["snapshot_status"] != "ok":  # fmt: skip
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert requests.get(f"{url}/api/vms/{vm['id']}", auth=ADMIN, timeout=10).json()["status"]["state"] == "down"
    made = cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}})
    assert sorted(s.volume_id for s in made) == sorted(d["id"] for d in disks)  # exactly one per disk
    assert {s.status for s in made} == {"available"}


def test_restore_is_a_preview_and_a_commit_in_one_job(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, _, _ = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "r", "restored")
    for disk in disks:
        write(stack, disk["id"], pattern("lost", disk))
    restored = engine.request("POST", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}/restore", json={},
                              headers={"Accept": "application/xml"})  # fmt: skip
    assert restored.status_code == 200, restored.data
    assert assert_valid_xml(restored.data).findtext("status/state") == "complete"
    volumes = active_volumes(engine, disks)
    assert set(volumes).isdisjoint(d["id"] for d in disks)
    for disk, volume in zip(disks, volumes, strict=True):
        assert read(stack, volume, 64) == pattern("restored", disk)
    listed = {
        s["description"]: s["snapshot_status"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json
    }
    assert listed == {"Active VM": "ok", "r": "ok"}
    jobs = [j for j in engine.request("GET", "/api/jobs").json if vm["name"] in j["description"]]
    restoring = [j for j in jobs if j["description"].startswith("Restoring")]
    assert [j["status"]["state"] for j in restoring] == ["finished"]  # one job: the preview and its commit
    assert not [j for j in jobs if j["description"].startswith("Previewing")]
    steps = engine.request("GET", f"{restoring[0]['href']}/steps").json
    assert [s["status"]["state"] for s in steps if s["type"] == "executing"] == ["finished"] * len(disks)  # per disk
    # asynchronously, in the seed's XML: 202 with the job; the VM is image_locked until it ends
    later = take_snapshot(engine, stack, vm, disks, "r2", "second")
    body = b"<action><async>true</async></action>"
    started = engine.request("POST", f"/api/vms/{vm['id']}/snapshots/{later['id']}/restore", data=body,
                             headers={**XML, "Content-Type": "application/xml"})  # fmt: skip
    assert started.status_code in {200, 202}, started.data
    assert_valid_xml(started.data)
    wait_for_vm_unlocked(engine, vm["id"])
    for disk, volume in zip(disks, active_volumes(engine, disks), strict=True):
        assert read(stack, volume, 64) == pattern("second", disk)


def test_while_a_snapshot_is_taken_the_vm_refuses_every_other_operation_and_one_list_polls_it(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    spare = wait_for_disk(
        engine,
        engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd, alias="spare")).json[
            "id"
        ],
        "ok",
    )
    state = engine_state(engine.app)
    state.poller.stop()  # the snapshot's Cinder calls are made in the request; its polls wait
    try:
        taken = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "held"})
        assert taken.status_code == 201, taken.json
        assert taken.json["snapshot_status"] == "locked"
        assert engine.request("GET", f"/api/vms/{vm['id']}").json["status"]["state"] == "image_locked"
        vm_path, first = f"/api/vms/{vm['id']}", disks[0]["id"]
        refused = {
            "another snapshot": ("POST", f"{vm_path}/snapshots", {"description": "second"}),
            "a preview": ("POST", f"{vm_path}/preview_snapshot", {"snapshot": {"id": taken.json["id"]}}),
            "a start": ("POST", f"{vm_path}/start", {}),
            "an attachment": ("POST", f"{vm_path}/disks", {"id": spare["id"]}),
            "a new disk": ("POST", f"{vm_path}/disks", disk_body(domain_id, GiB, stack.volume_type_fake, alias="new")),
            "a detachment": ("DELETE", f"{vm_path}/disks/{first}", None),
            "a deactivation": ("POST", f"{vm_path}/disks/{first}/deactivate", {}),
            "an extend": ("PUT", f"/api/disks/{first}", {"provisioned_size": 2 * GiB}),
            "an alias change": ("PUT", f"/api/disks/{first}", {"alias": "renamed"}),
            "a template": ("POST", "/api/templates", {"name": "held-template", "vm": {"id": vm["id"]}}),
            "a clone": ("POST", f"{vm_path}/clone", {"vm": {"name": "held-clone"}}),
            "the VM's removal": ("DELETE", vm_path, None),
            "the snapshot's removal": ("DELETE", f"{vm_path}/snapshots/{taken.json['id']}", None),
        }
        for what, (method, path, body) in refused.items():
            answer = engine.request(method, path, json=body) if body is not None else engine.request(method, path)
            assert answer.status_code == 409, (what, answer.status_code, answer.data)
            assert "image_locked" in answer.json["message"], (what, answer.json)
        # nothing was written: the same disks, sizes, aliases, one snapshot, no template, no clone
        attached = engine.request("GET", f"{vm_path}/disks").json
        assert sorted(d["id"] for d in attached) == sorted(d["id"] for d in disks)
        assert {d["alias"]: d["provisioned_size"] for d in attached} == {"first": GiB, "second": GiB}
        assert all(d["active"] for d in attached)
        assert [s["description"] for s in engine.request("GET", f"{vm_path}/snapshots").json] == ["Active VM", "held"]
        assert [t["name"] for t in engine.request("GET", "/api/templates").json] == ["Blank"]
        assert [v["name"] for v in engine.request("GET", "/api/vms").json] == ["snap-vm"]
        every_disk = {d["id"] for d in engine.request("GET", "/api/disks").json}
        assert every_disk == {d["id"] for d in disks} | {spare["id"]}  # no new disk, in the engine...
        assert set(cinder_volumes(cinder, domain_id)) == every_disk  # ...nor in Cinder
        made = cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}})
        assert sorted(s.volume_id for s in made) == sorted(d["id"] for d in disks)
        # one poll cycle answers for both disks' snapshots with one snapshot list, no volume list
        time.sleep(state.config.poller.initial_delay)
        deadline = time.monotonic() + 60
        while True:
            with counting_cinder_requests(mentioning=domain_id) as served:
                polled = state.coordinator.run_cycle()
            requests_made = served()
            assert polled in {0, 2}, polled  # both pending parts, in one cycle
            assert requests_made == (["GET /snapshots/detail"] if polled else []), requests_made
            if engine.request("GET", f"{vm_path}/snapshots/{taken.json['id']}").json["snapshot_status"] == "ok":
                break
            assert time.monotonic() < deadline, "Cinder never made the snapshots available"
            time.sleep(0.3)
    finally:
        state.poller.start()
    assert wait_for_vm_unlocked(engine, vm["id"])["status"]["state"] == "down"
    assert {s.status for s in cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: domain_id}})} == {
        "available"
    }


def test_one_cycle_polls_a_preview_and_a_snapshot_with_one_volume_list_and_one_snapshot_list(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, _, domain_id = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "to preview", "previewed")
    other_disk = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd, alias="o"))
    other_disk_id = wait_for_disk(engine, other_disk.json["id"], "ok")["id"]
    cluster = {"data_center": {"id": engine.data_center_id}}
    other = engine.request("POST", "/api/vms", json={"name": "other-vm", "cluster": cluster}).json
    assert engine.request("POST", f"/api/vms/{other['id']}/disks", json={"id": other_disk_id}).status_code == 201
    state = engine_state(engine.app)
    state.poller.stop()
    try:
        previewing = engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                                    json={"snapshot": {"id": snapshot["id"]}, "async": True})  # fmt: skip
        assert previewing.status_code == 202, previewing.json
        taken = engine.request("POST", f"/api/vms/{other['id']}/snapshots", json={"description": "meanwhile"})
        assert taken.status_code == 201, taken.json
        time.sleep(state.config.poller.initial_delay)
        with counting_cinder_requests(mentioning=domain_id) as served:
            assert state.coordinator.run_cycle() == 3  # two preview volumes, one snapshot
        assert sorted(served()) == ["GET /snapshots/detail", "GET /volumes/detail"]
    finally:
        state.poller.start()
    wait_for_vm_unlocked(engine, vm["id"])
    wait_for_vm_unlocked(engine, other["id"])
    for disk, volume in zip(disks, active_volumes(engine, disks), strict=True):
        assert read(stack, volume, 64) == pattern("previewed", disk)
    assert wait_for_snapshot(engine, other["id"], taken.json["id"], "ok")
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 200


def test_a_preview_waits_while_cinder_is_away_and_completes_when_it_is_back(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, _, _ = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "away", "kept")
    poller = engine_state(engine.app).poller
    poller.stop()  # the preview's commands wait, unstarted, until Cinder's API is gone
    started = engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                             json={"snapshot": {"id": snapshot["id"]}, "async": True})  # fmt: skip
    assert started.status_code == 202, started.json
    cinder_api("stop")
    try:
        poller.start()
        time.sleep(3)  # starts fail and are retried: nothing fails for a network error
        assert engine.request("GET", f"/api/vms/{vm['id']}").json["status"]["state"] == "image_locked"
        job = engine.request("GET", started.json["job"]["href"]).json
        assert job["status"]["state"] == "started"
        assert active_volumes(engine, disks) == [d["id"] for d in disks]
    finally:
        cinder_api("start")
    wait_for_vm_unlocked(engine, vm["id"], timeout=120)
    previews = active_volumes(engine, disks)
    assert set(previews).isdisjoint(d["id"] for d in disks)
    for disk, volume in zip(disks, previews, strict=True):
        assert read(stack, volume, 64) == pattern("kept", disk)
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 200


def test_a_disk_cinder_refuses_undoes_the_other_disks_of_a_snapshot_and_of_a_preview(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    disks = with_third_disk(engine, stack, vm, disks, domain_id)
    attached = [d["id"] for d in engine.request("GET", f"/api/vms/{vm['id']}/disks").json]
    search = {"metadata": {DOMAIN_KEY: domain_id}}

    # a snapshot: Cinder refuses the middle disk's (its volume in error), the others' are undone
    broken = attached[1]
    cinder.volumes.reset_state(broken, "error")
    try:
        taken = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "half"})
        assert taken.status_code == 201, taken.json
        wait_for_vm_unlocked(engine, vm["id"])
    finally:
        cinder.volumes.reset_state(broken, "available")
    assert engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{taken.json['id']}").status_code == 404
    assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json] == ["active"]
    failed = [
        j for j in engine.request("GET", "/api/jobs").json if j["description"].startswith("Creating VM Snapshot half")
    ]
    assert [j["status"]["state"] for j in failed] == ["failed"], failed
    deadline = time.monotonic() + 60
    while cinder.volume_snapshots.list(search_opts=search):  # the two it made are deleted again
        assert time.monotonic() < deadline, cinder.volume_snapshots.list(search_opts=search)
        time.sleep(0.5)

    # a preview: the middle disk's snapshot is in error in Cinder, the other disks' preview
    # volumes are deleted again and the VM stays on its own volumes
    snapshot = take_snapshot(engine, stack, vm, disks, "whole", "at the snapshot")
    for disk in disks:
        write(stack, disk["id"], pattern("after", disk))
    parts = {s.volume_id: s for s in cinder.volume_snapshots.list(search_opts=search)}
    cinder.volume_snapshots.reset_state(parts[broken], "error")
    try:
        previewed = engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                                   json={"snapshot": {"id": snapshot["id"]}})  # fmt: skip
        assert previewed.status_code == 409, previewed.json  # the preview's job failed: why
        assert previewed.json["message"].startswith(f"Previewing snapshots of VM {vm['name']} failed"), previewed.json
    finally:
        cinder.volume_snapshots.reset_state(parts[broken], "available")
    wait_for_vm_unlocked(engine, vm["id"])
    assert active_volumes(engine, disks) == [d["id"] for d in disks]
    for disk in disks:
        assert read(stack, disk["id"], 64) == pattern("after", disk)
    states = {s["description"]: (s["type"], s["snapshot_status"])
              for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json}  # fmt: skip
    assert states == {"Active VM": ("active", "ok"), "whole": ("regular", "ok")}  # no preview left
    deadline = time.monotonic() + 60
    while made := [v.id for v in cinder.volumes.list(search_opts=search) if getattr(v, "snapshot_id", None)]:
        assert time.monotonic() < deadline, f"preview volumes left: {made}"
        time.sleep(0.5)
    assert {s.status for s in cinder.volume_snapshots.list(search_opts=search)} == {"available"}
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                          json={"snapshot": {"id": snapshot["id"]}}).status_code == 200  # fmt: skip
    for disk, volume in zip(disks, active_volumes(engine, disks), strict=True):
        assert read(stack, volume, 64) == pattern("at the snapshot", disk)
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 200
