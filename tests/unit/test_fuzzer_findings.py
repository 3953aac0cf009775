"""Server errors the fuzzer (``tests/integration/test_fuzz_api.py``) found, each in the shape it
sent: refused with a 4xx before anything is written, in JSON and in XML alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from ovirt_engine_host.db.models import DataCenter, Vm
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine, stop_engine

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:  # SQLite, no service: every refusal is the engine's
    built = build_engine(tmp_path, "")
    yield built
    stop_engine(built)


def count(engine: Engine, model: type[Any]) -> int:
    with engine_state(engine.app).session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("memory", [2**63, 2**64])
def test_a_vm_memory_beyond_64_bits_is_refused_not_a_database_overflow(sqlite_engine: Engine, memory: int) -> None:
    body = {"name": "big", "memory": memory, "cluster": {"data_center": {"name": "dc1"}}}
    answer = sqlite_engine.request("POST", "/api/vms", json=body)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "memory" in answer.json["message"]
    assert count(sqlite_engine, Vm) == 0


def test_the_largest_memory_a_column_holds_is_accepted(sqlite_engine: Engine) -> None:
    body = {"name": "largest", "memory": 2**63 - 1, "cluster": {"data_center": {"name": "dc1"}}}
    assert sqlite_engine.request("POST", "/api/vms", json=body).status_code == 201


def test_an_xml_fault_spells_out_what_xml_cannot_carry(sqlite_engine: Engine) -> None:
    """``POST /api/vms/%1F/start`` with an XML body: the 404's message names the id, a control
    character that XML 1.0 cannot carry (it was a 500 while rendering the fault)."""
    answer = sqlite_engine.request("POST", "/api/vms/%1F/start", data=b"<action/>", headers=XML)
    assert answer.status_code == 404
    assert answer.mimetype == "application/xml"
    assert etree.fromstring(answer.data).findtext("detail") == "VM \\x1f not found"


@pytest.mark.parametrize(
    "raw_body",
    [
        b'{"name": "dc-control", "description": "a\\u0001b"}',  # stored, then a 500 on every XML GET
        b'{"name": "dc-surrogate", "description": "\\ud800"}',  # a lone surrogate: no UTF-8 for the database
        b'{"name": "dc-key", "description": "", "\\u0002": 1}',  # in a key
    ],
)
def test_text_that_xml_cannot_carry_is_refused_before_any_write(sqlite_engine: Engine, raw_body: bytes) -> None:
    before = count(sqlite_engine, DataCenter)
    answer = sqlite_engine.request(
        "POST", "/api/datacenters", data=raw_body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "XML cannot carry" in answer.json["message"]
    assert count(sqlite_engine, DataCenter) == before
    listed = sqlite_engine.request("GET", "/api/datacenters", headers={"Accept": "application/xml"})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("/api/vms", {"name": "vm1"}, "VMs"),
        ("/api/hosts", {"name": "host1", "address": "h1", "protocol": "test:///default"}, "hosts"),
    ],
)
def test_a_data_center_in_use_by_a_vm_or_a_host_is_kept_with_a_409(
    sqlite_engine: Engine, path: str, body: dict[str, object], named: str
) -> None:
    """It was a 500 (the foreign key refused the delete): only storage domains were checked. Now
    the VM or host is in a cluster of the data center, and that is what keeps it."""
    dc = sqlite_engine.request("POST", "/api/datacenters", json={"name": "dc-used"}).json
    cluster = {"name": "dc-used-cluster", "data_center": {"id": dc["id"]}}
    assert sqlite_engine.request("POST", "/api/clusters", json=cluster).status_code == 201
    added = sqlite_engine.request("POST", path, json={**body, "cluster": {"data_center": {"id": dc["id"]}}})
    assert added.status_code == 201, added.json
    answer = sqlite_engine.request("DELETE", f"/api/datacenters/{dc['id']}")
    assert answer.status_code == 409, answer.get_data(as_text=True)
    assert answer.json["message"] == f"the data center still has {named}"
    assert sqlite_engine.request("GET", f"/api/datacenters/{dc['id']}").status_code == 200


def test_a_provider_without_authentication_refuses_a_project_no_header_can_carry(tmp_path: Path) -> None:
    """Found by the fuzzer: Cinder's noauth mode sends the project in an HTTP header; a name
    outside Latin-1 made the add answer 500 (UnicodeEncodeError in the HTTP client)."""
    engine = build_engine(tmp_path, "")
    body = {"name": "p", "url": "http://127.0.0.1:9/v3", "tenant_name": "5\U00034343",
            "data_center": {"id": engine.data_center_id}}  # fmt: skip
    answer = engine.request("POST", "/api/openstackvolumeproviders", json=body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["message"].startswith("tenant_name: without authentication")
    assert engine.request("GET", "/api/openstackvolumeproviders").get_json() == []


def test_a_max_beyond_any_database_limit_is_a_400(tmp_path: Path) -> None:
    """Found by the fuzzer: ``GET /api/disks?max=278295660244702779670528`` overflowed SQLite's
    LIMIT (500)."""
    engine = build_engine(tmp_path, "")
    answer = engine.request("GET", "/api/disks?max=278295660244702779670528")
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["message"].startswith("max: at most 2147483647")
    assert engine.request("GET", "/api/disks?max=2147483647").status_code == 200
