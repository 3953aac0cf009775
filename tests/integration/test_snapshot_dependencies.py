"""What depends on what in Cinder, on the real stack (rbd volumes, SQLite and PostgreSQL): every
Cinder volume and snapshot listed after a commit, after a snapshot's removal, after the VM's
removal and after the disks' removal — nothing leaked, nothing left in an error state; a
snapshot a cloned VM's volumes were made from is refused removal with a 409 naming them; a VM's
removal takes its disks (or, ``detach_only``, leaves them), and a disk Cinder refuses to delete
stays ``illegal`` with Cinder's reason while the rest goes."""

from __future__ import annotations

from typing import Any

from tests.ceph import image_parent, open_pool
from tests.engine import Engine, assert_valid_xml
from tests.integration.test_snapshots import (
    DOMAIN_KEY,
    XML,
    active_volumes,
    pattern,
    read,
    take_snapshot,
    vm_with_disks,
    wait_for_vm_unlocked,
)
from tests.stack import Stack
from tests.waiting import wait_until, wait_until_gone

__all__ = ["vm_with_disks"]  # the fixture, shared


def in_cinder(cinder: Any, domain_id: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The domain's Cinder objects: {volume id: status}, {snapshot id: (volume id, status)}."""
    search = {"metadata": {DOMAIN_KEY: domain_id}}
    volumes = {v.id: v.status for v in cinder.volumes.list(detailed=True, search_opts=search)}
    snapshots = {s.id: (s.volume_id, s.status) for s in cinder.volume_snapshots.list(search_opts=search)}
    for status in [*volumes.values(), *(s for _, s in snapshots.values())]:
        assert not status.startswith("error"), (volumes, snapshots)
    return volumes, snapshots


def settled(cinder: Any, domain_id: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The domain's Cinder objects once nothing is being deleted."""
    found: list[tuple[dict[str, str], dict[str, tuple[str, str]]]] = []

    def quiet() -> bool:
        found[:] = [in_cinder(cinder, domain_id)]
        volumes, snapshots = found[0]
        return "deleting" not in {*volumes.values(), *(s for _, s in snapshots.values())}

    wait_until(quiet, "Cinder keeps deleting")
    return found[0]


def test_after_a_commit_and_the_vms_removal_every_cinder_object_is_accounted_for(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    originals = [d["id"] for d in disks]
    s1 = take_snapshot(engine, stack, vm, disks, "s1", "s1")
    take_snapshot(engine, stack, vm, disks, "s2", "s2")
    _, snapshots = in_cinder(cinder, domain_id)
    assert len(snapshots) == 4
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                          json={"snapshot": {"id": s1["id"]}}).status_code == 200  # fmt: skip
    previews = active_volumes(engine, disks)
    committed = engine.request("POST", f"/api/vms/{vm['id']}/commit_snapshot", json={}, headers=XML)
    assert committed.status_code == 200, committed.data
    assert assert_valid_xml(committed.data).findtext("status/state") == "complete"

    # s2 is gone from Cinder; s1's snapshots stay (the disks' volumes are their children), and so
    # do the volumes they copy, hidden: no disk runs on them
    s1_parts = {p["image_id"] for p in engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{s1['id']}/disks").json}
    volumes, snapshots = settled(cinder, domain_id)
    assert set(volumes) == {*originals, *previews}
    assert {volume for volume, _ in snapshots.values()} == set(originals) == s1_parts
    assert len(snapshots) == 2
    assert [d["image_id"] for d in engine.request("GET", f"/api/vms/{vm['id']}/disks").json] != originals

    # removing s1 takes it from the VM; Cinder keeps its snapshots for the volumes made from them
    removed = engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{s1['id']}")
    assert removed.status_code == 204, removed.json
    assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json] == ["active"]
    assert settled(cinder, domain_id) == (volumes, snapshots)
    take_snapshot(engine, stack, vm, disks, "s3", "s3")  # a snapshot of the committed volumes
    assert len(in_cinder(cinder, domain_id)[1]) == 4

    # the VM goes, its snapshots first; its disks stay (detach_only), on their committed volumes
    removing = engine.request("DELETE", f"/api/vms/{vm['id']};async?detach_only=true")
    assert removing.status_code == 202, removing.json  # the job deleting its snapshots in Cinder
    assert engine.request("GET", f"/api/vms/{vm['id']}").status_code == 404
    wait_until(lambda: engine.request("GET", removing.json["href"]).json["status"]["state"] == "finished",
               "the VM's snapshots are not removed")  # fmt: skip
    assert settled(cinder, domain_id)[1] == snapshots  # s3's are gone, s1's stay
    assert set(settled(cinder, domain_id)[0]) == {*originals, *previews}
    for disk, volume in zip(disks, previews, strict=True):
        assert engine.request("GET", f"/api/disks/{disk['id']}").json["image_id"] == volume
        assert read(stack, volume, 64) == pattern("s3", disk)

    # the disks go, children first: their volumes, s1's snapshots, the volumes s1 copied
    for disk in disks:
        answer = engine.request("DELETE", f"/api/disks/{disk['id']}")
        assert answer.status_code == 204, answer.json
        assert engine.request("GET", f"/api/disks/{disk['id']}").status_code == 404
    assert settled(cinder, domain_id) == ({}, {})


def test_a_snapshot_that_a_cloned_vm_depends_on_stays_until_the_clone_is_gone(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "source", "source")
    cluster = {"data_center": {"id": engine.data_center_id}}
    clone = engine.request("POST", "/api/vms", json={"name": "clone", "cluster": cluster,
                                                     "snapshots": {"snapshot": [{"id": snapshot["id"]}]}})  # fmt: skip
    assert clone.status_code == 201, clone.json
    copies = engine.request("GET", f"/api/vms/{clone.json['id']}/disks").json
    wait_until(lambda: all(engine.request("GET", f"/api/disks/{c['id']}").json["status"]["state"] == "ok"
                           for c in copies), "the clone's disks stay locked")  # fmt: skip

    refused = engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}", headers=XML)
    assert refused.status_code == 409
    message = assert_valid_xml(refused.data).findtext("detail") or ""
    assert "is the source of disk" in message, message
    assert "VM clone" in message, message
    _, before = in_cinder(cinder, domain_id)
    assert len(before) == 2
    assert {s for _, s in before.values()} == {"available"}

    assert engine.request("DELETE", f"/api/vms/{vm['id']}/disks/{disks[0]['id']}").status_code in {200, 204}
    refused_disk = engine.request("DELETE", f"/api/disks/{disks[0]['id']}")
    assert refused_disk.status_code == 409
    assert "was made from one of its snapshots" in refused_disk.json["message"]
    assert engine.request("GET", f"/api/disks/{disks[0]['id']}").json["status"]["state"] == "ok"
    assert engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disks[0]["id"]}).status_code == 201

    # the source VM may go, not its disks: its snapshot's Cinder snapshots stay, hidden, while
    # the clone lives
    wait_for_vm_unlocked(engine, vm["id"])
    with_disks = engine.request("DELETE", f"/api/vms/{vm['id']}")
    assert with_disks.status_code == 409
    assert "was made from one of its snapshots" in with_disks.json["message"]
    assert engine.request("GET", f"/api/vms/{vm['id']}").status_code == 200  # nothing was written
    detach_only = "<action><vm><disks><detach_only>true</detach_only></disks></vm></action>"
    as_xml = {**XML, "Content-Type": "application/xml"}
    assert engine.request("DELETE", f"/api/vms/{vm['id']}", data=detach_only, headers=as_xml).status_code == 204
    assert settled(cinder, domain_id)[1] == before
    with open_pool(stack) as ioctx:
        for copy in copies:
            assert image_parent(ioctx, f"volume-{copy['id']}") is not None
    # the clone goes with its disks: nothing needs the snapshots any more, and they go too
    assert engine.request("DELETE", f"/api/vms/{clone.json['id']}").status_code == 204
    for copy in copies:
        assert engine.request("GET", f"/api/disks/{copy['id']}").status_code == 404
    wait_until(lambda: settled(cinder, domain_id)[1] == {}, "the hidden snapshots stay in Cinder")
    volumes, _ = settled(cinder, domain_id)
    assert set(volumes) == {d["id"] for d in disks}  # the source's disks, detached, stay


