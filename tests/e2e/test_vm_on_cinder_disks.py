"""End to end on the real stack: REST → Cinder → Ceph → libvirt secrets → VDSM hooks → QEMU.

A host on the stack's libvirtd (qemu:///system) is activated, which registers the provider's
cephx key as a private, ephemeral libvirt secret; a VM with a Cinder disk starts, and QEMU (TCG)
has the RBD image open through cephx: Ceph lists QEMU as a watcher of the image and libvirt's
block info tells the volume's size. A second disk is hot-plugged and unplugged, the VM stopped,
and both volumes are ``available`` again. With a wrong cephx key the start fails with libvirt's
reason, the VM stays down and the disk ``ok``.

Plugin hooks exercised here: ``ovirt_engine_host_secrets``, ``ovirt_engine_prepare_disk``,
``ovirt_engine_release_disk``.
"""

from __future__ import annotations

import base64
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
import rbd
from lxml import etree

from ovirt_engine_host.hostagent.agent import HostAgent
from ovirt_engine_host.hostagent.domain import live_disk
from tests.ceph import cephx_key, open_pool
from tests.disks import (
    GiB,
    add_provider,
    disk_body,
    storage_domain_of,
    volumes_cleaned,
    wait_for_disk,
)
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack

XML = {"Accept": "application/xml"}
WRONG_KEY = base64.b64encode(bytes(range(28))).decode()


