"""The engine knows no backend: a second storage plugin that lives in the tests (``filestore``:
raw image files in a directory), installed through an entry point of its own, serves add, extend,
remove, attach and a real VM start on the stack's libvirtd (QEMU opens its file), with its own
storage-domain type, disk rules, REST resource and hook scripts — and no change to the engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ovirt_engine_host.hostagent.agent import HostAgent
from ovirt_engine_host.hostagent.domain import live_disk
from ovirt_engine_host.state import engine_state
from tests.disks import wait_for_disk, wait_for_disk_gone
from tests.engine import Engine, assert_valid_xml, build_engine, stop_engine
from tests.filestore.install import installed
from tests.stack import Stack

MiB = 1024**2
XML = {"Accept": "application/xml"}


@pytest.fixture
def files_engine(tmp_path: Path, stack: Stack) -> Iterator[Engine]:
    with installed(tmp_path / "site"):
        engine = build_engine(tmp_path / "engine", "", poll=True)
        try:
            yield engine
        finally:
            stop_engine(engine)


def add_disk(engine: Engine, **body: object) -> dict[str, Any]:
    base = {"alias": "file-disk", "provisioned_size": 16 * MiB,
            "storage_domains": {"storage_domain": [{"name": "files"}]}}  # fmt: skip
    answer = engine.request("POST", "/api/disks", json={**base, **body})
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def test_a_second_plugin_serves_disks_and_vms_with_no_engine_change(
    files_engine: Engine, stack: Stack, tmp_path: Path
) -> None:
    engine = files_engine
    assert "filestore" in engine_state(engine.app).hooks.plugin_names()  # found through its entry point
    assert "/api/filestores" in engine.request("GET", "/api/openapi.json").json["paths"]  # its own REST resource
    images = tmp_path / "images"
    domain = engine.request(
        "POST",
        "/api/filestores",
        json={"name": "files", "path": str(images), "data_center": {"id": engine.data_center_id}},
    )
    assert domain.status_code == 201, domain.json
    shown = assert_valid_xml(engine.request("GET", f"/api/storagedomains/{domain.json['id']}", headers=XML).data)
    assert (shown.findtext("type"), shown.findtext("storage/type")) == ("data", "localfs")

    # the plugin's rules, in its words, checked before anything is written
    on_files = {"storage_domains": {"storage_domain": [{"name": "files"}]}}
    odd = engine.request("POST", "/api/disks", json={"provisioned_size": 3 * MiB // 2, **on_files})
    assert odd.status_code == 400
    assert odd.json["message"].startswith("provisioned_size: filestore images are sized in whole MiB")
    typed_body = {"provisioned_size": MiB, "openstack_volume_type": {"name": "rbd"}, **on_files}
    typed = engine.request("POST", "/api/disks", json=typed_body)
    assert typed.status_code == 400
    assert typed.json["message"] == "openstack_volume_type: localfs disks take no openstack_volume_type"
    assert list(images.iterdir()) == []

    disk = add_disk(engine)
    disk = wait_for_disk(engine, str(disk["id"]), "ok")
    image = images / f"{disk['id']}.img"
    assert image.stat().st_size == 16 * MiB
    assert (disk["storage_type"], disk["image_id"]) == ("localfs", disk["id"])
    extended = engine.request("PUT", f"/api/disks/{disk['id']}", json={"provisioned_size": 32 * MiB})
    assert extended.status_code == 200, extended.json
    wait_for_disk(engine, str(disk["id"]), "ok")
    assert image.stat().st_size == 32 * MiB
    image.write_bytes(b"filestore!" + bytes(32 * MiB - 10))  # what the guest will see first

    cluster = {"data_center": {"id": engine.data_center_id}}
    host_body = {"name": "files-host", "address": "127.0.0.1", "protocol": stack.libvirt_uri, "cluster": cluster}
    host = engine.request("POST", "/api/hosts", json=host_body)
    assert host.status_code == 201, host.json
    assert engine.request("POST", f"/api/hosts/{host.json['id']}/activate", json={}).status_code == 200
    vm = engine.request("POST", "/api/vms", json={"name": f"files-vm-{disk['id'][:8]}", "memory": 64 * MiB,
                        "cluster": {"data_center": {"id": engine.data_center_id}}})  # fmt: skip
    assert vm.status_code == 201, vm.json
    attached = engine.request("POST", f"/api/vms/{vm.json['id']}/disks", json={"id": disk["id"], "bootable": True})
    assert attached.status_code == 201, attached.json
    started = engine.request("POST", f"/api/vms/{vm.json['id']}/start", json={})
    assert started.status_code == 200, started.json
    try:
        agent = HostAgent(stack.libvirt_uri)
        element = live_disk(agent.live_xml(vm.json["id"]), str(disk["id"]))
        assert element is not None
        source = element.find("source")
        assert source is not None
        assert source.get("file") == str(image)  # the plugin's hook script wrote it
        assert agent.block_size(vm.json["id"], str(disk["id"])) == 32 * MiB  # QEMU opened the file
    finally:
        assert engine.request("POST", f"/api/vms/{vm.json['id']}/stop", json={}).status_code == 200
    assert engine.request("DELETE", f"/api/vms/{vm.json['id']}").status_code == 204  # its disk with it
    wait_for_disk_gone(engine, str(disk["id"]))
    assert not image.exists()
    assert engine.request("POST", f"/api/hosts/{host.json['id']}/deactivate", json={}).status_code == 200
