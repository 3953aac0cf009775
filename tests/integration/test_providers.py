"""OpenStack volume providers, their volume types and authentication keys, through the engine's
REST API against the stack's real Keystone and Cinder, on SQLite and PostgreSQL, in JSON and XML."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ovirt_cinder_plugin.db.models import AuthenticationKey, Provider
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack

XML = {"Accept": "application/xml"}
CEPHX_KEY = "AQAmxKFWmdTMORAAxAEmWGLR0YXgVWeJEAmyaw=="
SEED_KEY_XML = f"""<openstack_volume_authentication_key>
  <description>my ceph secret</description>
  <uuid>c50352a3-0700-48e9-9189-ed359c09bcf4</uuid>
  <usage_type>ceph</usage_type>
  <value>{CEPHX_KEY}</value>
</openstack_volume_authentication_key>"""
SEED_PROVIDER_XML = """<openstack_volume_provider>
  <name>cinder1</name>
  <url>http://cinder.example.com:8776</url>
  <data_center><name>dc1</name></data_center>
  <requires_authentication>true</requires_authentication>
  <username>cinder</username>
  <password>mypass</password>
  <tenant_name>services</tenant_name>
  <authentication_url>http://keystone.example.com:35357/v2.0</authentication_url>
</openstack_volume_provider>"""


def provider_body(stack: Stack, engine: Engine, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "cinder1",
        "description": "the stack's Cinder",
        "url": stack.cinder_url,
        "requires_authentication": True,
        "username": stack.env["OS_USERNAME"],
        "password": stack.env["OS_PASSWORD"],
        "tenant_name": stack.env["OS_PROJECT_NAME"],
        "authentication_url": stack.keystone_url,
        "properties": {"property": [{"name": "user_domain_name", "value": "Default"}]},
        "data_center": {"id": engine.data_center_id},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def rows(engine: Engine) -> tuple[int, int, int]:
    with engine_state(engine.app).session_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Provider)) or 0,
            session.scalar(select(func.count()).select_from(StorageDomain)) or 0,
            session.scalar(select(func.count()).select_from(AuthenticationKey)) or 0,
        )


def test_provider_lifecycle_in_json_and_xml(stack: Stack, engine: Engine) -> None:
    created = engine.request("POST", "/api/openstackvolumeproviders", json=provider_body(stack, engine))
    assert created.status_code == 201, created.json
    provider = created.json
    assert "password" not in provider
    assert stack.env["OS_PASSWORD"] not in created.get_data(as_text=True)
    assert provider["data_center"]["id"] == engine.data_center_id
    provider_path = f"/api/openstackvolumeproviders/{provider['id']}"
    assert provider["href"] == provider_path

    domains = engine.request("GET", "/api/storagedomains").json
    assert [(d["name"], d["type"], d["status"]["state"]) for d in domains] == [("cinder1", "volume", "active")]

    document = assert_valid_xml(engine.request("GET", provider_path, headers=XML).data)
    assert document.tag == "openstack_volume_provider"
    assert document.get("id") == provider["id"]
    assert document.findtext("requires_authentication") == "true"
    assert document.find("password") is None
    assert_valid_xml(engine.request("GET", "/api/openstackvolumeproviders", headers=XML).data)

    with engine_state(engine.app).session_factory() as session:
        stored = session.get(Provider, provider["id"])
        assert stored is not None
        assert stored.password_encrypted is not None
        assert stack.env["OS_PASSWORD"].encode() not in stored.password_encrypted

    updated = engine.request("PUT", provider_path, json={"description": "changed"})
    assert updated.status_code == 200, updated.json
    assert updated.json["description"] == "changed"
    # an unreachable Keystone URL the update brings is the request's fault: 400, nothing changes
    elsewhere = {"authentication_url": "http://127.0.0.1:9/v3", "description": "x"}
    moved = engine.request("PUT", provider_path, json=elsewhere)
    assert moved.status_code == 400, moved.json
    assert moved.json["message"].startswith("authentication_url: cannot reach Keystone at http://127.0.0.1:9/v3")
    kept = engine.request("GET", provider_path).json
    assert (kept["authentication_url"], kept["description"]) == (stack.keystone_url, "changed")

    types = engine.request("GET", f"{provider_path}/volumetypes")
    assert types.status_code == 200, types.json
    by_name = {t["name"]: t for t in types.json}
    assert by_name[stack.volume_type_rbd]["properties"] == {
        "property": [{"name": "volume_backend_name", "value": stack.volume_type_rbd}]
    }
    one = engine.request("GET", f"{provider_path}/volumetypes/{by_name['rbd']['id']}", headers=XML)
    assert assert_valid_xml(one.data).findtext("name") == "rbd"
    assert_valid_xml(engine.request("GET", f"{provider_path}/volumetypes", headers=XML).data)

    key = engine.request(
        "POST", f"{provider_path}/authenticationkeys", data=SEED_KEY_XML, content_type="application/xml", headers=XML
    )
    assert key.status_code == 201, key.data
    key_document = assert_valid_xml(key.data)
    assert key_document.findtext("uuid") == "c50352a3-0700-48e9-9189-ed359c09bcf4"
    assert key_document.find("value") is None
    assert CEPHX_KEY not in key.get_data(as_text=True)
    key_path = f"{provider_path}/authenticationkeys/{key_document.get('id')}"
    assert engine.request("PUT", key_path, json={"description": "renamed"}).json["description"] == "renamed"
    assert_valid_xml(engine.request("GET", f"{provider_path}/authenticationkeys", headers=XML).data)
    assert engine.request("DELETE", key_path).status_code == 204
    assert engine.request("GET", key_path).status_code == 404

    assert engine.request("DELETE", provider_path).status_code == 204
    assert engine.request("GET", provider_path).status_code == 404
    assert rows(engine) == (0, 0, 0)


def test_bad_input_is_refused_naming_the_field_and_leaves_no_row(stack: Stack, engine: Engine) -> None:
    wrong_password = engine.request(
        "POST", "/api/openstackvolumeproviders", json=provider_body(stack, engine, password="wrong")
    )
    assert wrong_password.status_code == 400
    assert "authentication failed" in wrong_password.json["message"]

    unreachable = engine.request(
        "POST", "/api/openstackvolumeproviders", json=provider_body(stack, engine, url="http://127.0.0.1:9/v3")
    )
    assert unreachable.status_code == 400
    assert unreachable.json["message"].startswith("url: ")
    assert "http://127.0.0.1:9/v3" in unreachable.json["message"]

    seed = engine.request(
        "POST", "/api/openstackvolumeproviders", data=SEED_PROVIDER_XML, content_type="application/xml", headers=XML
    )
    # parsed and validated; keystone.example.com is not reachable from here: the request's URL
    assert seed.status_code == 400, seed.data
    assert b"authentication_url: cannot reach Keystone at" in seed.data
    assert b"keystone.example.com" in seed.data
    assert_valid_xml(seed.data)

    cases = {
        "bogus": provider_body(stack, engine, bogus=1),
        "url": provider_body(stack, engine, url="ftp://127.0.0.1/v3"),
        "name": provider_body(stack, engine, name="has spaces"),
        "requires_authentication": provider_body(stack, engine, requires_authentication="perhaps"),
        "data_center": provider_body(stack, engine, data_center={"name": "nowhere"}),
    }
    for field, body in cases.items():
        refused = engine.request("POST", "/api/openstackvolumeproviders", json=body)
        assert 400 <= refused.status_code < 500, (field, refused.json)
        assert field in refused.json["message"], (field, refused.json)

    dtd = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<openstack_volume_provider><name>&a;</name></openstack_volume_provider>"
    )
    refused = engine.request("POST", "/api/openstackvolumeproviders", data=dtd, content_type="application/xml")
    assert refused.status_code == 400
    big = engine.request(
        "POST",
        "/api/openstackvolumeproviders",
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert big.status_code == 413
    assert rows(engine) == (0, 0, 0)

    assert engine.request("POST", "/api/openstackvolumeproviders", json=provider_body(stack, engine)).status_code == 201
    duplicate = engine.request("POST", "/api/openstackvolumeproviders", json=provider_body(stack, engine))
    assert duplicate.status_code == 409
    assert "name" in duplicate.json["message"]
    provider_id = engine.request("GET", "/api/openstackvolumeproviders").json[0]["id"]
    bad_key = engine.request(
        "POST",
        f"/api/openstackvolumeproviders/{provider_id}/authenticationkeys",
        json={"uuid": "not-a-uuid", "value": "!!"},
    )
    assert bad_key.status_code == 422
    assert "uuid" in bad_key.json["message"]
    assert "value" in bad_key.json["message"]
    assert rows(engine) == (1, 1, 0)


def test_requests_need_authentication(engine: Engine) -> None:
    assert engine.client.get("/api/openstackvolumeproviders").status_code == 401
    assert engine.request("GET", "/api/openstackvolumeproviders", auth=("admin", "wrong")).status_code == 401
    assert engine.client.get("/api/openapi.json").status_code == 200
