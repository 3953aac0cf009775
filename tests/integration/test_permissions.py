"""Permissions on the real stack (SQLite and PostgreSQL): a DiskCreator on the stack's domain adds
disks and sees only his; another user's disk and VM answer 404 by id and by name, are left out
of his lists and are refused as references; a group holding PowerUserRole makes VMs for its
members; a removed permission takes effect at the next request; Cinder holds exactly what the
allowed requests made, nothing for the refused ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.disks import GiB, add_provider, cinder_volumes, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine
from tests.stack import Stack

ALICE = ("alice", "alice-password")
BOB = ("bob", "bob-password")
CAROL = ("carol", "carol-password")


@pytest.fixture
def domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, Any]]:
    """The stack's Cinder as a provider: (its storage domain's id, an admin Cinder client)."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        provider = add_provider(engine, stack, name="stack-cinder")
        domains.append(storage_domain_of(engine, provider))
        with engine_state(engine.app).session_factory() as session:
            for name, password in (ALICE, BOB, CAROL):
                add_user(session, name, hash_password(password), administrator=False)
            session.commit()
        yield domains[0], cinder


def vm_body(engine: Engine, name: str) -> dict[str, Any]:
    return {"name": name, "cluster": {"data_center": {"id": engine.data_center_id}}}


def grant(engine: Engine, path: str, role: str, **holder: str) -> dict[str, Any]:
    body = {"role": {"name": role}, **{kind: {"name": name} for kind, name in holder.items()}}
    answer = engine.request("POST", f"{path}/permissions", json=body)
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def test_disk_creators_see_and_touch_only_their_own(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, cinder = domain
    for user in (ALICE, BOB):
        grant(engine, f"/api/storagedomains/{domain_id}", "DiskCreator", user=user[0])
    grant(engine, f"/api/datacenters/{engine.data_center_id}", "VmCreator", user=BOB[0])
    alices = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake, alias="a1"),
                            auth=ALICE)  # fmt: skip
    bobs = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake, alias="b1"),
                          auth=BOB)  # fmt: skip
    assert alices.status_code == bobs.status_code == 201
    for disk in (alices.json, bobs.json):
        wait_for_disk(engine, disk["id"], "ok")
    assert [d["alias"] for d in engine.request("GET", "/api/disks", auth=ALICE).json] == ["a1"]
    assert [d["alias"] for d in engine.request("GET", f"/api/storagedomains/{domain_id}/disks", auth=BOB).json] == [
        "b1"
    ]
    bob_disk = bobs.json["id"]
    for method, path, body in (
        ("GET", f"/api/disks/{bob_disk}", None),
        ("PUT", f"/api/disks/{bob_disk}", {"alias": "mine"}),
        ("PUT", f"/api/disks/{bob_disk}", {"provisioned_size": 2 * GiB}),
        ("DELETE", f"/api/disks/{bob_disk};async", None),
        ("GET", f"/api/disks/{bob_disk}/permissions", None),
    ):
        assert engine.request(method, path, json=body, auth=ALICE).status_code == 404, (method, path)
    # his VM: invisible to her, by id and by name; his disk refused as a reference of hers
    vm = engine.request("POST", "/api/vms", auth=BOB, json=vm_body(engine, "bobs-vm"))
    assert vm.status_code == 201, vm.json
    for path in (f"/api/vms/{vm.json['id']}", "/api/vms/bobs-vm", f"/api/vms/{vm.json['id']}/snapshots"):
        assert engine.request("GET", path, auth=ALICE).status_code == 404, path
    filtered = {"Filter": "true"}
    hers: tuple[tuple[str, str, Any], ...] = (
        ("POST", f"/api/vms/{vm.json['id']}/snapshots", {"description": "s"}),
        ("POST", "/api/vms/bobs-vm/snapshots", {"description": "s"}),
        ("POST", f"/api/vms/{vm.json['id']}/clone", {"vm": {"name": "alices-clone"}}),
        ("POST", f"/api/vms/{vm.json['id']}/disks", {"id": alices.json["id"]}),
        ("POST", f"/api/vms/{vm.json['id']}/start", {}),
        ("DELETE", f"/api/vms/{vm.json['id']}", None),
        ("DELETE", "/api/vms/bobs-vm", None),
    )
    for method, path, body in hers:
        for headers in ({}, filtered):
            answer = engine.request(method, path, json=body, auth=ALICE, headers=headers)
            assert answer.status_code == 404, (method, path, headers, answer.json)
    template = engine.request("POST", "/api/templates", json={"name": "t", "vm": {"name": "bobs-vm"}}, auth=ALICE)
    assert template.status_code in {400, 403}, template.json  # his VM is no reference of hers
    assert [t["name"] for t in engine.request("GET", "/api/templates").json] == ["Blank"]
    assert engine.request("GET", "/api/vms", auth=ALICE).json == []
    her_vm = engine.request("POST", "/api/vms", auth=ALICE, json=vm_body(engine, "alices-vm"))
    assert her_vm.status_code == 403  # no create_vm for her
    assert "create_vm" in her_vm.json["message"]
    attach = engine.request("POST", f"/api/vms/{vm.json['id']}/disks", json={"id": alices.json["id"]}, auth=BOB)
    assert attach.status_code == 400
    assert attach.json["message"].startswith("disk: no disk")
    # an administrative resource: 403, and nothing changes in the engine
    provider_id = engine.request("GET", "/api/openstackvolumeproviders").json[0]["id"]
    changed = engine.request("PUT", f"/api/openstackvolumeproviders/{provider_id}", json={"description": "x"},
                             auth=ALICE)  # fmt: skip
    assert changed.status_code == 403
    assert "configure_openstack_volume_provider" in changed.json["message"]
    assert engine.request("GET", f"/api/openstackvolumeproviders/{provider_id}").json.get("description") != "x"
    # jobs and events: only one's own
    her_events = engine.request("GET", "/api/events", auth=ALICE).json
    assert her_events
    assert {e.get("user", {}).get("user_name") for e in her_events} == {ALICE[0]}
    assert not [e for e in her_events if e["description"].startswith(f"{BOB[0]} ")]  # none of his doings
    her_jobs = engine.request("GET", "/api/jobs", auth=ALICE).json
    assert her_jobs
    assert all("a1" in job["description"] for job in her_jobs)
    # Cinder holds exactly the two allowed disks; the refused requests made nothing
    assert set(cinder_volumes(cinder, domain_id)) == {alices.json["id"], bob_disk}
    assert engine.request("GET", f"/api/disks/{bob_disk}").json["provisioned_size"] == GiB


