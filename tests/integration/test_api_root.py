"""``GET /api``, the API's entry point, on both databases: oVirt's ``<api>`` document linking every
collection the OpenAPI document has (the plugin's included), the product, and summary counts that
follow what is added; valid against api.xsd, JSON alike; credentials required."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib.metadata import version as installed_version
from typing import Any

from tests.disks import add_provider
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack

XML = {"Accept": "application/xml"}
COLLECTION_PATH = re.compile(r"/api/(?P<name>[^/{}]+)")
TEST_URI = "test:///default"


def openapi_collections(engine: Engine) -> set[str]:
    paths = engine.client.get("/api/openapi.json").get_json()["paths"]
    return {found["name"] for path in paths if (found := COLLECTION_PATH.fullmatch(path))}


def summary(engine: Engine) -> dict[str, Any]:
    answer = engine.request("GET", "/api")
    assert answer.status_code == 200, answer.json
    counts: dict[str, Any] = answer.json["summary"]
    return counts


def test_the_links_name_every_collection_of_the_openapi_document(engine: Engine) -> None:
    answer = engine.request("GET", "/api", headers=XML)
    assert answer.status_code == 200
    assert answer.mimetype == "application/xml"
    document = assert_valid_xml(answer.data)
    assert document.tag == "api"
    links = {link.get("rel", ""): link.get("href", "") for link in document.findall("link")}
    collections = openapi_collections(engine)
    assert {"disks", "storagedomains", "vms", "hosts", "datacenters", "clusters", "jobs", "users"} <= collections
    assert "openstackvolumeproviders" in collections  # the plugin's, which the engine does not know
    assert set(links) == collections
    assert links == {name: f"/api/{name}" for name in collections}  # canonical: no trailing slash
    for href in links.values():
        assert engine.request("GET", href).status_code == 200, href
    assert engine.request("GET", "/api").json["link"] == [{"rel": r, "href": h} for r, h in sorted(links.items())]


def test_product_info_and_time(engine: Engine) -> None:
    document = assert_valid_xml(engine.request("GET", "/api", headers=XML).data)
    product = engine.request("GET", "/api").json["product_info"]
    assert product["name"] == document.findtext("product_info/name") == engine.app.config["API_TITLE"]
    assert product["vendor"] == document.findtext("product_info/vendor")
    full_version = document.findtext("product_info/full_version")
    assert product["full_version"] == full_version
    version = document.find("product_info/version")
    assert version is not None
    parts = ("major", "minor", "build", "revision")
    numbers = [int(version.get(part, "")) for part in parts]
    assert product["version"] == dict(zip(parts, numbers, strict=True))
    assert full_version == installed_version("ovirt-cinder-plugin")
    release = re.match(r"[0-9]+(\.[0-9]+)*", full_version)
    assert release is not None
    assert numbers == ([int(n) for n in release.group().split(".")] + [0, 0, 0])[:4]
    stamped = datetime.fromisoformat(document.findtext("time") or "")
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=1)


def test_summary_counts_follow_what_is_added(engine: Engine, stack: Stack) -> None:
    before = summary(engine)
    assert before == {
        "vms": {"total": 0, "active": 0},
        "hosts": {"total": 0, "active": 0},
        "users": {"total": 1},  # the administrator
        "storage_domains": {"total": 0, "active": 0},
    }
    cluster = {"data_center": {"id": engine.data_center_id}}

    added = engine.request("POST", "/api/users", json={"user_name": "operator", "password": "operator-pass"})
    assert added.status_code == 201, added.json
    assert summary(engine)["users"] == {"total": 2}

    vm = engine.request("POST", "/api/vms", json={"name": "counted", "cluster": cluster})
    assert vm.status_code == 201, vm.json
    assert summary(engine)["vms"] == {"total": 1, "active": 0}  # down

    host = engine.request(
        "POST", "/api/hosts", json={"name": "counted", "address": "127.0.0.1", "protocol": TEST_URI, "cluster": cluster}
    )
    assert host.status_code == 201, host.json
    assert summary(engine)["hosts"] == {"total": 1, "active": 0}  # in maintenance
    assert engine.request("POST", f"{host.json['href']}/activate", json={}).status_code == 200
    assert summary(engine)["hosts"] == {"total": 1, "active": 1}

    started = engine.request("POST", f"{vm.json['href']}/start", json={})
    assert started.status_code == 200, started.json
    try:
        assert summary(engine)["vms"] == {"total": 1, "active": 1}
    finally:
        assert engine.request("POST", f"{vm.json['href']}/stop", json={}).status_code == 200
    assert summary(engine)["vms"] == {"total": 1, "active": 0}

    add_provider(engine, stack)  # its storage domain, active
    counted = summary(engine)
    assert counted["storage_domains"] == {"total": 1, "active": 1}
    document = assert_valid_xml(engine.request("GET", "/api", headers=XML).data)
    assert document.findtext("summary/vms/total") == "1"
    assert document.findtext("summary/hosts/active") == "1"
    assert document.findtext("summary/users/total") == "2"
    assert document.findtext("summary/storage_domains/total") == "1"


def test_the_entry_point_requires_credentials(engine: Engine) -> None:
    for path in ("/api", "/api/"):
        refused = engine.client.get(path, headers=XML)
        assert refused.status_code == 401, path
        assert refused.headers["WWW-Authenticate"].startswith("Basic")
        assert assert_valid_xml(refused.data).tag == "fault"
    assert engine.client.get("/api", auth=("admin", "wrong-password")).status_code == 401
    assert engine.request("GET", "/api/").status_code == 200  # the slashed alias, as for collections
