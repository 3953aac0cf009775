"""Volume types managed through the engine (administrators only): add, update (properties
replace Cinder's extra specs), remove, in JSON and oVirt's XML, each checked in Cinder itself
with python-cinderclient as the stack's admin; a type in use keeps its extra specs and is not
removed (409, Cinder's words); other users get a 403; a bad body is refused naming the field
and Cinder hears nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.connection import connect
from tests.disks import add_provider
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack
from tests.waiting import wait_for_status, wait_until_gone

XML = {"Accept": "application/xml"}
AS_XML = {**XML, "Content-Type": "application/xml"}
OPERATOR = ("operator", "operator-pass")
PREFIX = "pytest-vt-"


@pytest.fixture
def cinder(stack: Stack) -> Iterator[Any]:
    """The stack admin's Cinder client; afterwards, every type a test made (``pytest-vt-…``) is gone."""
    client = connect(stack.admin_credentials).client
    yield client
    for volume_type in client.volume_types.list():
        if str(volume_type.name).startswith(PREFIX):
            client.volume_types.delete(volume_type)


def type_name() -> str:
    return f"{PREFIX}{uuid.uuid4().hex[:8]}"


def types_path(engine: Engine, stack: Stack) -> str:
    provider = add_provider(engine, stack)
    return f"/api/openstackvolumeproviders/{provider['id']}/volumetypes"


def specs_in_cinder(cinder: Any, type_id: str) -> dict[str, str]:
    return dict(cinder.volume_types.get(type_id).get_keys())


def properties(**specs: str) -> dict[str, Any]:
    return {"property": [{"name": k, "value": v} for k, v in specs.items()]}


def test_add_update_remove_checked_in_cinder(engine: Engine, stack: Stack, cinder: Any) -> None:
    path = types_path(engine, stack)
    name = type_name()
    body = {"name": name, "description": "gold", "properties": properties(volume_backend_name="fake", tier="gold")}
    created = engine.request("POST", path, json=body)
    assert created.status_code == 201, created.json
    type_id = created.json["id"]
    in_cinder = cinder.volume_types.get(type_id)
    assert (in_cinder.name, in_cinder.description) == (name, "gold")
    assert specs_in_cinder(cinder, type_id) == {"volume_backend_name": "fake", "tier": "gold"}
    assert created.json["properties"] == properties(tier="gold", volume_backend_name="fake")
    assert engine.request("GET", f"{path}/{name}").json["id"] == type_id  # by name, as by id

    renamed = type_name()
    xml_body = (
        f"<openstack_volume_type><name>{renamed}</name><description>silver</description><properties>"
        "<property><name>volume_backend_name</name><value>fake</value></property>"
        "<property><name>tier</name><value>silver</value></property>"
        "<property><name>replicas</name><value>2</value></property>"
        "</properties></openstack_volume_type>"
    )
    updated = engine.request("PUT", f"{path}/{name}", data=xml_body, headers=AS_XML)
    assert updated.status_code == 200, updated.data
    document = assert_valid_xml(updated.data)
    assert (document.tag, document.get("id"), document.findtext("name")) == ("openstack_volume_type", type_id, renamed)
    in_cinder = cinder.volume_types.get(type_id)
    assert (in_cinder.name, in_cinder.description) == (renamed, "silver")
    assert specs_in_cinder(cinder, type_id) == {"volume_backend_name": "fake", "tier": "silver", "replicas": "2"}

    unset = engine.request("PUT", f"{path}/{type_id}", json={"properties": properties(volume_backend_name="fake")})
    assert unset.status_code == 200, unset.json
    assert specs_in_cinder(cinder, type_id) == {"volume_backend_name": "fake"}  # the others unset
    assert cinder.volume_types.get(type_id).name == renamed  # what the PUT did not name stays

    assert engine.request("DELETE", f"{path}/{type_id}").status_code == 204
    with pytest.raises(cinder_exceptions.NotFound):
        cinder.volume_types.get(type_id)
    assert engine.request("DELETE", f"{path}/{type_id}").status_code == 404


def test_an_xml_add_answers_valid_xml(engine: Engine, stack: Stack, cinder: Any) -> None:
    path = types_path(engine, stack)
    name = type_name()
    xml_body = (
        f"<openstack_volume_type><name>{name}</name><properties>"
        "<property><name>volume_backend_name</name><value>fake</value></property>"
        "</properties></openstack_volume_type>"
    )
    created = engine.request("POST", path, data=xml_body, headers=AS_XML)
    assert created.status_code == 201, created.data
    document = assert_valid_xml(created.data)
    assert document.findtext("name") == name
    assert [p.findtext("name") for p in document.iterfind("properties/property")] == ["volume_backend_name"]
    assert specs_in_cinder(cinder, str(document.get("id"))) == {"volume_backend_name": "fake"}
    assert_valid_xml(engine.request("GET", f"{path}/{name}", headers=XML).data)