def test_removing_a_vm_or_a_detached_disk_removes_their_snapshots_in_cinder(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    snapshot = take_snapshot(engine, stack, vm, disks, "one", "one")
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot",
                          json={"snapshot": {"id": snapshot["id"]}}).status_code == 200  # fmt: skip
    refused = engine.request("DELETE", f"/api/vms/{vm['id']}")
    assert refused.status_code == 409
    assert "preview" in refused.json["message"]
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 200
    take_snapshot(engine, stack, vm, disks, "two", "two")

    # a detached disk with snapshots: its Cinder snapshots go before its volume, in one request
    assert engine.request("DELETE", f"/api/vms/{vm['id']}/disks/{disks[1]['id']}").status_code in {200, 204}
    removed = engine.request("DELETE", f"/api/disks/{disks[1]['id']}")
    assert removed.status_code == 204, removed.json
    volumes, snapshots = settled(cinder, domain_id)
    assert set(volumes) == {disks[0]["id"]}
    assert {volume for volume, _ in snapshots.values()} == {disks[0]["id"]}
    assert len(snapshots) == 2
    parts = {
        s["description"]: [
            p["id"] for p in engine.request("GET", f"/api/vms/{vm['id']}/snapshots/{s['id']}/disks").json
        ]
        for s in engine.request("GET", f"/api/vms/{vm['id']}/snapshots").json
        if s["type"] == "regular"
    }
    assert parts == {"one": [disks[0]["id"]], "two": [disks[0]["id"]]}

    # the VM: its snapshots and its disk go in Cinder before the answer
    assert engine.request("DELETE", f"/api/vms/{vm['id']}").status_code == 204
    assert engine.request("GET", f"/api/disks/{disks[0]['id']}").status_code == 404
    assert settled(cinder, domain_id) == ({}, {})


