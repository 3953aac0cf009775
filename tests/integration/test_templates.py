"""Templates on the real stack (rbd volumes, SQLite and PostgreSQL), proven on the data: a
template made from a VM reads the VM's bytes; a VM made from the template runs on thin volumes
whose RBD parent is the template's image and whose writes do not reach it; a template is refused
removal while such a VM exists and goes with its disks afterwards; XML against api.xsd."""

from __future__ import annotations

import time
from typing import Any

from tests.ceph import cephx_key, image_parent, open_pool
from tests.engine import Engine, assert_valid_xml
from tests.integration.test_snapshot_dependencies import settled
from tests.integration.test_snapshots import XML, pattern, read, vm_with_disks, write
from tests.stack import Stack

__all__ = ["vm_with_disks"]  # the fixture, shared


def wait_for_template(engine: Engine, template_id: str, wanted: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while (answer := engine.request("GET", f"/api/templates/{template_id}")).json["status"]["state"] != wanted:
        assert time.monotonic() < deadline, f"template {template_id}: {answer.json}, not {wanted}"
        time.sleep(0.2)
    return answer.json


def test_a_vm_made_from_a_template_runs_on_thin_children_of_its_images(
    engine: Engine, stack: Stack, vm_with_disks: Any
) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    for disk in disks:
        write(stack, disk["id"], pattern("golden", disk))
    body = f"<template><name>golden</name><vm id='{vm['id']}'/></template>"
    added = engine.request("POST", "/api/templates", data=body, headers={**XML, "Content-Type": "application/xml"})
    assert added.status_code == 201, added.data
    template_id = str(assert_valid_xml(added.data).get("id"))
    assert engine.request("GET", f"/api/vms/{vm['id']}").json["status"]["state"] in {"image_locked", "down"}
    template = wait_for_template(engine, template_id, "ok")
    assert template["vm"]["id"] == vm["id"]
    assert engine.request("GET", f"/api/vms/{vm['id']}").json["status"]["state"] == "down"  # unlocked
    assert_valid_xml(engine.request("GET", "/api/templates", headers=XML).data)
    copies = engine.request("GET", f"/api/templates/{template_id}/disks").json
    assert sorted(c["alias"] for c in copies) == sorted(d["alias"] for d in disks)
    by_alias = {d["alias"]: d for d in disks}
    for copy in copies:
        assert read(stack, copy["id"], 64) == pattern("golden", by_alias[copy["alias"]])

    # template disks are read-only and go only with their template
    assert engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": copies[0]["id"]}).status_code == 409
    assert engine.request("DELETE", f"/api/disks/{copies[0]['id']}").status_code == 409
    grown = engine.request(
        "PUT", f"/api/disks/{copies[0]['id']}", json={"provisioned_size": 2 * copies[0]["provisioned_size"]}
    )
    assert grown.status_code == 409

    cluster = {"data_center": {"id": engine.data_center_id}}
    made = engine.request("POST", "/api/vms", json={"name": "from-golden", "cluster": cluster,
                                                    "template": {"name": "golden"}})  # fmt: skip
    assert made.status_code == 201, made.json
    assert made.json["template"]["id"] == template_id
    thin = engine.request("GET", f"/api/vms/{made.json['id']}/disks").json
    assert sorted(t["alias"] for t in thin) == sorted(c["alias"] for c in copies)
    copy_of = {c["alias"]: c for c in copies}
    deadline = time.monotonic() + 120
    while any(engine.request("GET", f"/api/disks/{t['id']}").json["status"]["state"] != "ok" for t in thin):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with open_pool(stack) as ioctx:
        for disk in thin:
            parent = image_parent(ioctx, f"volume-{disk['id']}")
            assert parent is not None
            assert parent[1] == f"volume-{copy_of[disk['alias']]['id']}"  # thin: the template's image
            assert read(stack, disk["id"], 64) == pattern("golden", by_alias[disk["alias"]])
    write(stack, thin[0]["id"], pattern("the VM's own", thin[0]))
    assert read(stack, copy_of[thin[0]["alias"]]["id"], 64) == pattern("golden", by_alias[thin[0]["alias"]])

    refused = engine.request("DELETE", f"/api/templates/{template_id}")
    assert refused.status_code == 409
    assert "from-golden" in refused.json["message"]
    assert engine.request("DELETE", f"/api/vms/{made.json['id']}").status_code == 204
    removed = engine.request("DELETE", f"/api/templates/{template_id}")
    assert removed.status_code == 204, removed.json
    assert engine.request("GET", f"/api/templates/{template_id}").status_code == 404
    volumes, _ = settled(cinder, domain_id)
    assert set(volumes) == {d["id"] for d in disks}  # the template's and the thin VM's volumes are gone


def test_bad_template_requests_are_refused_and_write_nothing(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, _, cinder, domain_id = vm_with_disks
    before = settled(cinder, domain_id)
    for body, status, field in [
        ({"name": "t"}, 422, "vm"),
        ({"name": "t", "vm": {"id": "nope"}}, 400, "vm"),
        ({"name": "bad name!", "vm": {"id": vm["id"]}}, 422, "name"),
    ]:
        answer = engine.request("POST", "/api/templates", json=body)
        assert answer.status_code == status, answer.json
        assert answer.json["message"].startswith(field), answer.json
    cluster = {"data_center": {"id": engine.data_center_id}}
    unknown = engine.request("POST", "/api/vms", json={"name": "x", "cluster": cluster, "template": {"name": "nope"}})
    assert unknown.status_code == 400
    assert unknown.json["message"].startswith("template")
    assert [t["name"] for t in engine.request("GET", "/api/templates").json] == ["Blank"]
    assert [v["name"] for v in engine.request("GET", "/api/vms").json] == ["snap-vm"]
    assert settled(cinder, domain_id) == before


def wait_for_disks_ok(engine: Engine, disks: list[dict[str, Any]], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while any(engine.request("GET", f"/api/disks/{d['id']}").json["status"]["state"] != "ok" for d in disks):
        assert time.monotonic() < deadline, "the disks stay locked"
        time.sleep(0.2)


def test_clones_are_independent_copies_with_no_rbd_parent(engine: Engine, stack: Stack, vm_with_disks: Any) -> None:
    vm, disks, cinder, domain_id = vm_with_disks
    (provider,) = engine.request("GET", "/api/openstackvolumeproviders").json
    key = {"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph", "value": cephx_key(stack)}
    assert engine.request("POST", f"{provider['href']}/authenticationkeys", json=key).status_code == 201
    for disk in disks:
        write(stack, disk["id"], pattern("source", disk))
    added = engine.request("POST", "/api/templates", json={"name": "base", "vm": {"name": vm["name"]}})
    assert added.status_code == 201, added.json
    wait_for_template(engine, added.json["id"], "ok")
    cluster = {"data_center": {"id": engine.data_center_id}}
    body = ("<vm><name>cloned-from-base</name><cluster><data_center id='" + engine.data_center_id + "'/></cluster>"
            "<template><name>base</name></template><disks><clone>true</clone></disks></vm>")  # fmt: skip
    made = engine.request("POST", "/api/vms", data=body, headers={**XML, "Content-Type": "application/xml"})
    assert made.status_code == 201, made.data
    made_id = str(assert_valid_xml(made.data).get("id"))
    from_template = engine.request("GET", f"/api/vms/{made_id}/disks").json
    clone_action = "<action><vm><name>clone-of-snap-vm</name></vm></action>"
    cloned = engine.request("POST", f"/api/vms/{vm['id']}/clone", data=clone_action,
                            headers={**XML, "Content-Type": "application/xml"})  # fmt: skip
    assert cloned.status_code == 200, cloned.data
    assert assert_valid_xml(cloned.data).findtext("status/state") == "complete"
    (clone_vm,) = [v for v in engine.request("GET", "/api/vms").json if v["name"] == "clone-of-snap-vm"]
    of_vm = engine.request("GET", f"/api/vms/{clone_vm['id']}/disks").json
    assert sorted(d["alias"] for d in of_vm) == sorted(d["alias"] for d in disks)
    wait_for_disks_ok(engine, [*from_template, *of_vm])
    by_alias = {d["alias"]: d for d in disks}
    for disk in disks:
        write(stack, disk["id"], pattern("after the clones", disk))  # reaches none of the copies
    with open_pool(stack) as ioctx:
        for copy in [*from_template, *of_vm]:
            assert image_parent(ioctx, f"volume-{copy['id']}") is None  # independent: no parent
            assert read(stack, copy["id"], 64) == pattern("source", by_alias[copy["alias"]])
    refused = engine.request("POST", "/api/vms", json={"name": "x", "cluster": cluster, "disks": {"clone": True}})
    assert refused.status_code == 422
    taken = engine.request("POST", f"/api/vms/{vm['id']}/clone", json={"vm": {"name": "clone-of-snap-vm"}})
    assert taken.status_code == 409
    assert "template" not in engine.request("GET", f"/api/vms/{made_id}").json  # a clone keeps nothing of it
    assert engine.request("DELETE", f"/api/templates/{added.json['id']}").status_code == 204  # the clones stay
    for copy in from_template:
        assert read(stack, copy["id"], 64) == pattern("source", by_alias[copy["alias"]])
    for vm_id in (made_id, clone_vm["id"]):
        assert engine.request("DELETE", f"/api/vms/{vm_id}").status_code == 204
    assert set(settled(cinder, domain_id)[0]) == {d["id"] for d in disks}
