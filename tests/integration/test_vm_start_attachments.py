"""A multi-disk VM start on the real stack, where the Cinder attachments are made concurrently:
when one of them fails (a volume Cinder refuses to attach), every attachment the others made is
released, as Cinder shows (no attachment left on any volume, every volume ``available``); the VM
is down with Cinder's reason and the disks stay ``ok``. Then the same VM starts (libvirt's test
driver: no QEMU) with every disk attached, and stops with every attachment gone."""

from __future__ import annotations

from typing import Any

from tests.ceph import cephx_key
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine
from tests.stack import Stack

DISKS = 4


def attachments_of(cinder: Any, volume_ids: list[str]) -> dict[str, list[str]]:
    return {v: [a.id for a in cinder.attachments.list(search_opts={"volume_id": v})] for v in volume_ids}


def test_a_failed_preparation_releases_every_attachment_of_the_start(engine: Engine, stack: Stack) -> None:
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        provider = add_provider(engine, stack)
        domains.append(storage_domain_of(engine, provider))
        key = {"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph", "value": cephx_key(stack)}
        assert engine.request("POST", f"{provider['href']}/authenticationkeys", json=key).status_code == 201
        cluster = {"data_center": {"id": engine.data_center_id}}
        host = engine.request(
            "POST", "/api/hosts",
            json={"name": "host1", "address": "127.0.0.1", "protocol": "test:///default", "cluster": cluster},
        ).json  # fmt: skip
        assert engine.request("POST", f"{host['href']}/activate", json={}).status_code == 200
        vm = engine.request("POST", "/api/vms", json={"name": "vm1", "cluster": cluster}).json
        volume_ids = []
        for number in range(DISKS):
            body = disk_body(domains[0], GiB, stack.volume_type_rbd, alias=f"d{number}")
            disk = wait_for_disk(engine, engine.request("POST", "/api/disks", json=body).json["id"], "ok")
            attached = engine.request("POST", f"{vm['href']}/disks", json={"id": disk["id"]})
            assert attached.status_code == 201, attached.json
            volume_ids.append(disk["id"])

        broken = volume_ids[2]
        cinder.volumes.reset_state(broken, "error")  # Cinder refuses to attach it
        try:
            refused = engine.request("POST", f"{vm['href']}/start", json={"host": {"id": host["id"]}})
            assert 400 <= refused.status_code < 600, refused.json
            assert attachments_of(cinder, volume_ids) == {v: [] for v in volume_ids}  # all released
            statuses = {v: cinder.volumes.get(v).status for v in volume_ids}
            assert statuses == {v: "error" if v == broken else "available" for v in volume_ids}
            answer = engine.request("GET", vm["href"]).json
            assert answer["status"]["state"] == "down"
            assert answer["stop_reason"]
            for volume_id in volume_ids:
                assert engine.request("GET", f"/api/disks/{volume_id}").json["status"]["state"] == "ok"
        finally:
            cinder.volumes.reset_state(broken, "available")

        started = engine.request("POST", f"{vm['href']}/start", json={"host": {"id": host["id"]}})
        assert started.status_code == 200, started.json
        assert all(len(found) == 1 for found in attachments_of(cinder, volume_ids).values())
        assert {cinder.volumes.get(v).status for v in volume_ids} == {"in-use"}
        assert engine.request("POST", f"{vm['href']}/stop", json={}).status_code == 200
        assert attachments_of(cinder, volume_ids) == {v: [] for v in volume_ids}
        assert {cinder.volumes.get(v).status for v in volume_ids} == {"available"}
        assert engine.request("DELETE", vm["href"]).status_code == 204
        assert engine.request("POST", f"{host['href']}/deactivate").status_code == 200
