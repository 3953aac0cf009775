"""Snapshots and QEMU, end to end on the real stack: a live snapshot of a running VM (Cinder takes
it of the in-use volume, crash consistent: no guest agent is asked to freeze anything) reads back
the bytes the image held, and a VM started in a preview has QEMU on the preview volume (Ceph's
watcher is on the preview image, none on the disk's own)."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_vm_on_cinder_disks import add_ok_disk, setup, watchers  # noqa: F401 - the fixture
from tests.engine import Engine
from tests.integration.test_snapshots import (
    DOMAIN_KEY,
    active_volumes,
    read,
    wait_for_snapshot,
    wait_for_vm_unlocked,
    write,
)
from tests.stack import Stack


def test_a_live_snapshot_and_a_start_in_preview(engine: Engine, stack: Stack, setup: dict[str, Any]) -> None:  # noqa: F811
    vm, cinder = setup["vm"], setup["cinder"]
    assert engine.request("POST", f"{setup['host']['href']}/activate", json={}).status_code == 200
    disk = add_ok_disk(engine, stack, setup["domain"], "live")
    write(stack, disk["id"], b"live-one".ljust(64, b"."))
    attached = engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk["id"], "interface": "virtio_scsi"})
    assert attached.status_code == 201, attached.json
    assert engine.request("POST", f"/api/vms/{vm['id']}/start", json={}).status_code == 200
    assert watchers(stack, disk["id"])  # QEMU has the image open

    taken = engine.request("POST", f"/api/vms/{vm['id']}/snapshots", json={"description": "live"})
    assert taken.status_code == 201, taken.json
    snapshot = wait_for_snapshot(engine, vm["id"], taken.json["id"], "ok")
    assert wait_for_vm_unlocked(engine, vm["id"])["status"]["state"] == "up"  # it kept running
    (made,) = cinder.volume_snapshots.list(search_opts={"metadata": {DOMAIN_KEY: setup["domain"]}})
    assert made.volume_id == disk["id"]
    chosen = {"snapshot": {"id": snapshot["id"]}}
    assert engine.request("POST", f"/api/vms/{vm['id']}/preview_snapshot", json=chosen).status_code == 409  # it runs
    assert engine.request("POST", f"/api/vms/{vm['id']}/stop", json={}).status_code == 200

    write(stack, disk["id"], b"live-two".ljust(64, b"."))
    previewed = engine.request(
        "POST", f"/api/vms/{vm['id']}/preview_snapshot", json={"snapshot": {"id": snapshot["id"]}}
    )
    assert previewed.status_code == 200, previewed.json
    (preview,) = active_volumes(engine, [disk])
    assert read(stack, preview, 64) == b"live-one".ljust(64, b".")  # the live snapshot's bytes
    assert engine.request("POST", f"/api/vms/{vm['id']}/start", json={}).status_code == 200
    assert watchers(stack, preview)  # QEMU opened the preview volume ...
    assert not watchers(stack, disk["id"])  # ... and not the disk's own
    assert engine.request("POST", f"/api/vms/{vm['id']}/stop", json={}).status_code == 200
    assert engine.request("POST", f"/api/vms/{vm['id']}/undo_snapshot", json={}).status_code == 200
    assert active_volumes(engine, [disk]) == [disk["id"]]
    assert read(stack, disk["id"], 64) == b"live-two".ljust(64, b".")
    assert engine.request("DELETE", f"/api/vms/{vm['id']}/snapshots/{snapshot['id']}").status_code == 204
