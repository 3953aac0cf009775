"""Providers find Cinder's v3 endpoint from any URL an administrator gives (Cinder's root as oVirt
users type it, ``/v3``, ``/v3/{project_id}``, nothing: the catalog), are refused when nothing
like Cinder v3 answers there or when Cinder would refuse them, have updates checked as adds, and
answer 502, never 500, when Cinder is gone. Against the stack's real Keystone and Cinder, on
SQLite and PostgreSQL, in JSON and XML."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ovirt_cinder_plugin.cinder.connection import keystone_session
from ovirt_cinder_plugin.db.models import Provider
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml
from tests.stack import Stack

PROVIDERS = "/api/openstackvolumeproviders"
XML = {"Accept": "application/xml"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cinder_root(stack: Stack) -> str:
    url = stack.cinder_url.rstrip("/")
    assert url.endswith("/v3"), url
    return url.removesuffix("/v3")


def project_id(stack: Stack) -> str:
    return str(keystone_session(stack.admin_credentials).get_project_id())


def url_forms(stack: Stack) -> dict[str, tuple[str, str]]:
    """form -> (the URL as given, the endpoint discovery must find from it)."""
    v3 = f"{cinder_root(stack)}/v3"
    with_project = f"{v3}/{project_id(stack)}"
    return {
        "root": (cinder_root(stack), v3),
        "root/": (cinder_root(stack) + "/", v3),
        "v3": (stack.cinder_url, v3),
        "v3/project": (with_project, with_project),
    }


def provider_body(stack: Stack, engine: Engine, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "cinder1",
        "url": stack.cinder_url,
        "requires_authentication": True,
        "username": stack.env["OS_USERNAME"],
        "password": stack.env["OS_PASSWORD"],
        "tenant_name": stack.env["OS_PROJECT_NAME"],
        "authentication_url": stack.keystone_url,
        "data_center": {"id": engine.data_center_id},
    }
    body.update(changes)
    return body


def rows(engine: Engine) -> tuple[int, int]:
    with engine_state(engine.app).session_factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Provider)) or 0,
            session.scalar(select(func.count()).select_from(StorageDomain)) or 0,
        )


def stored(engine: Engine, provider_id: str) -> tuple[str, str, bool, str, bytes | None]:
    with engine_state(engine.app).session_factory() as session:
        row = session.get(Provider, provider_id)
        assert row is not None
        return row.url, row.endpoint, row.requires_authentication, row.tenant_name, row.password_encrypted


def set_endpoint(engine: Engine, provider_id: str, endpoint: str) -> None:
    """Move the plugin's own stored endpoint (Cinder's API itself keeps running for everyone)."""
    with engine_state(engine.app).session_factory() as session:
        session.execute(update(Provider).where(Provider.id == provider_id).values(endpoint=endpoint))
        session.commit()


def assert_lists_the_stack_types(stack: Stack, engine: Engine, provider_id: str) -> None:
    listed = engine.request("GET", f"{PROVIDERS}/{provider_id}/volumetypes")
    assert listed.status_code == 200, listed.json
    assert {t["name"] for t in listed.json} >= {stack.volume_type_rbd, stack.volume_type_fake}
    document = assert_valid_xml(engine.request("GET", f"{PROVIDERS}/{provider_id}/volumetypes", headers=XML).data)
    assert document.tag == "openstack_volume_types"
    assert {t.findtext("name") for t in document} >= {stack.volume_type_rbd, stack.volume_type_fake}


@pytest.mark.parametrize("form", ["root", "root/", "v3", "v3/project"])
def test_every_url_form_finds_cinder_v3(stack: Stack, engine: Engine, form: str) -> None:
    given, endpoint = url_forms(stack)[form]
    created = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, url=given))
    assert created.status_code == 201, created.json
    assert created.json["url"] == given  # shown as the administrator gave it
    assert stored(engine, created.json["id"])[:2] == (given, endpoint)
    assert_lists_the_stack_types(stack, engine, created.json["id"])
    document = assert_valid_xml(engine.request("GET", f"{PROVIDERS}/{created.json['id']}", headers=XML).data)
    assert document.findtext("url") == given


def test_an_empty_url_finds_cinder_in_the_catalog(stack: Stack, engine: Engine) -> None:
    created = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, url=""))
    assert created.status_code == 201, created.json
    provider_id = created.json["id"]
    assert stored(engine, provider_id)[:2] == ("", f"{cinder_root(stack)}/v3/{project_id(stack)}")
    assert_lists_the_stack_types(stack, engine, provider_id)
    assert_valid_xml(engine.request("GET", f"{PROVIDERS}/{provider_id}", headers=XML).data)
    without_keystone = provider_body(stack, engine, url="", name="no-catalog", requires_authentication=False)
    refused = engine.request("POST", PROVIDERS, json=without_keystone)
    assert refused.status_code == 400
    assert refused.json["message"].startswith("url: ")


def test_a_url_where_no_cinder_v3_answers_is_refused_naming_url(stack: Stack, engine: Engine) -> None:
    keystone_root = stack.keystone_url.rstrip("/").removesuffix("/v3")
    port = closed_port()
    cases = {
        keystone_root: "Keystone's version document",
        stack.keystone_url: "Keystone's version document",
        f"http://127.0.0.1:{port}": "Connection refused",
        f"http://127.0.0.1:{port}/v3": "Connection refused",
    }
    for url, found in cases.items():
        refused = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, url=url))
        assert refused.status_code == 400, (url, refused.json)
        message = refused.json["message"]
        assert message.startswith("url: "), message
        assert url in message, message
        assert found in message, message
        xml = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, url=url), headers=XML)
        assert xml.status_code == 400
        assert_valid_xml(xml.data)
    assert rows(engine) == (0, 0)


def test_without_authentication_a_keystone_protected_cinder_is_refused(stack: Stack, engine: Engine) -> None:
    body = provider_body(stack, engine, requires_authentication=False)
    for field in ("username", "password", "authentication_url"):
        del body[field]
    refused = engine.request("POST", PROVIDERS, json=body)
    assert refused.status_code in (400, 502), refused.json
    assert refused.json["message"].startswith("requires_authentication: "), refused.json
    assert "refused the provider's token" in refused.json["message"]
    assert rows(engine) == (0, 0)


def test_a_refused_update_changes_nothing(stack: Stack, engine: Engine) -> None:
    created = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, description="before"))
    assert created.status_code == 201, created.json
    path = f"{PROVIDERS}/{created.json['id']}"
    before_row = stored(engine, created.json["id"])
    before = engine.request("GET", path).json
    keystone_root = stack.keystone_url.rstrip("/").removesuffix("/v3")
    changes = [
        ({"url": keystone_root, "description": "changed along"}, "url: "),
        ({"url": f"http://127.0.0.1:{closed_port()}/v3"}, "url: "),
        ({"password": "not-the-password", "description": "changed along"}, "authentication_url: "),
        ({"tenant_name": "no-such-project"}, "authentication_url: "),
        ({"requires_authentication": False}, "requires_authentication: "),
    ]
    for change, field in changes:
        refused = engine.request("PUT", path, json=change)
        assert refused.status_code == 400, (change, refused.json)
        assert refused.json["message"].startswith(field), (change, refused.json)
        assert "not-the-password" not in refused.get_data(as_text=True)
        assert engine.request("GET", path).json == before
        assert stored(engine, created.json["id"]) == before_row
        assert_lists_the_stack_types(stack, engine, created.json["id"])

    moved = engine.request("PUT", path, json={"url": cinder_root(stack)})
    assert moved.status_code == 200, moved.json
    assert moved.json["url"] == cinder_root(stack)
    assert stored(engine, created.json["id"])[:2] == (cinder_root(stack), f"{cinder_root(stack)}/v3")
    assert_lists_the_stack_types(stack, engine, created.json["id"])


def test_an_unreachable_cinder_while_listing_volume_types_is_a_502(stack: Stack, engine: Engine) -> None:
    created = engine.request("POST", PROVIDERS, json=provider_body(stack, engine, url=cinder_root(stack)))
    assert created.status_code == 201, created.json
    provider_id = created.json["id"]
    path = f"{PROVIDERS}/{provider_id}/volumetypes"
    listed = engine.request("GET", path)
    assert listed.status_code == 200, listed.json
    rbd = next(t for t in listed.json if t["name"] == stack.volume_type_rbd)
    missing = engine.request("GET", f"{path}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404, missing.json

    gone = f"http://127.0.0.1:{closed_port()}/v3"
    set_endpoint(engine, provider_id, gone)
    for url, headers in ((path, {}), (f"{path}/{rbd['id']}", {}), (path, XML)):
        answer = engine.request("GET", url, headers=headers)
        assert answer.status_code == 502, (url, answer.data)
        assert f"cannot reach Cinder at {gone}".encode() in answer.data
        if headers:
            assert_valid_xml(answer.data)

    set_endpoint(engine, provider_id, f"{cinder_root(stack)}/v3")
    assert engine.request("GET", path).status_code == 200
