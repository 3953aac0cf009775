"""VM pools and stateless runs end to end on the real stack, proven on the data: a pattern is
written into a template's image, a pool is made from the template (XML as the seed sends it), a
VM of it is allocated and runs stateless: QEMU has a throw-away volume open, an RBD child of the
disk's own image, and a pattern written *from inside QEMU* (HMP ``qemu-io``) lands there; at
the stop the disk reads the template's pattern again and the throw-away volume is gone from
Cinder. A VM killed outside the engine is noticed by the VM monitor, with the same end."""

from __future__ import annotations

import json
import time
from typing import Any

import libvirt
import libvirt_qemu
from lxml import etree

from tests.ceph import image_parent, open_pool
from tests.e2e.test_vm_on_cinder_disks import add_ok_disk, setup, watchers  # noqa: F401 - the fixture
from tests.engine import Engine, assert_valid_xml
from tests.integration.test_snapshots import read, write
from tests.integration.test_templates import wait_for_disks_ok, wait_for_template
from tests.stack import Stack
from tests.waiting import wait_until, wait_until_gone

XML_IN = {"Accept": "application/xml", "Content-Type": "application/xml"}
GOLDEN = b"golden-pool".ljust(512, b".")
GUEST_BYTE = 0x5A


def guest_write(stack: Stack, vm_id: str, disk_id: str) -> None:
    """Write 512 bytes of ``GUEST_BYTE`` at offset 0 of the disk, by QEMU itself (HMP qemu-io on
    the disk's device, named by libvirt's alias)."""
    connection = libvirt.open(stack.libvirt_uri)
    try:
        domain = connection.lookupByUUIDString(vm_id)
        tree = etree.fromstring(domain.XMLDesc(0).encode())
        found = tree.xpath(f"//devices/disk[serial='{disk_id}']/alias/@name")
        assert isinstance(found, list)
        (alias,) = [str(name) for name in found]
        command = json.dumps({
            "execute": "human-monitor-command",
            "arguments": {"command-line": f'qemu-io -d {alias} "write -P {GUEST_BYTE:#x} 0 512"'},
        })  # fmt: skip
        answer = json.loads(libvirt_qemu.qemuMonitorCommand(domain, command, 0))
        assert answer.get("return", "") == "", answer  # qemu-io prints nothing but on error
    finally:
        connection.close()


def kill_outside_the_engine(stack: Stack, vm_id: str) -> None:
    connection = libvirt.open(stack.libvirt_uri)
    try:
        connection.lookupByUUIDString(vm_id).destroy()
    finally:
        connection.close()


def wait_for_vm(engine: Engine, vm_id: str, wanted: str, timeout: float = 120) -> Any:
    found: list[Any] = []

    def reached() -> bool:
        found[:] = [engine.request("GET", f"/api/vms/{vm_id}").json]
        return bool(found[0]["status"]["state"] == wanted)

    wait_until(reached, f"VM {vm_id} is not {wanted}", timeout)
    return found[0]


