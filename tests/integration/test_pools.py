"""VM pools on the real stack (rbd volumes; a host on libvirt's embedded test driver, SQLite and
PostgreSQL): a pool's VMs are thin children of its template's images; the size grows and shrinks
(only VMs that are down and free go, the highest numbers first, their volumes deleted in Cinder);
a user is allocated at most ``max_user_vms`` VMs, and may allocate where he may create nothing;
prestarted VMs run unallocated; bad requests write nothing; a pool is not removed while a VM of
it runs, and its template not while the pool exists. Faults: an engine killed in the middle of a
pool's creation, and in the middle of a stateless stop, leaves every Cinder volume accounted for
after its restart."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ovirt_engine_host.state import engine_state
from tests.ceph import image_parent, open_pool
from tests.engine import ADMIN, Engine, assert_valid_xml
from tests.integration.test_disk_faults import engine_process
from tests.integration.test_snapshot_dependencies import settled
from tests.integration.test_snapshots import DOMAIN_KEY, vm_with_disks
from tests.integration.test_templates import wait_for_disks_ok, wait_for_template
from tests.stack import Stack
from tests.waiting import wait_until

__all__ = ["vm_with_disks"]  # the fixture, shared

ANY_KEY = base64.b64encode(bytes(28)).decode()  # the test driver opens no disk
OPERATOR = ("operator", "operator-pass")


@pytest.fixture
def template(engine: Engine, stack: Stack, vm_with_disks: Any) -> Iterator[dict[str, Any]]:
    """A template of a VM with one rbd disk, a cephx key for Cinder's secret uuid, and an active
    host on the embedded test driver: {template, cinder, domain, disk, host}."""
    vm, disks, cinder, domain_id = vm_with_disks
    assert engine.request("DELETE", f"/api/vms/{vm['id']}/disks/{disks[1]['id']}").status_code in {200, 204}
    (provider,) = engine.request("GET", "/api/openstackvolumeproviders").json
    key = {"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph", "value": ANY_KEY}
    assert engine.request("POST", f"{provider['href']}/authenticationkeys", json=key).status_code == 201
    cluster = {"data_center": {"id": engine.data_center_id}}
    host = engine.request(
        "POST", "/api/hosts", json={"name": "pool-host", "address": "127.0.0.1", "protocol": "test:///default",
                                    "cluster": cluster},
    ).json  # fmt: skip
    assert engine.request("POST", f"{host['href']}/activate", json={}).status_code == 200
    made = engine.request("POST", "/api/templates", json={"name": "pool-base", "vm": {"id": vm["id"]}})
    assert made.status_code == 201, made.json
    found = wait_for_template(engine, made.json["id"], "ok")
    yield {"template": found, "cinder": cinder, "domain": domain_id, "disks": disks, "host": host}
    for listed in engine.request("GET", "/api/vms").json:
        engine.request("POST", f"/api/vms/{listed['id']}/stop", json={})
    for pool in engine.request("GET", "/api/vmpools").json:
        engine.request("DELETE", f"/api/vmpools/{pool['id']}")
    engine.request("DELETE", f"/api/templates/{found['id']}")  # children first: the cleaner gets the rest


def pool_vms(engine: Engine, pool_id: str) -> list[dict[str, Any]]:
    return sorted(
        (v for v in engine.request("GET", "/api/vms").json if (v.get("vmpool") or {}).get("id") == pool_id),
        key=lambda v: v["name"],
    )


def pool_disks(engine: Engine, vms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for v in vms for d in engine.request("GET", f"/api/vms/{v['id']}/disks").json]


def test_a_pool_grows_shrinks_allocates_and_goes(engine: Engine, stack: Stack, template: dict[str, Any]) -> None:
    cinder, domain_id, base = template["cinder"], template["domain"], template["template"]
    (base_disk,) = engine.request("GET", f"/api/templates/{base['id']}/disks").json
    body = {"name": "lab", "size": 2, "template": {"name": "pool-base"}, "type": "manual", "max_user_vms": 1}
    added = engine.request("POST", "/api/vmpools", json=body, headers={"Accept": "application/xml"})
    assert added.status_code == 201, added.data
    pool_id = str(assert_valid_xml(added.data).get("id"))
    vms = pool_vms(engine, pool_id)
    assert [v["name"] for v in vms] == ["lab-1", "lab-2"]
    assert not any(v["stateless"] for v in vms)  # a manual pool's VMs keep what they write
    disks = pool_disks(engine, vms)
    wait_for_disks_ok(engine, disks)
    with open_pool(stack) as ioctx:
        for disk in disks:  # thin: RBD children of the template's image
            assert image_parent(ioctx, f"volume-{disk['id']}")[1] == f"volume-{base_disk['id']}"  # type: ignore[index]

    grown = engine.request("PUT", f"/api/vmpools/{pool_id}", json={"size": 4})
    assert grown.status_code == 200, grown.json
    assert [v["name"] for v in pool_vms(engine, pool_id)] == ["lab-1", "lab-2", "lab-3", "lab-4"]
    wait_for_disks_ok(engine, pool_disks(engine, pool_vms(engine, pool_id)))

    allocated = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", json={})
    assert allocated.status_code == 200, allocated.json
    mine = allocated.json["vm"]["id"]
    assert engine.request("GET", f"/api/vms/{mine}").json["status"]["state"] == "up"
    over = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", json={})
    assert over.status_code == 409
    assert over.json["message"].startswith("max_user_vms")

    assert engine.request("DELETE", f"/api/vms/{mine}").status_code == 409  # a pool's VM goes with the pool
    too_small = engine.request("PUT", f"/api/vmpools/{pool_id}", json={"size": 0})
    assert too_small.status_code == 409  # the allocated VM cannot go
    assert too_small.json["message"].startswith("size")
    assert len(pool_vms(engine, pool_id)) == 4  # nothing was removed
    before = {d["id"] for d in pool_disks(engine, pool_vms(engine, pool_id))}
    shrunk = engine.request("PUT", f"/api/vmpools/{pool_id}", json={"size": 1})
    assert shrunk.status_code == 200, shrunk.json
    left = pool_vms(engine, pool_id)
    assert [v["id"] for v in left] == [mine]  # the free ones went, the allocated one stays
    gone = before - {d["id"] for d in pool_disks(engine, left)}
    wait_until(lambda: not gone & set(settled(cinder, domain_id)[0]), "the removed VMs' volumes stay in Cinder")

    assert engine.request("DELETE", f"/api/vmpools/{pool_id}").status_code == 409  # it runs
    assert engine.request("DELETE", f"/api/templates/{base['id']}").status_code == 409  # the pool's template
    assert engine.request("POST", f"/api/vms/{mine}/stop", json={}).status_code == 200
    assert engine.request("GET", f"/api/vms/{mine}").json["status"]["state"] == "down"
    removed = engine.request("DELETE", f"/api/vmpools/{pool_id}")
    assert removed.status_code in {202, 204}, removed.json
    assert engine.request("GET", f"/api/vmpools/{pool_id}").status_code == 404
    assert engine.request("GET", f"/api/vms/{mine}").status_code == 404
    kept = {*(d["id"] for d in template["disks"]), base_disk["id"]}  # the source VM's disks, the template's
    deadline = time.monotonic() + 120
    while (volumes := settled(cinder, domain_id)[0]).keys() != kept:
        known = {d["id"]: d["status"] for d in engine.request("GET", "/api/disks").json}
        assert time.monotonic() < deadline, f"the pool's volumes stay in Cinder: {volumes}, the engine's: {known}"
        time.sleep(0.5)


def test_bad_pool_requests_are_refused_and_write_nothing(engine: Engine, template: dict[str, Any]) -> None:
    cinder, domain_id = template["cinder"], template["domain"]
    before = settled(cinder, domain_id)
    base = {"name": "p", "size": 2, "template": {"name": "pool-base"}}
    for body, status, field in [
        ({**base, "size": -1}, 422, "size"),
        ({**base, "size": "two"}, 422, "size"),
        ({**base, "type": "sometimes"}, 422, "type"),
        ({**base, "template": {"name": "nope"}}, 400, "template"),
        ({**base, "prestarted_vms": 3}, 400, "prestarted_vms"),
        ({**base, "max_user_vms": 0}, 422, "max_user_vms"),
        ({**base, "name": "bad name!"}, 422, "name"),
        ({"size": 2, "template": {"name": "pool-base"}}, 422, "name"),
    ]:
        answer = engine.request("POST", "/api/vmpools", json=body)
        assert answer.status_code == status, (body, answer.json)
        assert answer.json["message"].startswith(field), answer.json
    clash = engine.request("POST", "/api/vms", json={"name": "p-2", "cluster": {"data_center": {"name": "dc1"}}})
    assert clash.status_code == 201
    taken = engine.request("POST", "/api/vmpools", json=base)
    assert taken.status_code == 409
    assert "p-2" in taken.json["message"]
    assert engine.request("GET", "/api/vmpools").json == []
    assert settled(cinder, domain_id) == before


def test_a_user_allocates_a_prestarted_vm_of_an_automatic_pool(engine: Engine, template: dict[str, Any]) -> None:
    assert (
        engine.request("POST", "/api/users", json={"user_name": OPERATOR[0], "password": OPERATOR[1]}).status_code
        == 201
    )
    body = {"name": "kiosk", "size": 2, "template": {"id": template["template"]["id"]}, "prestarted_vms": 1}
    refused = engine.request("POST", "/api/vmpools", json=body, auth=OPERATOR)
    assert refused.status_code == 403  # a user takes VMs from pools, he does not make them
    added = engine.request("POST", "/api/vmpools", json=body)
    assert added.status_code == 201, added.json
    assert added.json["type"] == "automatic"
    pool_id = added.json["id"]
    user_role = {"role": {"name": "UserRole"}, "user": {"name": OPERATOR[0]}}
    assert engine.request("POST", f"/api/vmpools/{pool_id}/permissions", json=user_role).status_code == 201
    wait_for_disks_ok(engine, pool_disks(engine, pool_vms(engine, pool_id)))
    wait_until(
        lambda: [v["status"]["state"] for v in pool_vms(engine, pool_id)].count("up") == 1,
        "the VM monitor does not prestart a VM",
        timeout=60,
    )
    (prestarted,) = [v for v in pool_vms(engine, pool_id) if v["status"]["state"] == "up"]
    assert engine.request("GET", f"/api/vms/{prestarted['id']}", auth=OPERATOR).status_code == 404  # not his
    allocated = engine.request("POST", f"/api/vmpools/{pool_id}/allocatevm", json={}, auth=OPERATOR)
    assert allocated.status_code == 200, allocated.json
    assert allocated.json["vm"]["id"] == prestarted["id"]  # the prestarted one first
    assert engine.request("GET", f"/api/vms/{prestarted['id']}", auth=OPERATOR).status_code == 200  # now his
    assert engine.request("POST", f"/api/vms/{prestarted['id']}/stop", json={}, auth=OPERATOR).status_code == 200
    # back in the automatic pool: nobody's again, and a VM is prestarted again
    assert engine.request("GET", f"/api/vms/{prestarted['id']}", auth=OPERATOR).status_code == 404
    wait_until(
        lambda: [v["status"]["state"] for v in pool_vms(engine, pool_id)].count("up") == 1,
        "no VM is prestarted again",
        timeout=60,
    )


def engine_volumes(url: str) -> set[str]:
    """Every volume the engine knows: its disks' volumes (the active one and any other)."""
    disks = requests.get(f"{url}/api/disks", auth=ADMIN, timeout=30).json()
    return {d["id"] for d in disks} | {d["image_id"] for d in disks}


