"""The OpenAPI document: generated, committed as ``docs/openapi.json`` (a change to the API is
always deliberate), and describing what the API really accepts (``ovirt_engine_host.openapi``)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_engine_host.openapi_document import SNAPSHOT_PATH, document, render

REGENERATE = ".venv/bin/python -m ovirt_engine_host.openapi_document"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return document()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method.upper(), path, operation


def test_the_committed_document_is_the_generated_one(spec: dict[str, Any]) -> None:
    committed = SNAPSHOT_PATH.read_text() if SNAPSHOT_PATH.exists() else ""
    generated = render(spec)
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(committed.splitlines(True), generated.splitlines(True), "committed", "generated")
            )[:80]
        )
        pytest.fail(f"docs/openapi.json differs from the API: if the change is meant, run {REGENERATE}\n{diff}")


def test_the_document_is_stable_json(spec: dict[str, Any]) -> None:
    assert json.loads(render(spec)) == spec
    assert render(document()) == render(spec)  # nothing in it depends on the app instance


def test_every_operation_requires_http_basic(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"] == {"basic": {"type": "http", "scheme": "basic"}}
    assert spec["security"] == [{"basic": []}]
    assert all("security" not in operation for _, _, operation in operations(spec))


def test_every_request_body_is_documented_in_json_and_in_xml(spec: dict[str, Any]) -> None:
    bodies = [(m, p, o["requestBody"]["content"]) for m, p, o in operations(spec) if "requestBody" in o]
    assert len(bodies) > 15
    for method, path, content in bodies:
        assert set(content) == {"application/json", "application/xml"}, (method, path)
        assert content["application/xml"] == content["application/json"], (method, path)
        component = spec["components"]["schemas"][content["application/json"]["schema"]["$ref"].rpartition("/")[2]]
        assert "name" in component["xml"], (method, path)


def test_xml_responses_name_the_collection_element(spec: dict[str, Any]) -> None:
    listed = spec["paths"]["/api/disks"]["get"]["responses"]["200"]["content"]["application/xml"]["schema"]
    assert listed["xml"] == {"name": "disks", "wrapped": True}
    assert spec["components"]["schemas"]["Disk"]["xml"] == {"name": "disk"}
    schemas = spec["components"]["schemas"]
    assert schemas["Reference"]["properties"]["id"]["xml"] == {"attribute": True}  # <storage_domain id="…"/>
    assert schemas["Topology"]["properties"]["sockets"]["xml"] == {"attribute": True}  # as oVirt's XSD has it
    assert "JSON only" in schemas["User"]["properties"]["administrator"]["description"]


def request_components(spec: dict[str, Any]) -> set[str]:
    """The components a request body uses, nested ones included."""
    found: set[str] = set()
    pending: list[Any] = [o["requestBody"] for _, _, o in operations(spec) if "requestBody" in o]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            name = str(value.get("$ref", "")).rpartition("/")[2]
            if name and name not in found:
                found.add(name)
                pending.append(spec["components"]["schemas"][name])
            pending += list(value.values())
        elif isinstance(value, list):
            pending += value
    return found


def test_no_field_a_client_sends_is_left_undocumented(spec: dict[str, Any]) -> None:
    """A field loaded by a method (``ma.fields.Method(deserialize=...)``) names its schema, else
    apispec documents it as ``{}`` (anything) and a client, or a fuzzer, learns nothing."""
    schemas = spec["components"]["schemas"]
    used = request_components(spec)
    assert {"Disk", "Vm", "Provider", "Reference", "Cluster"} <= used
    undocumented = [
        f"{name}.{field}"
        for name in sorted(used)
        for field, prop in schemas[name].get("properties", {}).items()
        if not prop.get("readOnly") and not set(prop) - {"writeOnly", "description", "xml"}
    ]
    assert undocumented == []


def test_requirements_that_a_schema_checks_are_documented(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    by_id_or_name = [
        {"required": ["id"], "properties": {"id": {"minLength": 1}}},
        {"required": ["name"], "properties": {"name": {"minLength": 1}}},
    ]
    assert schemas["Reference"]["anyOf"] == by_id_or_name
    assert schemas["DataCenterReference"]["anyOf"] == by_id_or_name
    assert schemas["Disk"]["anyOf"] == [{"required": ["storage_domain"]}, {"required": ["storage_domains"]}]
    assert "anyOf" not in schemas["StorageDomainDisk"]  # the path names the storage domain
    assert schemas["Vm"]["properties"]["cluster"] == {"$ref": "#/components/schemas/ClusterReference"}
    by_data_center = {"required": ["data_center"]}
    assert schemas["ClusterReference"]["anyOf"] == [*by_id_or_name, by_data_center]
    assert schemas["Vm"]["properties"]["memory"]["maximum"] == 2**63 - 1
    assert schemas["Provider"]["properties"]["properties"] == {"$ref": "#/components/schemas/Properties"}
    assert schemas["AuthenticationKey"]["properties"]["value"]["pattern"]