def test_a_pool_vm_runs_stateless_and_comes_back_with_the_templates_bytes(
    engine: Engine,
    stack: Stack,
    setup: dict[str, Any],  # noqa: F811
) -> None:
    vm, cinder = setup["vm"], setup["cinder"]
    assert engine.request("POST", f"{setup['host']['href']}/activate", json={}).status_code == 200
    disk = add_ok_disk(engine, stack, setup["domain"], "system")
    write(stack, disk["id"], GOLDEN)
    attached = engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk["id"], "interface": "virtio_scsi"})
    assert attached.status_code == 201, attached.json
    body = f"<template><name>pool-gold</name><vm id='{vm['id']}'/></template>"
    template = engine.request("POST", "/api/templates", data=body, headers=XML_IN)
    assert template.status_code == 201, template.data
    template_id = str(assert_valid_xml(template.data).get("id"))
    wait_for_template(engine, template_id, "ok")

    body = (
        "<vmpool><name>desk</name><size>3</size><template><name>pool-gold</name></template>"
        "<max_user_vms>1</max_user_vms><type>automatic</type></vmpool>"
    )
    added = engine.request("POST", "/api/vmpools", data=body, headers=XML_IN)
    assert added.status_code == 201, added.data
    pool_id = str(assert_valid_xml(added.data).get("id"))
    assert_valid_xml(engine.request("GET", "/api/vmpools", headers={"Accept": "application/xml"}).data)
    members = [v for v in engine.request("GET", "/api/vms").json if v.get("vmpool", {}).get("id") == pool_id]
    assert sorted(v["name"] for v in members) == ["desk-1", "desk-2", "desk-3"]
    assert all(v["stateless"] for v in members)
    pool_disks = [d for v in members for d in engine.request("GET", f"/api/vms/{v['id']}/disks").json]
    wait_for_disks_ok(engine, pool_disks)

    allocated = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", data="<action/>", headers=XML_IN)
    assert allocated.status_code == 200, allocated.data
    answered = assert_valid_xml(allocated.data).find("vm")
    assert answered is not None, allocated.data
    vm_id = str(answered.get("id"))
    assert engine.request("GET", f"/api/vms/{vm_id}").json["status"]["state"] == "up"
    (own,) = engine.request("GET", f"/api/vms/{vm_id}/disks").json
    throw_away = engine.request("GET", f"/api/disks/{own['id']}").json["image_id"]
    assert throw_away != own["id"]
    with open_pool(stack) as ioctx:
        assert image_parent(ioctx, f"volume-{throw_away}")[1] == f"volume-{own['id']}"  # type: ignore[index]
    assert watchers(stack, throw_away)  # QEMU has the throw-away volume open ...
    assert not watchers(stack, own["id"])  # ... and not the disk's own
    assert read(stack, throw_away, 512) == GOLDEN

    guest_write(stack, vm_id, own["id"])
    assert read(stack, throw_away, 512) == bytes([GUEST_BYTE]) * 512  # the guest's write landed there
    assert read(stack, own["id"], 512) == GOLDEN
    refused = engine.request("POST", f"/api/vms/{vm_id}/snapshots", json={"description": "no"})
    assert refused.status_code == 409, refused.json  # a snapshot of a throw-away volume would be lost
    retype = {"openstack_volume_type": {"name": stack.volume_type_fake}}
    retyped = engine.request("PUT", f"/api/disks/{own['id']}", json=retype)
    assert retyped.status_code == 409, retyped.json  # not while a running VM uses the disk
    assert "running VM" in retyped.json["message"]
    # oVirt lists the run's "stateless snapshot": what the VM goes back to, the disk's own volume
    listed = engine.request("GET", f"/api/vms/{vm_id}/snapshots", headers={"Accept": "application/xml"})
    snapshots = assert_valid_xml(listed.data).findall("snapshot")
    assert [(s.findtext("type"), s.findtext("description")) for s in snapshots] == [
        ("active", "Active VM"), ("stateless", "stateless snapshot")
    ]  # fmt: skip
    stateless_id = str(snapshots[1].get("id"))
    assert engine.request("GET", f"/api/vms/{vm_id}/snapshots/{stateless_id}").json["snapshot_status"] == "ok"
    held = engine.request("GET", f"/api/vms/{vm_id}/snapshots/{stateless_id}/disks").json
    assert [(d["id"], d["image_id"]) for d in held] == [(own["id"], own["id"])]
    active = engine.request("GET", f"/api/vms/{vm_id}/snapshots/{snapshots[0].get('id')}/disks").json
    assert [(d["id"], d["image_id"]) for d in active] == [(own["id"], throw_away)]
    removing = engine.request("DELETE", f"/api/vms/{vm_id}/snapshots/{stateless_id}")
    assert removing.status_code == 409, removing.json  # it ends with the run
    assert "stateless snapshot" in removing.json["message"]

    assert engine.request("POST", f"/api/vms/{vm_id}/stop", json={}).status_code == 200
    assert [s["type"] for s in engine.request("GET", f"/api/vms/{vm_id}/snapshots").json] == ["active"]
    assert engine.request("GET", f"/api/disks/{own['id']}").json["image_id"] == own["id"]
    assert read(stack, own["id"], 512) == GOLDEN  # the template's bytes again
    wait_until_gone(cinder.volumes.get, throw_away)  # and the throw-away volume is gone from Cinder

    # a VM killed outside the engine: the monitor notices, and the run ends the same way
    again = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", json={})
    assert again.status_code == 200, again.json
    second_id = again.json["vm"]["id"]
    (second,) = engine.request("GET", f"/api/vms/{second_id}/disks").json
    second_throw_away = engine.request("GET", f"/api/disks/{second['id']}").json["image_id"]
    assert second_throw_away != second["id"]
    kill_outside_the_engine(stack, second_id)
    stopped = wait_for_vm(engine, second_id, "down", timeout=60)
    assert "outside the engine" in stopped["stop_reason"]
    assert engine.request("GET", f"/api/disks/{second['id']}").json["image_id"] == second["id"]
    wait_until_gone(cinder.volumes.get, second_throw_away)
    assert cinder.volumes.get(second["id"]).status == "available"  # its attachment released

    running = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", json={})
    assert running.status_code == 200, running.json
    assert engine.request("DELETE", f"/api/vmpools/{pool_id}").status_code == 409  # a VM of it runs
    assert engine.request("POST", f"/api/vms/{running.json['vm']['id']}/stop", json={}).status_code == 200
    removed = engine.request("DELETE", f"/api/vmpools/{pool_id}")
    assert removed.status_code in {202, 204}, removed.json
    for member in pool_disks:
        wait_until_gone(cinder.volumes.get, member["id"])
    assert engine.request("GET", f"/api/vmpools/{pool_id}").status_code == 404
    deadline = time.monotonic() + 60
    while engine.request("DELETE", f"/api/templates/{template_id}").status_code not in {202, 204}:
        assert time.monotonic() < deadline, "the template stays refused after its pool went"
        time.sleep(0.5)
