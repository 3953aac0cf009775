"""oVirt's SDK sends ``Content-Type: application/xml`` on every request, a bodiless ``DELETE``'s too:
no body is an absent body whatever the header says (in-process engine, SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine import build_engine


@pytest.mark.parametrize("content_type", ["application/xml", "application/json", "text/xml"])
def test_a_bodiless_delete_with_a_content_type_is_a_delete(tmp_path: Path, content_type: str) -> None:
    engine = build_engine(tmp_path, "")
    cluster = {"data_center": {"id": engine.data_center_id}}
    vm = engine.request("POST", "/api/vms", json={"name": "v1", "cluster": cluster}).get_json()
    removed = engine.request("DELETE", f"/api/vms/{vm['id']}", headers={"Content-Type": content_type})
    assert removed.status_code == 204, removed.get_data()
    assert engine.request("GET", f"/api/vms/{vm['id']}").status_code == 404


def test_an_empty_xml_body_names_the_missing_field(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    xml_in = {"Content-Type": "application/xml", "Accept": "application/json"}
    answer = engine.request("POST", "/api/datacenters", data=b"", headers=xml_in)
    assert answer.status_code == 422
    assert answer.get_json()["message"].startswith("name: ")
