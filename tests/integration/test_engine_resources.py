"""The engine's own resources over REST: data centers and users, JSON and XML, on both databases."""

from __future__ import annotations

from tests.engine import Engine, assert_valid_xml

XML = {"Accept": "application/xml"}


def test_data_centers(engine: Engine) -> None:
    created = engine.request("POST", "/api/datacenters", json={"name": "dc2", "description": "second"})
    assert created.status_code == 201, created.json
    path = created.json["href"]
    assert assert_valid_xml(engine.request("GET", path, headers=XML).data).findtext("name") == "dc2"
    assert {d["name"] for d in engine.request("GET", "/api/datacenters").json} == {"Default", "dc1", "dc2"}
    assert_valid_xml(engine.request("GET", "/api/datacenters", headers=XML).data)
    assert engine.request("POST", "/api/datacenters", json={"name": "dc2"}).status_code == 409
    assert "name" in engine.request("POST", "/api/datacenters", json={"name": "x" * 41}).json["message"]
    assert engine.request("DELETE", path).status_code == 204
    assert engine.request("GET", path).status_code == 404


def test_users_passwords_are_write_only(engine: Engine) -> None:
    created = engine.request("POST", "/api/users", json={"user_name": "operator", "password": "operator-pass"})
    assert created.status_code == 201, created.json
    assert "password" not in created.json
    assert engine.request("GET", "/api/datacenters", auth=("operator", "operator-pass")).status_code == 200
    # only administrators add things
    refused = engine.request("POST", "/api/datacenters", json={"name": "dc9"}, auth=("operator", "operator-pass"))
    assert refused.status_code == 403
    document = assert_valid_xml(engine.request("GET", created.json["href"], headers=XML).data)
    assert document.findtext("user_name") == "operator"
    assert document.find("password") is None
    assert engine.request("DELETE", created.json["href"]).status_code == 204