def test_an_engine_killed_while_making_a_pool_makes_the_rest_after_its_restart(
    engine: Engine, stack: Stack, template: dict[str, Any]
) -> None:
    cinder, domain_id = template["cinder"], template["domain"]
    engine_state(engine.app).poller.stop()  # only the engine process works on the commands
    body = {"name": "cut", "size": 5, "template": {"name": "pool-base"}}
    with engine_process(engine, "--die-after-clones", "3") as (process, url):
        with pytest.raises(requests.ConnectionError):  # the request's own process dies under it
            requests.post(f"{url}/api/vmpools", json=body, auth=ADMIN, timeout=120)
        assert process.wait(60) == -9  # killed after Cinder made the third VM's volume
    with engine_process(engine) as (_, url):
        deadline = time.monotonic() + 180
        while True:
            listed = requests.get(f"{url}/api/vms", auth=ADMIN, timeout=30).json()
            vms = [v for v in listed if v["name"].startswith("cut-")]
            disks = [requests.get(f"{url}/api/vms/{v['id']}/disks", auth=ADMIN, timeout=30).json() for v in vms]
            states = [d["status"]["state"] for attached in disks for d in attached]
            if len(vms) == 5 and len(states) == 5 and set(states) == {"ok"}:
                break
            assert time.monotonic() < deadline, (sorted(v["name"] for v in vms), states)
            time.sleep(0.5)
        assert sorted(v["name"] for v in vms) == [f"cut-{n}" for n in range(1, 6)]
        in_cinder = set(settled(cinder, domain_id)[0])
        assert in_cinder == engine_volumes(url)  # every volume is a disk of the engine, none twice
    engine_state(engine.app).poller.start()  # the clean-up's removals need a poller again