def test_a_type_in_use_is_neither_removed_nor_changed(engine: Engine, stack: Stack, cinder: Any) -> None:
    path = types_path(engine, stack)
    name = type_name()
    created = engine.request("POST", path, json={"name": name, "properties": properties(volume_backend_name="fake")})
    assert created.status_code == 201, created.json
    volume = cinder.volumes.create(1, name="pytest-vt-volume", volume_type=name)
    try:
        wait_for_status(cinder.volumes.get, volume.id, "available")
        removal = engine.request("DELETE", f"{path}/{name}")
        assert removal.status_code == 409, removal.json
        assert "Target volume type is still in use." in removal.json["message"]  # Cinder's words
        change = engine.request("PUT", f"{path}/{name}", json={"properties": properties(volume_backend_name="rbd")})
        assert change.status_code == 409, change.json
        assert "Volume Type is currently in use." in change.json["message"]
        assert specs_in_cinder(cinder, created.json["id"]) == {"volume_backend_name": "fake"}
    finally:
        cinder.volumes.delete(volume)
        wait_until_gone(cinder.volumes.get, volume.id)
    assert engine.request("DELETE", f"{path}/{name}").status_code == 204


def test_only_administrators_manage_types(engine: Engine, stack: Stack, cinder: Any) -> None:
    path = types_path(engine, stack)
    user = engine.request("POST", "/api/users", json={"user_name": OPERATOR[0], "password": OPERATOR[1]})
    assert user.status_code == 201, user.json
    assert engine.request("GET", path, auth=OPERATOR).status_code == 200  # reading is for everyone
    before = {t.name for t in cinder.volume_types.list()}
    refused = [
        engine.request("POST", path, json={"name": type_name()}, auth=OPERATOR),
        engine.request("PUT", f"{path}/{stack.volume_type_fake}", json={"description": "x"}, auth=OPERATOR),
        engine.request("DELETE", f"{path}/{stack.volume_type_fake}", auth=OPERATOR),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403], [r.json for r in refused]
    assert all("lacks the action group configure_openstack_volume_provider" in r.json["message"] for r in refused)
    assert {t.name for t in cinder.volume_types.list()} == before


def test_bad_bodies_are_refused_naming_the_field_and_nothing_is_written(
    engine: Engine, stack: Stack, cinder: Any
) -> None:
    path = types_path(engine, stack)
    own = engine.request("POST", path, json={"name": type_name(), "description": "kept"})
    assert own.status_code == 201, own.json
    fake = cinder.volume_types.get(own.json["id"])  # the shared stack's types are never at stake
    before = {t.name: dict(t.extra_specs or {}) for t in cinder.volume_types.list()}
    cases = {
        "name": {"description": "no name"},
        "properties": {"name": type_name(), "properties": properties(**{"has space": "x"})},
        "description": {"name": type_name(), "description": "d" * 256},
    }
    for field, body in cases.items():
        answer = engine.request("POST", path, json=body)
        assert answer.status_code in {400, 422}, (field, answer.json)
        assert field in answer.json["message"], (field, answer.json)
    blank = engine.request("POST", path, json={"name": "   "})
    assert blank.status_code == 422, blank.json
    assert "name" in blank.json["message"], blank.json
    twice = {"properties": {"property": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}}
    answer = engine.request("PUT", f"{path}/{fake.id}", json=twice)
    assert answer.status_code == 422, answer.json
    assert "properties" in answer.json["message"], answer.json
    empty = engine.request("PUT", f"{path}/{fake.id}", json={})
    assert empty.status_code == 400, empty.json
    assert empty.json["message"].startswith("openstack_volume_type: "), empty.json
    taken = engine.request("PUT", f"{path}/{fake.id}", json={"name": stack.volume_type_rbd, "description": "x"})
    assert taken.status_code == 409, taken.json
    assert taken.json["message"].startswith("name: "), taken.json
    exists = engine.request("POST", path, json={"name": stack.volume_type_rbd})
    assert exists.status_code == 409, exists.json
    assert exists.json["message"].startswith("name: "), exists.json
    missing = engine.request("PUT", f"{path}/{type_name()}", json={"description": "x"})
    assert missing.status_code == 404, missing.json
    assert {t.name: dict(t.extra_specs or {}) for t in cinder.volume_types.list()} == before
    assert cinder.volume_types.get(fake.id).description == fake.description