@pytest.fixture
def setup(engine: Engine, stack: Stack) -> Iterator[dict[str, Any]]:
    """A provider with the cephx key under Cinder's rbd_secret_uuid, an active host on the
    stack's libvirtd, and a VM; everything removed afterwards (the VM stopped first)."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        provider = add_provider(engine, stack)
        domains.append(storage_domain_of(engine, provider))
        key = engine.request(
            "POST",
            f"{provider['href']}/authenticationkeys",
            json={"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph", "value": cephx_key(stack)},
        )
        assert key.status_code == 201, key.json
        host = engine.request(
            "POST",
            "/api/hosts",
            json={
                "name": "host1",
                "address": "127.0.0.1",
                "protocol": stack.libvirt_uri,
                "cluster": {"data_center": {"id": engine.data_center_id}},
            },
        )
        assert host.status_code == 201, host.json
        vm = engine.request(
            "POST",
            "/api/vms",
            json={"name": "vm1", "memory": 64 * 1024**2, "cluster": {"data_center": {"name": "dc1"}}},
        )
        assert vm.status_code == 201, vm.json
        found = {"cinder": cinder, "domain": domains[0], "provider": provider, "key": key.json, "host": host.json}
        found["vm"] = vm.json
        try:
            yield found
        finally:
            engine.request("POST", f"{vm.json['href']}/stop", json={})
            engine.request("POST", f"{host.json['href']}/deactivate", json={})
            engine.request("DELETE", host.json["href"])  # takes the engine's libvirt secrets along


def add_ok_disk(engine: Engine, stack: Stack, domain: str, alias: str) -> dict[str, Any]:
    answer = engine.request("POST", "/api/disks", json=disk_body(domain, GiB, stack.volume_type_rbd, alias=alias))
    assert answer.status_code == 201, answer.json
    return wait_for_disk(engine, answer.json["id"], "ok")


def attributes(element: Any, path: str) -> dict[str, str]:
    found = element.find(path)
    assert found is not None, path
    return {str(k): str(v) for k, v in found.attrib.items()}


def watchers(stack: Stack, volume_id: str) -> list[Any]:
    with open_pool(stack) as pool, rbd.Image(pool, f"volume-{volume_id}", read_only=True) as image:
        return list(image.watchers_list())


def engine_secrets(uri: str) -> dict[str, tuple[str, str]]:
    connection = libvirt.open(uri)
    try:
        return {
            s.usageID(): (s.UUIDString(), etree.fromstring(s.XMLDesc(0).encode()).get("private") or "")
            for s in connection.listAllSecrets()
            if (s.usageID() or "").startswith("ovirt/")
        }
    finally:
        connection.close()


def test_a_vm_runs_on_cinder_disks_through_cephx(
    engine: Engine, stack: Stack, setup: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cinder, domain, vm, host = setup["cinder"], setup["domain"], setup["vm"], setup["host"]
    secret_uuid = stack.env["OVIRT_STACK_RBD_SECRET_UUID"]
    assert engine.request("POST", f"{host['href']}/activate", json={}).status_code == 200
    usage = f"ovirt/{setup['provider']['id']}/{secret_uuid}"
    assert engine_secrets(stack.libvirt_uri)[usage] == (secret_uuid, "yes")  # private: not readable back

    first = add_ok_disk(engine, stack, domain, "boot")
    attached = engine.request(
        "POST", f"{vm['href']}/disks", json={"id": first["id"], "interface": "virtio_scsi", "bootable": True}
    )
    assert attached.status_code == 201, attached.json
    assert attached.json["active"] is True
    started = engine.request("POST", f"{vm['href']}/start", json={"host": {"id": host["id"]}})
    assert started.status_code == 200, started.json
    assert engine.request("GET", vm["href"]).json["status"]["state"] == "up"
    assert_valid_xml(engine.request("GET", vm["href"], headers=XML).data)
    assert cinder.volumes.get(first["id"]).status == "in-use"
    assert watchers(stack, first["id"])  # QEMU has the image open
    agent = HostAgent(stack.libvirt_uri)
    assert agent.block_size(vm["id"], first["id"]) == GiB
    disk = live_disk(agent.live_xml(vm["id"]), first["id"])
    assert disk is not None
    assert disk.get("type") == "network"
    source = attributes(disk, "source")
    assert (source["protocol"], source["name"]) == ("rbd", f"{stack.ceph_pool}/volume-{first['id']}")
    assert attributes(disk, "auth/secret") == {"type": "ceph", "uuid": secret_uuid}
    assert cephx_key(stack) not in agent.live_xml(vm["id"])  # the key reaches QEMU only through the secret
    validated = tmp_path / "live.xml"
    validated.write_text(agent.live_xml(vm["id"]))
    checked = subprocess.run(
        ["virt-xml-validate", str(validated), "domain"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    second = add_ok_disk(engine, stack, domain, "data")
    plugged = engine.request("POST", f"{vm['href']}/disks", json={"id": second["id"], "interface": "virtio_scsi"})
    assert plugged.status_code == 201, plugged.json
    assert agent.block_size(vm["id"], second["id"]) == GiB
    assert watchers(stack, second["id"])
    assert cinder.volumes.get(second["id"]).status == "in-use"
    assert_valid_xml(engine.request("GET", f"{vm['href']}/disks", headers=XML).data)

    unplugged = engine.request("POST", f"{vm['href']}/disks/{second['id']}/deactivate", json={})
    assert unplugged.status_code == 200, unplugged.json
    assert agent.block_size(vm["id"], second["id"]) is None
    assert cinder.volumes.get(second["id"]).status == "available"
    assert not watchers(stack, second["id"])

    stopped = engine.request("POST", f"{vm['href']}/stop", json={})
    assert stopped.status_code == 200, stopped.json
    assert cephx_key(stack) not in caplog.text  # nor in any log line of the engine or the plugin
    assert engine.request("GET", vm["href"]).json["status"]["state"] == "down"
    assert {cinder.volumes.get(d["id"]).status for d in (first, second)} == {"available"}
    assert not watchers(stack, first["id"])
    assert cinder.attachments.list(search_opts={"volume_id": first["id"]}) == []


def test_a_wrong_cephx_key_fails_the_start_and_leaves_everything_as_it_was(
    engine: Engine, stack: Stack, setup: dict[str, Any]
) -> None:
    cinder, domain, vm, host = setup["cinder"], setup["domain"], setup["vm"], setup["host"]
    changed = engine.request("PUT", setup["key"]["href"], json={"value": WRONG_KEY})
    assert changed.status_code == 200, changed.json
    assert engine.request("POST", f"{host['href']}/activate", json={}).status_code == 200
    disk = add_ok_disk(engine, stack, domain, "boot")
    attached = engine.request("POST", f"{vm['href']}/disks", json={"id": disk["id"], "bootable": True})
    assert attached.status_code == 201, attached.json
    refused = engine.request("POST", f"{vm['href']}/start", json={})
    assert refused.status_code == 502, refused.json
    assert "libvirt could not start vm1" in refused.json["message"]
    assert "Permission denied" in refused.json["message"] or "auth" in refused.json["message"].lower()
    assert WRONG_KEY not in refused.json["message"]
    vm_now = engine.request("GET", vm["href"]).json
    assert vm_now["status"]["state"] == "down"
    assert "libvirt could not start" in vm_now["stop_reason"]
    assert engine.request("GET", disk["href"]).json["status"]["state"] == "ok"
    assert cinder.volumes.get(disk["id"]).status == "available"  # the attachment was released


def test_adding_and_removing_a_key_updates_the_active_hosts(
    engine: Engine, stack: Stack, setup: dict[str, Any]
) -> None:
    assert engine.request("POST", f"{setup['host']['href']}/activate", json={}).status_code == 200
    usage = f"ovirt/{setup['provider']['id']}/{stack.env['OVIRT_STACK_RBD_SECRET_UUID']}"
    assert usage in engine_secrets(stack.libvirt_uri)
    assert engine.request("DELETE", setup["key"]["href"]).status_code == 204
    assert usage not in engine_secrets(stack.libvirt_uri)  # gone from the host at once
    other = {"uuid": "0c5b6f7e-1d2c-4b3a-9e8f-7a6b5c4d3e2f", "usage_type": "ceph", "value": WRONG_KEY}
    added = engine.request("POST", f"{setup['provider']['href']}/authenticationkeys", json=other)
    assert added.status_code == 201, added.json
    assert f"ovirt/{setup['provider']['id']}/{other['uuid']}" in engine_secrets(stack.libvirt_uri)