def test_an_engine_killed_in_a_stateless_stop_ends_the_run_after_its_restart(
    engine: Engine, stack: Stack, template: dict[str, Any]
) -> None:
    cinder, domain_id = template["cinder"], template["domain"]
    engine_state(engine.app).poller.stop()
    body = {"name": "once", "size": 1, "template": {"name": "pool-base"}}
    with engine_process(engine, "--die-after-releases", "1") as (process, url):
        added = requests.post(f"{url}/api/vmpools", json=body, auth=ADMIN, timeout=120)
        assert added.status_code == 201, added.text
        pool_id = added.json()["id"]
        (vm,) = [v for v in requests.get(f"{url}/api/vms", auth=ADMIN, timeout=30).json() if v["name"] == "once-1"]
        (disk,) = requests.get(f"{url}/api/vms/{vm['id']}/disks", auth=ADMIN, timeout=30).json()
        deadline = time.monotonic() + 120
        while requests.get(f"{url}/api/disks/{disk['id']}", auth=ADMIN, timeout=30).json()["status"]["state"] != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        started = requests.post(f"{url}/api/vmpools/{pool_id}/allocatevm", json={}, auth=ADMIN, timeout=120)
        assert started.status_code == 200, started.text
        throw_away = requests.get(f"{url}/api/disks/{disk['id']}", auth=ADMIN, timeout=30).json()["image_id"]
        assert throw_away != disk["id"]
        with pytest.raises(requests.ConnectionError):  # dies once the disk was released, before the run ended
            requests.post(f"{url}/api/vms/{vm['id']}/stop", json={}, auth=ADMIN, timeout=60)
        assert process.wait(60) == -9
    with engine_process(engine) as (_, url):
        deadline = time.monotonic() + 120
        while True:
            found = requests.get(f"{url}/api/vms/{vm['id']}", auth=ADMIN, timeout=30).json()
            active = requests.get(f"{url}/api/disks/{disk['id']}", auth=ADMIN, timeout=30).json()["image_id"]
            if found["status"]["state"] == "down" and active == disk["id"]:
                break
            assert time.monotonic() < deadline, (found, active)
            time.sleep(0.5)
        wait_until(lambda: throw_away not in settled(cinder, domain_id)[0], "the throw-away volume stays in Cinder")
        assert set(settled(cinder, domain_id)[0]) == engine_volumes(url)
        made = cinder.volumes.list(detailed=True, search_opts={"metadata": {DOMAIN_KEY: domain_id}})
        assert {v.status for v in made} == {"available"}  # nothing left attached or half deleted
    engine_state(engine.app).poller.start()  # the clean-up's removals need a poller again
