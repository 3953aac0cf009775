"""A host on libvirt's embedded test driver (``test:///default``, for machines without libvirtd):
it has no secrets, so registering them is skipped with a logged notice, and the VM's domain, as
the VDSM hooks rewrote it, holds the RBD network disk Cinder's connection info describes."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_engine_host.hostagent.agent import HostAgent
from ovirt_engine_host.hostagent.domain import live_disk
from ovirt_engine_host.services import hosts
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack

TEST_URI = "test:///default"
XML = {"Accept": "application/xml"}
ANY_KEY = base64.b64encode(bytes(28)).decode()  # the test driver opens no disk


@pytest.fixture
def domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        provider = add_provider(engine, stack)
        domains.append(storage_domain_of(engine, provider))
        yield domains[0], cinder, provider


def test_a_vm_on_the_test_driver(
    engine: Engine, stack: Stack, domain: tuple[str, Any, dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    storage_domain_id, cinder, provider = domain
    cluster = {"data_center": {"id": engine.data_center_id}}
    host = engine.request(
        "POST",
        "/api/hosts",
        json={"name": "test-host", "address": "127.0.0.1", "protocol": TEST_URI, "cluster": cluster},
    ).json
    with caplog.at_level(logging.WARNING):
        assert engine.request("POST", f"{host['href']}/activate", json={}).status_code == 200
    assert "has no secrets" in caplog.text
    vm = engine.request("POST", "/api/vms", json={"name": "test-vm", "cluster": cluster}).json
    added = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_rbd))
    disk = wait_for_disk(engine, added.json["id"], "ok")
    assert engine.request("POST", f"{vm['href']}/disks", json={"id": disk["id"]}).status_code == 201
    refused = engine.request("POST", f"{vm['href']}/start", json={})  # no key for Cinder's secret uuid
    assert refused.status_code == 409, refused.json
    assert "add an authentication key with that uuid" in refused.json["message"]
    assert cinder.volumes.get(disk["id"]).status == "available"  # the attachment was released
    assert engine.request("GET", vm["href"]).json["status"]["state"] == "down"
    key = {"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph", "value": ANY_KEY}
    assert engine.request("POST", f"{provider['href']}/authenticationkeys", json=key).status_code == 201
    started = engine.request("POST", f"{vm['href']}/start", json={})
    assert started.status_code == 200, started.json
    try:
        agent = HostAgent(TEST_URI)
        element = live_disk(agent.live_xml(vm["id"]), disk["id"])
        assert element is not None
        assert element.get("type") == "network"
        assert element.find("source").get("name") == f"{stack.ceph_pool}/volume-{disk['id']}"  # type: ignore[union-attr]
        assert cinder.volumes.get(disk["id"]).status == "in-use"
        assert_valid_xml(engine.request("GET", host["href"], headers=XML).data)
        assert_valid_xml(engine.request("GET", "/api/vms", headers=XML).data)
        assert_valid_xml(engine.request("GET", f"{vm['href']}/disks", headers=XML).data)
    finally:
        stopped = engine.request(
            "POST", f"{vm['href']}/stop", headers={**XML, "Content-Type": "application/xml"}, data="<action/>"
        )
        assert stopped.status_code == 200
        assert assert_valid_xml(stopped.data).findtext("status/state") == "complete"
    assert cinder.volumes.get(disk["id"]).status == "available"


def test_a_new_disk_added_through_the_vm(engine: Engine, stack: Stack, domain: tuple[str, Any, dict[str, Any]]) -> None:
    storage_domain_id, cinder, _ = domain
    cluster = {"data_center": {"id": engine.data_center_id}}
    vm = engine.request("POST", "/api/vms", json={"name": "vm-new-disk", "cluster": cluster}).json
    body = {
        "alias": "made-with-the-vm",
        "provisioned_size": GiB,
        "storage_domains": {"storage_domain": [{"id": storage_domain_id}]},
        "openstack_volume_type": {"name": stack.volume_type_fake},
        "interface": "virtio",
        "bootable": True,
    }
    added = engine.request("POST", f"{vm['href']}/disks", json=body)
    assert added.status_code == 201, added.json
    assert (added.json["interface"], added.json["bootable"], added.json["active"]) == ("virtio", True, True)
    wait_for_disk(engine, added.json["id"], "ok")
    assert cinder.volumes.get(added.json["id"]).status == "available"
    refused = engine.request("DELETE", f"/api/disks/{added.json['id']}")
    assert refused.status_code == 409  # attached: detach first
    assert engine.request("DELETE", f"{vm['href']}/disks/{added.json['id']}").status_code == 204
    assert engine.request("DELETE", f"/api/disks/{added.json['id']}").status_code == 204
    assert engine.request("POST", f"{vm['href']}/disks", json={"interface": "virtio"}).status_code == 422


def test_without_libvirtd_a_host_gets_the_test_driver(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hosts, "SYSTEM_URI", "qemu+unix:///system?socket=/nonexistent/libvirt-sock")
    cluster = {"data_center": {"id": engine.data_center_id}}
    host = engine.request("POST", "/api/hosts", json={"name": "bare", "address": "127.0.0.1", "cluster": cluster})
    assert host.status_code == 201, host.json
    assert host.json["protocol"] == TEST_URI
