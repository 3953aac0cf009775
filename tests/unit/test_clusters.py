"""Clusters and the Blank template (in-process engine, SQLite, no service).

A new engine has oVirt's ``Default`` data center with its ``Default`` cluster (``db upgrade``),
beside the tests' ``dc1`` and its cluster ``dc1``; ``/api/clusters`` adds, lists, gets, changes
and removes clusters; hosts, VMs and pools name their cluster by id or name (``Default``), or by
its data center alone (that data center's first cluster by name); the ``Blank`` template is
there for everyone, and a VM made from it is a VM made from nothing. Every refusal writes
nothing; every answer is valid oVirt 3.6 XML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.db.models import BLANK_TEMPLATE_ID, DEFAULT_CLUSTER_ID, Cluster, Template, Vm, VmPool
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml, build_engine, stop_engine

XML = {"Accept": "application/xml"}
XML_IN = {**XML, "Content-Type": "application/xml"}
MEMBER = ("member", "member-password")
HOST = {"address": "127.0.0.1", "protocol": "test:///default"}


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Engine]:
    built = build_engine(tmp_path, "")
    with engine_state(built.app).session_factory() as session:
        add_user(session, MEMBER[0], hash_password(MEMBER[1]), administrator=False)
        session.commit()
    yield built
    stop_engine(built)


def counts(engine: Engine) -> tuple[int, int, int, int]:
    """Clusters, VMs, pools and templates: what a refused request must leave as it was."""
    with engine_state(engine.app).session_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Cluster)) or 0,
            session.scalar(select(func.count()).select_from(Vm)) or 0,
            session.scalar(select(func.count()).select_from(VmPool)) or 0,
            session.scalar(select(func.count()).select_from(Template)) or 0,
        )


def refused(engine: Engine, status: int, message: str, method: str, path: str, **kwargs: Any) -> None:
    before = counts(engine)
    answer = engine.request(method, path, **kwargs)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["message"] == message
    assert counts(engine) == before


def grant(engine: Engine, path: str, role: str) -> None:
    answer = engine.request("POST", f"{path}/permissions", json={"role": {"name": role}, "user": {"name": MEMBER[0]}})
    assert answer.status_code == 201, answer.get_json()


def add_cluster(engine: Engine, name: str, data_center: dict[str, str], description: str = "") -> dict[str, Any]:
    answer = engine.request(
        "POST", "/api/clusters", json={"name": name, "data_center": data_center, "description": description}
    )
    assert answer.status_code == 201, answer.get_json()
    created: dict[str, Any] = answer.get_json()
    return created


def add_vm(engine: Engine, name: str, cluster: dict[str, Any], **more: Any) -> dict[str, Any]:
    answer = engine.request("POST", "/api/vms", json={"name": name, "cluster": cluster, **more})
    assert answer.status_code == 201, answer.get_json()
    created: dict[str, Any] = answer.get_json()
    return created


# -- what db upgrade made ----------------------------------------------------------------------


def test_a_new_engine_has_the_default_data_center_and_cluster(local: Engine) -> None:
    clusters = local.request("GET", "/api/clusters").get_json()
    assert [(c["name"], c["id"]) for c in clusters] == [("Default", DEFAULT_CLUSTER_ID), ("dc1", local.cluster_id)]
    default = local.request("GET", "/api/clusters/Default").get_json()
    data_center = local.request("GET", default["data_center"]["href"]).get_json()
    assert data_center["name"] == "Default"
    assert default["href"] == f"/api/clusters/{DEFAULT_CLUSTER_ID}"
    listed = assert_valid_xml(local.request("GET", "/api/clusters", headers=XML).data)
    assert listed.tag == "clusters"
    assert listed.xpath("cluster[name='dc1']/data_center/@id") == [local.data_center_id]
    one = assert_valid_xml(local.request("GET", f"/api/clusters/{DEFAULT_CLUSTER_ID}", headers=XML).data)
    assert one.get("id") == DEFAULT_CLUSTER_ID
    # a data center added through the API gets no cluster, as in oVirt
    added = local.request("POST", "/api/datacenters", json={"name": "bare"}).get_json()
    assert local.request("GET", f"/api/datacenters/{added['id']}/clusters").get_json() == []


# -- /api/clusters -------------------------------------------------------------------------------


def test_clusters_are_added_listed_changed_and_removed(local: Engine) -> None:
    web = add_cluster(local, "web", {"name": "dc1"}, "the web tier")
    assert web["data_center"]["id"] == local.data_center_id
    assert web["description"] == "the web tier"
    for reference in (web["id"], "web"):
        assert local.request("GET", f"/api/clusters/{reference}").get_json()["id"] == web["id"]
    assert [c["name"] for c in local.request("GET", "/api/clusters?search=name%3Dw*").get_json()] == ["web"]
    assert [c["name"] for c in local.request("GET", "/api/clusters?max=1").get_json()] == ["Default"]
    in_dc1 = local.request("GET", f"/api/datacenters/{local.data_center_id}/clusters", headers=XML)
    assert assert_valid_xml(in_dc1.data).xpath("cluster/name/text()") == ["dc1", "web"]
    by_name = local.request("GET", "/api/datacenters/dc1/clusters?search=name%3Dweb").get_json()
    assert [c["id"] for c in by_name] == [web["id"]]
    changed = local.request("PUT", f"/api/clusters/{web['id']}", json={"name": "www", "description": "renamed"})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["name"], changed.get_json()["description"]) == ("www", "renamed")
    same_place = local.request("PUT", "/api/clusters/www", json={"data_center": {"id": local.data_center_id}})
    assert same_place.status_code == 200, same_place.get_json()
    xml_body = b"<cluster><name>api</name><data_center><name>dc1</name></data_center></cluster>"
    by_xml = local.request("POST", "/api/clusters", data=xml_body, headers=XML_IN)
    assert by_xml.status_code == 201, by_xml.data
    assert assert_valid_xml(by_xml.data).xpath("string(data_center/@id)") == local.data_center_id
    assert local.request("DELETE", f"/api/clusters/{web['id']}").status_code == 204
    assert local.request("GET", f"/api/clusters/{web['id']}").status_code == 404


def test_cluster_refusals_write_nothing(local: Engine) -> None:
    add_cluster(local, "web", {"id": local.data_center_id})
    refused(local, 409, "name: a cluster named 'web' exists", "POST", "/api/clusters",
            json={"name": "web", "data_center": {"name": "Default"}})  # fmt: skip
    refused(local, 400, "data_center: no data center with name 'nowhere'", "POST", "/api/clusters",
            json={"name": "c2", "data_center": {"name": "nowhere"}})  # fmt: skip
    bad_name = local.request("POST", "/api/clusters", json={"name": "bad name!", "data_center": {"name": "dc1"}})
    assert bad_name.status_code == 422
    assert local.request("POST", "/api/clusters", json={"name": "c2"}).status_code == 422  # no data center
    refused(local, 409, "name: a cluster named 'Default' exists", "PUT", "/api/clusters/web", json={"name": "Default"})
    refused(local, 409, "data_center: cluster web cannot move to another data center", "PUT", "/api/clusters/web",
            json={"name": "moved", "data_center": {"name": "Default"}})  # fmt: skip
    assert local.request("GET", "/api/clusters/web").get_json()["data_center"]["id"] == local.data_center_id
    refused(local, 404, "cluster nope not found", "DELETE", "/api/clusters/nope")
    add_vm(local, "v1", {"name": "web"})
    refused(local, 409, "cluster web still has VMs", "DELETE", "/api/clusters/web")
    host = local.request("POST", "/api/hosts", json={"name": "h1", **HOST, "cluster": {"name": "dc1"}})
    assert host.status_code == 201, host.get_json()
    refused(local, 409, "cluster dc1 still has hosts", "DELETE", "/api/clusters/dc1")
    # a data center's clusters keep it while something is in them
    refused(local, 409, "the data center still has hosts and VMs", "DELETE", f"/api/datacenters/{local.data_center_id}")


def test_a_data_center_goes_with_its_empty_clusters(local: Engine) -> None:
    data_center = local.request("POST", "/api/datacenters", json={"name": "lab"}).get_json()
    cluster = add_cluster(local, "lab-cluster", {"name": "lab"})
    assert local.request("DELETE", f"/api/datacenters/{data_center['id']}").status_code == 204
    assert local.request("GET", f"/api/clusters/{cluster['id']}").status_code == 404


def test_only_a_superuser_adds_clusters_and_a_data_center_admin_manages_its_own(local: Engine) -> None:
    body = {"name": "mine", "data_center": {"name": "dc1"}}
    refused(local, 403, "user member lacks the action group create_cluster on the system", "POST", "/api/clusters",
            json=body, auth=MEMBER)  # fmt: skip
    grant(local, f"/api/datacenters/{local.data_center_id}", "DataCenterAdmin")
    assert local.request("PUT", "/api/clusters/dc1", json={"description": "his"}, auth=MEMBER).status_code == 200
    hers = local.request("PUT", "/api/clusters/Default", json={"description": "his"}, auth=MEMBER)
    assert hers.status_code == 403  # an administrator sees it, and may not change it
    assert local.request("DELETE", "/api/clusters/dc1", auth=MEMBER).status_code == 204


# -- what belongs to a cluster -------------------------------------------------------------------


def test_a_vm_names_its_cluster_by_name_by_id_or_by_its_data_center(local: Engine) -> None:
    web = add_cluster(local, "web", {"name": "dc1"})
    by_name = add_vm(local, "by-name", {"name": "web"})
    assert by_name["cluster"] == {"id": web["id"], "href": f"/api/clusters/{web['id']}"}
    assert add_vm(local, "in-default", {"name": "Default"})["cluster"]["id"] == DEFAULT_CLUSTER_ID
    assert add_vm(local, "by-id", {"id": web["id"]})["cluster"]["id"] == web["id"]
    # the older form: the data center's first cluster by name (dc1 before web)
    assert add_vm(local, "by-dc", {"data_center": {"id": local.data_center_id}})["cluster"]["id"] == local.cluster_id
    assert add_vm(local, "both", {"name": "web", "data_center": {"name": "dc1"}})["cluster"]["id"] == web["id"]
    xml_body = b"<vm><name>by-xml</name><cluster><name>Default</name></cluster></vm>"
    answer = local.request("POST", "/api/vms", data=xml_body, headers=XML_IN)
    assert answer.status_code == 201, answer.data
    document = assert_valid_xml(answer.data)
    assert document.xpath("string(cluster/@id)") == DEFAULT_CLUSTER_ID
    assert document.xpath("string(cluster/@href)") == f"/api/clusters/{DEFAULT_CLUSTER_ID}"
    assert_valid_xml(local.request("GET", "/api/vms", headers=XML).data)


def test_a_vm_in_an_unknown_or_missing_cluster_is_refused_and_nothing_is_written(local: Engine) -> None:
    bare = local.request("POST", "/api/datacenters", json={"name": "bare"}).get_json()
    refused(local, 400, "cluster: no cluster with name 'nope'", "POST", "/api/vms",
            json={"name": "v", "cluster": {"name": "nope"}})  # fmt: skip
    refused(local, 400, "cluster.data_center: data center bare has no cluster: add one, or name the cluster",
            "POST", "/api/vms", json={"name": "v", "cluster": {"data_center": {"id": bare["id"]}}})  # fmt: skip
    refused(local, 400, "cluster.data_center: no data center with name 'nowhere'", "POST", "/api/vms",
            json={"name": "v", "cluster": {"data_center": {"name": "nowhere"}}})  # fmt: skip
    refused(local, 400, "cluster.data_center: cluster Default is not in data center dc1", "POST", "/api/vms",
            json={"name": "v", "cluster": {"name": "Default", "data_center": {"name": "dc1"}}})  # fmt: skip
    empty = local.request("POST", "/api/vms", json={"name": "v", "cluster": {}})
    assert empty.status_code == 422, empty.get_json()
    assert "cluster" in empty.get_json()["message"]


def test_hosts_name_their_cluster_and_a_vm_runs_only_in_its_own(local: Engine) -> None:
    host = local.request("POST", "/api/hosts", json={"name": "h1", **HOST, "cluster": {"name": "Default"}})
    assert host.status_code == 201, host.get_json()
    assert (
        assert_valid_xml(local.request("GET", "/api/hosts/h1", headers=XML).data).xpath("string(cluster/@id)")
        == DEFAULT_CLUSTER_ID
    )
    unknown = local.request("POST", "/api/hosts", json={"name": "h2", **HOST, "cluster": {"id": "nope"}})
    assert unknown.status_code == 400
    assert unknown.get_json()["message"] == "cluster: no cluster with id 'nope'"
    vm = add_vm(local, "v1", {"name": "dc1"})
    started = local.request("POST", f"/api/vms/{vm['id']}/start", json={"host": {"name": "h1"}})
    assert started.status_code == 409
    assert started.get_json()["message"] == "host: h1 is not in the cluster of VM v1"
    anywhere = local.request("POST", f"/api/vms/{vm['id']}/start", json={})
    assert anywhere.status_code == 409
    assert anywhere.get_json()["message"] == "host: no active host in the cluster of VM v1"


def test_create_vm_is_checked_on_the_cluster_which_inherits_from_its_data_center(local: Engine) -> None:
    web = add_cluster(local, "web", {"name": "dc1"})
    grant(local, f"/api/clusters/{web['id']}", "VmCreator")
    in_web = {"name": "a", "cluster": {"name": "web"}}
    assert local.request("POST", "/api/vms", auth=MEMBER, json=in_web).status_code == 201
    refused(local, 400, f"cluster: no cluster with id '{local.cluster_id}'", "POST", "/api/vms", auth=MEMBER,
            json={"name": "b", "cluster": {"id": local.cluster_id}})  # fmt: skip
    # his data center is not his to see: its first cluster is not found through it
    refused(local, 400, f"cluster.data_center: no data center with id '{local.data_center_id}'", "POST", "/api/vms",
            auth=MEMBER, json={"name": "b", "cluster": {"data_center": {"id": local.data_center_id}}})  # fmt: skip
    grant(local, f"/api/datacenters/{local.data_center_id}", "VmCreator")
    by_data_center = {"name": "c", "cluster": {"data_center": {"id": local.data_center_id}}}
    assert local.request("POST", "/api/vms", auth=MEMBER, json=by_data_center).status_code == 201
    in_dc1 = {"name": "d", "cluster": {"name": "dc1"}}
    assert local.request("POST", "/api/vms", auth=MEMBER, json=in_dc1).status_code == 201


def test_a_pool_is_in_its_cluster_or_its_templates_data_centers_first(local: Engine) -> None:
    refused(local, 422, "cluster: give the pool's cluster: template Blank is in no data center", "POST",
            "/api/vmpools", json={"name": "p", "size": 1, "template": {"name": "Blank"}})  # fmt: skip
    pool = local.request("POST", "/api/vmpools", json={"name": "p", "size": 2, "template": {"name": "Blank"},
                                                        "cluster": {"name": "Default"}})  # fmt: skip
    assert pool.status_code == 201, pool.get_json()
    assert pool.get_json()["cluster"]["id"] == DEFAULT_CLUSTER_ID
    assert_valid_xml(local.request("GET", f"/api/vmpools/{pool.get_json()['id']}", headers=XML).data)
    vms = [v for v in local.request("GET", "/api/vms").get_json() if v.get("vmpool")]
    assert sorted(v["name"] for v in vms) == ["p-1", "p-2"]
    assert {v["cluster"]["id"] for v in vms} == {DEFAULT_CLUSTER_ID}
    assert all("template" not in v for v in vms)  # made from nothing
    refused(local, 409, "cluster: pool p is in another cluster: its cluster cannot change", "PUT",
            f"/api/vmpools/{pool.get_json()['id']}", json={"cluster": {"name": "dc1"}})  # fmt: skip


# -- the Blank template --------------------------------------------------------------------------


def test_the_blank_template_is_there_and_stays(local: Engine) -> None:
    for reference in (BLANK_TEMPLATE_ID, "Blank"):
        blank = local.request("GET", f"/api/templates/{reference}", headers=XML)
        assert blank.status_code == 200, blank.data
        document = assert_valid_xml(blank.data)
        assert (document.get("id"), document.findtext("name"), document.findtext("status/state")) == (
            BLANK_TEMPLATE_ID, "Blank", "ok",
        )  # fmt: skip
        assert document.find("cluster") is None  # in no data center
    assert [t["name"] for t in local.request("GET", "/api/templates").get_json()] == ["Blank"]
    assert local.request("GET", f"/api/templates/{BLANK_TEMPLATE_ID}/disks").get_json() == []
    refused(local, 409, "template Blank is the template of VMs made from nothing: it stays", "DELETE",
            f"/api/templates/{BLANK_TEMPLATE_ID}")  # fmt: skip
    taken = local.request("POST", "/api/templates", json={"name": "Blank", "vm": {"id": "nope"}})
    assert taken.status_code == 400  # no such VM: refused before the name is even tried


def test_a_vm_made_from_blank_is_a_vm_made_from_nothing(local: Engine) -> None:
    by_id = add_vm(local, "from-blank", {"name": "dc1"}, template={"id": BLANK_TEMPLATE_ID})
    by_name = add_vm(local, "from-blank-by-name", {"name": "Default"}, template={"name": "Blank"})
    plain = add_vm(local, "from-nothing", {"name": "dc1"})
    for made in (by_id, by_name):
        assert "template" not in made
        assert {k: v for k, v in made.items() if k not in {"id", "href", "name", "cluster"}} == {
            k: v for k, v in plain.items() if k not in {"id", "href", "name", "cluster"}
        }
        assert local.request("GET", f"/api/vms/{made['id']}/disks").get_json() == []
    xml_body = (
        b"<vm><name>xml-blank</name><cluster><name>Default</name></cluster><template><name>Blank</name></template></vm>"
    )
    answer = local.request("POST", "/api/vms", data=xml_body, headers=XML_IN)
    assert answer.status_code == 201, answer.data
    assert assert_valid_xml(answer.data).find("template") is None


def test_every_user_sees_blank_and_makes_vms_from_it(local: Engine) -> None:
    assert [t["name"] for t in local.request("GET", "/api/templates", auth=MEMBER).get_json()] == ["Blank"]
    assert local.request("GET", "/api/templates/Blank", auth=MEMBER).status_code == 200
    assert local.request("GET", "/api/templates/Blank/permissions", auth=MEMBER).status_code == 200
    refused(local, 403, "user member lacks the action group delete_template on template Blank", "DELETE",
            "/api/templates/Blank", auth=MEMBER)  # fmt: skip
    body = {"name": "his", "cluster": {"name": "dc1"}, "template": {"name": "Blank"}}
    refused(local, 403, "user member lacks the action group create_vm on any object", "POST", "/api/vms",
            auth=MEMBER, json=body)  # fmt: skip
    grant(local, f"/api/clusters/{local.cluster_id}", "VmCreator")
    assert local.request("POST", "/api/vms", auth=MEMBER, json=body).status_code == 201
