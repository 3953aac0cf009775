"""What an oVirt administrator sends on first contact, in the shapes oVirt's documentation and
SDK send them, on the real stack (SQLite and PostgreSQL): references by name, canonical URLs,
malformed bodies, refused requests that write nothing, oVirt's values for a Cinder domain, the
guards that keep an administrator, and what a user who is not an administrator may do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.disks import GiB, add_provider, cinder_volumes, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import ADMIN, Engine, assert_valid_xml
from tests.stack import Stack

XML = {"Accept": "application/xml", "Content-Type": "application/xml"}
MEMBER = ("member", "member-password")


@pytest.fixture
def domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, str, Any]]:
    """A provider on the stack's Cinder: (its storage domain's id, its name, an admin Cinder client)."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains) as cinder:
        provider = add_provider(engine, stack, name="stack-cinder")
        domains.append(storage_domain_of(engine, provider))
        yield domains[0], provider["name"], cinder


@pytest.fixture
def member(engine: Engine) -> tuple[str, str]:
    """A user who is not an administrator."""
    with engine_state(engine.app).session_factory() as session:
        add_user(session, MEMBER[0], hash_password(MEMBER[1]), administrator=False)
        session.commit()
    return MEMBER


def xml_disk(domain_reference: str, alias: str, volume_type: str, size: int = GiB) -> bytes:
    return (
        f"<disk><alias>{alias}</alias><provisioned_size>{size}</provisioned_size>"
        f"<storage_domains><storage_domain>{domain_reference}</storage_domain></storage_domains>"
        f"<openstack_volume_type><name>{volume_type}</name></openstack_volume_type></disk>"
    ).encode()