def test_a_group_role_and_its_revocation(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, cinder = domain
    group = engine.request("POST", "/api/groups", json={"name": "power"}).json
    assert engine.request("POST", f"/api/groups/{group['id']}/users", json={"name": CAROL[0]}).status_code == 201
    permission = grant(engine, f"/api/datacenters/{engine.data_center_id}", "PowerUserRole", group="power")
    vm = engine.request("POST", "/api/vms", auth=CAROL, json=vm_body(engine, "carols"))
    assert vm.status_code == 201, vm.json
    disk = engine.request("POST", f"/api/vms/{vm.json['id']}/disks", auth=CAROL,
                          json=disk_body(domain_id, GiB, stack.volume_type_fake, alias="c1"))  # fmt: skip
    assert disk.status_code == 201, disk.json
    wait_for_disk(engine, disk.json["id"], "ok")
    # PowerUserRole reveals no children: she sees her VM and its disk, not the data center's others
    assert [v["name"] for v in engine.request("GET", "/api/vms", auth=CAROL).json] == ["carols"]
    assert [d["alias"] for d in engine.request("GET", "/api/disks", auth=CAROL).json] == ["c1"]
    # the group's permission removed: the next request is refused (a new VM needs create_vm)
    removed = engine.request("DELETE", f"/api/datacenters/{engine.data_center_id}/permissions/{permission['id']}")
    assert removed.status_code == 204
    again = engine.request("POST", "/api/vms", auth=CAROL, json=vm_body(engine, "carols2"))
    assert again.status_code == 403
    assert [v["name"] for v in engine.request("GET", "/api/vms").json] == ["carols"]
    assert set(cinder_volumes(cinder, domain_id)) == {disk.json["id"]}