def test_a_disk_cinder_refuses_to_delete_stays_illegal_and_the_rest_of_the_vm_goes(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    take_snapshot(engine, stack, vm, disks, "one", "one")
    outside = cinder.volume_snapshots.create(disks[1]["id"], force=True, name="made outside the engine")
    wait_until(lambda: cinder.volume_snapshots.get(outside.id).status == "available", "the outside snapshot")
    try:
        removed = engine.request("DELETE", f"/api/vms/{vm['id']}")
        assert removed.status_code == 204, removed.json
        assert engine.request("GET", f"/api/vms/{vm['id']}").status_code == 404  # the VM is gone at once
        assert engine.request("GET", f"/api/disks/{disks[0]['id']}").status_code == 404
        kept = engine.request("GET", f"/api/disks/{disks[1]['id']}").json
        assert kept["status"]["state"] == "illegal"
        assert "snapshots" in kept["status"]["detail"], kept  # Cinder's reason
        volumes, snapshots = settled(cinder, domain_id)
        assert set(volumes) == {disks[1]["id"]}
        assert snapshots == {}  # the engine's snapshots of both disks went first
        assert cinder.volume_snapshots.get(outside.id).status == "available"  # not the engine's
    finally:
        cinder.volume_snapshots.delete(outside.id)
        wait_until_gone(cinder.volume_snapshots.get, outside.id)
    again = engine.request("DELETE", f"/api/disks/{disks[1]['id']}")  # removable again
    assert again.status_code == 204, again.json
    assert settled(cinder, domain_id) == ({}, {})