def test_a_storage_domain_is_referenced_by_name_in_xml(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, domain_name, _ = domain
    body = xml_disk(f"<name>{domain_name}</name>", "by-name", stack.volume_type_fake)
    added = engine.request("POST", "/api/disks", data=body, headers=XML)
    assert added.status_code == 201, added.data
    document = assert_valid_xml(added.data)
    assert document.xpath("string(storage_domain/@id)") == domain_id
    wait_for_disk(engine, str(document.get("id")), "ok")
    unknown = engine.request("POST", "/api/disks", data=xml_disk("<name>nowhere</name>", "x", "fake"), headers=XML)
    assert unknown.status_code == 400
    fault = assert_valid_xml(unknown.data)
    assert fault.findtext("detail") == "storage_domain: no storage domain with name 'nowhere'"
    by_id = engine.request("POST", "/api/disks", json=disk_body("no-such-id", GiB, stack.volume_type_fake))
    assert by_id.status_code == 400
    assert by_id.json["message"] == "storage_domain: no storage domain with id 'no-such-id'"


def test_data_centers_and_hosts_are_referenced_by_name(engine: Engine) -> None:
    data_center = engine.request("GET", f"/api/datacenters/{engine.data_center_id}").json
    vm = engine.request(
        "POST",
        "/api/vms",
        data=f"<vm><name>vm-by-name</name><cluster><data_center><name>{data_center['name']}</name>"
        "</data_center></cluster></vm>".encode(),
        headers=XML,
    )
    assert vm.status_code == 201, vm.data
    # the data center's (only) cluster; the data center is reachable from it
    assert assert_valid_xml(vm.data).xpath("string(cluster/@id)") == engine.cluster_id
    assert engine.request("GET", f"/api/clusters/{engine.cluster_id}").json["data_center"]["id"] == data_center["id"]
    refused = engine.request("POST", "/api/vms", json={"name": "vm2", "cluster": {"data_center": {"name": "nowhere"}}})
    assert refused.status_code == 400
    assert refused.json["message"] == "cluster.data_center: no data center with name 'nowhere'"
    host = engine.request(
        "POST",
        "/api/hosts",
        json={"name": "h1", "address": "127.0.0.1", "protocol": "test:///default",
              "cluster": {"data_center": {"name": data_center["name"]}}},
    )  # fmt: skip
    assert host.status_code == 201, host.json
    vm_id = vm.headers.get("Location", "").rsplit("/", 1)[-1] or assert_valid_xml(vm.data).get("id")
    start = engine.request("POST", f"/api/vms/{vm_id}/start", json={"host": {"name": "no-such-host"}})
    assert start.status_code == 400
    assert start.json["message"] == "host: no host with name 'no-such-host'"
    assert engine.request("GET", f"/api/vms/{vm_id}").json["status"]["state"] == "down"


def test_collections_answer_at_canonical_urls_without_redirects(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, _, _ = domain
    body = disk_body(domain_id, GiB, stack.volume_type_fake)
    canonical = engine.request("POST", "/api/disks", json=body)
    assert canonical.status_code == 201, canonical.json
    slashed = engine.request("POST", "/api/disks/", json={**body, "alias": "slashed"})
    assert slashed.status_code == 201, slashed.json  # an alias that answers the same, not a 308
    for added in (canonical, slashed):
        wait_for_disk(engine, added.json["id"], "ok")
    for collection in ("disks", "storagedomains", "datacenters", "clusters", "vms", "hosts", "users", "jobs",
                       "templates", "openstackvolumeproviders"):  # fmt: skip
        for path in (f"/api/{collection}", f"/api/{collection}/"):
            answer = engine.request("GET", path)
            assert answer.status_code == 200, (path, answer.status_code)
            for item in answer.json:
                assert not item["href"].endswith("/"), item["href"]
                assert item["href"].startswith(f"/api/{collection}/") or collection == "disks"
    spec_paths = engine.request("GET", "/api/openapi.json").json["paths"]
    assert [p for p in spec_paths if p.endswith("/") and p != "/api/"] == []


def test_a_malformed_vm_disk_body_is_a_4xx(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, _, cinder = domain
    vm = engine.request(
        "POST", "/api/vms", json={"name": "vm1", "cluster": {"data_center": {"id": engine.data_center_id}}}
    )
    vm_id = vm.json["id"]
    malformed: list[Any] = [
        {"provisioned_size": GiB, "storage_domains": "not-a-list"},
        {"provisioned_size": GiB, "storage_domains": {"storage_domain": [{"nothing": 1}]}},
        {"provisioned_size": GiB, "storage_domains": {"storage_domain": []}},
        {"provisioned_size": "big", "storage_domains": {"storage_domain": [{"id": domain_id}]}},
        {"alias": "no size"},
    ]
    for body in malformed:
        answer = engine.request("POST", f"/api/vms/{vm_id}/disks", json=body)
        assert answer.status_code == 422, (body, answer.status_code, answer.json)
    xml = engine.request(
        "POST", f"/api/vms/{vm_id}/disks", headers=XML,
        data=b"<disk><provisioned_size>1073741824</provisioned_size><storage_domains>x</storage_domains></disk>",
    )  # fmt: skip
    assert 400 <= xml.status_code < 500, xml.data
    assert_valid_xml(xml.data)
    assert engine.request("GET", f"/api/vms/{vm_id}/disks").json == []
    assert cinder_volumes(cinder, domain_id) == {}
    unknown_vm = engine.request("POST", "/api/vms/nope/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake))
    assert unknown_vm.status_code == 404
    assert cinder_volumes(cinder, domain_id) == {}  # no disk for a VM that does not exist


def test_a_refused_update_writes_nothing(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, _, cinder = domain
    disk = engine.request("POST", "/api/disks", json=disk_body(domain_id, 2 * GiB, stack.volume_type_fake)).json
    wait_for_disk(engine, disk["id"], "ok")
    answer = engine.request("PUT", f"/api/disks/{disk['id']}", json={"alias": "renamed", "provisioned_size": GiB})
    assert answer.status_code == 400
    assert answer.json["message"].startswith("provisioned_size: a disk cannot shrink")
    after = engine.request("GET", f"/api/disks/{disk['id']}").json
    assert after["alias"] == "disk1"
    assert after["provisioned_size"] == 2 * GiB
    assert cinder.volumes.get(disk["id"]).size == 2
    renamed = engine.request("PUT", f"/api/disks/{disk['id']}", json={"alias": "renamed"})
    assert renamed.status_code == 200
    assert renamed.json["alias"] == "renamed"


def test_errors_have_one_shape_in_json_and_xml(engine: Engine) -> None:
    missing = engine.request("GET", "/api/disks/nope")
    assert missing.status_code == 404
    assert missing.json == {"code": 404, "status": "Not Found", "message": "disk nope not found"}
    fault = engine.request("GET", "/api/openstackvolumeproviders/nope", headers=XML)
    assert fault.status_code == 404
    document = assert_valid_xml(fault.data)
    assert document.tag == "fault"
    assert document.findtext("reason") == "Not Found"
    assert "nope" in (document.findtext("detail") or "")
    invalid = engine.request("POST", "/api/datacenters", json={"name": "bad name!"})
    assert invalid.status_code == 422
    assert invalid.json["message"].startswith("name: ")


def test_a_cinder_domain_looks_as_ovirt_showed_it(engine: Engine, stack: Stack, domain: Any) -> None:
    domain_id, _, _ = domain
    shown = engine.request("GET", f"/api/storagedomains/{domain_id}", headers=XML)
    document = assert_valid_xml(shown.data)
    assert document.findtext("type") == "volume"
    assert document.findtext("storage/type") == "cinder"
    as_json = engine.request("GET", f"/api/storagedomains/{domain_id}").json
    assert as_json["type"] == "volume"
    assert as_json["storage"] == {"type": "cinder"}
    disk = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake)).json
    assert disk["storage_type"] == "cinder"
    wait_for_disk(engine, disk["id"], "ok")
    listed = assert_valid_xml(engine.request("GET", "/api/disks", headers=XML).data)
    assert [d.findtext("storage_type") for d in listed.findall("disk")] == ["cinder"]


def test_the_last_administrator_stays(engine: Engine) -> None:
    users = engine.request("GET", "/api/users").json
    admin_id = next(u["id"] for u in users if u["user_name"] == ADMIN[0])
    itself = engine.request("DELETE", f"/api/users/{admin_id}")
    assert itself.status_code == 409
    assert "logged in with" in itself.json["message"]
    demoted = engine.request("PUT", f"/api/users/{admin_id}", json={"administrator": False})
    assert demoted.status_code == 409
    assert "last SuperUser permission" in demoted.json["message"]
    second = engine.request(
        "POST", "/api/users", json={"user_name": "admin2", "password": "second-password", "administrator": True}
    ).json
    as_second = ("admin2", "second-password")
    assert engine.request("PUT", f"/api/users/{admin_id}", json={"administrator": False}).status_code == 200
    last = engine.request("DELETE", f"/api/users/{second['id']}", auth=ADMIN)
    assert last.status_code == 403  # admin is no administrator any more, at once (no cached flag)
    refused = engine.request("DELETE", f"/api/users/{second['id']}", auth=as_second)
    assert refused.status_code == 409
    assert engine.request("DELETE", f"/api/users/{admin_id}", auth=as_second).status_code == 204
    assert engine.request("GET", "/api/users", auth=ADMIN).status_code == 401
    for bad in ("", "a" * 256, "bad name", "x/y"):
        answer = engine.request("POST", "/api/users", auth=as_second, json={"user_name": bad, "password": "12345678"})
        assert answer.status_code == 422, bad
        assert answer.json["message"].startswith("user_name: ")


def test_administration_is_for_administrators(
    engine: Engine, stack: Stack, domain: Any, member: tuple[str, str]
) -> None:
    domain_id, _, cinder = domain
    provider_id = engine.request("GET", "/api/openstackvolumeproviders").json[0]["id"]
    key = {"uuid": "7a4c5ae2-4d07-4bd6-a1b7-3e5f3e5ad0c1", "value": "QVFDbVlXRm5BQUFBQUJBQUcrS2pUbEVmUnZ4TG1FRlZYUT09"}
    refused = [
        ("POST", "/api/openstackvolumeproviders", {"name": "p2", "url": stack.cinder_url, "data_center": {"id": "x"}}),
        ("PUT", f"/api/openstackvolumeproviders/{provider_id}", {"description": "mine now"}),
        ("POST", f"/api/openstackvolumeproviders/{provider_id}/authenticationkeys", key),
        ("POST", "/api/datacenters", {"name": "dc2"}),
        ("POST", "/api/hosts", {"name": "h", "address": "a", "cluster": {"data_center": {"id": "x"}}}),
        ("POST", "/api/users", {"user_name": "u2", "password": "12345678", "administrator": True}),
    ]
    for method, path, body in refused:
        answer = engine.request(method, path, json=body, auth=member)
        assert answer.status_code == 403, (method, path, answer.json)
        assert f"user {member[0]} lacks the action group " in answer.json["message"]
    hidden = engine.request("DELETE", f"/api/datacenters/{engine.data_center_id}", auth=member)
    assert hidden.status_code == 404  # he sees no data center: it does not exist for him
    assert engine.request("GET", f"/api/openstackvolumeproviders/{provider_id}/authenticationkeys").json == []
    assert engine.request("GET", f"/api/openstackvolumeproviders/{provider_id}").json.get("description") != "mine now"

    # DiskCreator on the domain and VmCreator on the data center: he makes disks and VMs, and
    # sees only his own (he is given DiskOperator and UserVmManager on what he makes)
    for path, role in ((f"/api/storagedomains/{domain_id}", "DiskCreator"),
                       (f"/api/datacenters/{engine.data_center_id}", "VmCreator")):  # fmt: skip
        granted = engine.request(
            "POST", f"{path}/permissions", json={"role": {"name": role}, "user": {"name": member[0]}}
        )
        assert granted.status_code == 201, granted.json
    theirs = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake)).json
    mine = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake, alias="m"),
                          auth=member)  # fmt: skip
    assert mine.status_code == 201, mine.json
    for added in (theirs, mine.json):
        wait_for_disk(engine, added["id"], "ok")
    assert [d["id"] for d in engine.request("GET", "/api/disks", auth=member).json] == [mine.json["id"]]
    assert len(engine.request("GET", "/api/disks").json) == 2  # the administrator sees both
    assert engine.request("GET", f"/api/disks/{theirs['id']}", auth=member).status_code == 404
    assert engine.request("PUT", f"/api/disks/{theirs['id']}", json={"alias": "x"}, auth=member).status_code == 404
    assert engine.request("DELETE", f"/api/disks/{theirs['id']};async", auth=member).status_code == 404
    vm = engine.request(
        "POST",
        "/api/vms",
        auth=member,
        json={"name": "mine", "cluster": {"data_center": {"id": engine.data_center_id}}},
    )
    assert vm.status_code == 201
    attach = engine.request("POST", f"/api/vms/{vm.json['id']}/disks", json={"id": theirs["id"]}, auth=member)
    assert attach.status_code == 400
    assert attach.json["message"].startswith("disk: no disk")
    admins_vm = engine.request(
        "POST", "/api/vms", json={"name": "theirs", "cluster": {"data_center": {"id": engine.data_center_id}}}
    ).json
    assert [v["name"] for v in engine.request("GET", "/api/vms", auth=member).json] == ["mine"]
    assert engine.request("GET", f"/api/vms/{admins_vm['id']}", auth=member).status_code == 404
    assert engine.request("DELETE", f"/api/vms/{admins_vm['id']}", auth=member).status_code == 404
    assert set(cinder_volumes(cinder, domain_id)) == {theirs["id"], mine.json["id"]}
