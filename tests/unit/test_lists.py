"""Lists at scale, on SQLite (no service): every collection answers in a constant number of SQL
statements whatever its length (counted with SQLAlchemy's events for 10 and 1 000 rows); a disk
list made from cached row representations is exactly what the schema dumps of the full rows, in
JSON and in XML (valid against api.xsd); ``search`` and ``max`` forms, and the 400s naming them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from ovirt_engine_host.api.disks.schemas import DiskSchema
from ovirt_engine_host.commands.jobs import start_job
from ovirt_engine_host.db.models import DataCenter, Disk, DiskAttachment, Host, StorageDomain, User, Vm
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.listing import Condition, Listing, filter_items, parse, parse_search
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml, build_engine

XML = {"Accept": "application/xml"}
COLLECTIONS = [
    "/api/disks",
    "/api/storagedomains/sd-1/disks",
    "/api/vms",
    "/api/vms/vm-0/disks",
    "/api/jobs",
    "/api/hosts",
    "/api/storagedomains",
    "/api/datacenters",
    "/api/users",
    "/api/openstackvolumeproviders",
]


def disk_row(number: int, domain_id: str = "sd-1", **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "alias": f"disk{number:05d}", "description": "", "storage_domain_id": domain_id,
        "provisioned_size": 1 << 30, "actual_size": 1 << 30, "status": "ok", "format": "raw", "sparse": True,
        "bootable": False, "shareable": False, "interface": "virtio", "volume_type": "fake",
        "active_volume_id": str(uuid.uuid4()), **changes,
    }  # fmt: skip


def filled_engine(tmp_path: Path, rows: int) -> Engine:
    """``rows`` of every kind a list shows: disks, VMs (each with an attached disk), jobs with
    steps, hosts, storage domains, data centers, users."""
    engine = build_engine(tmp_path, "")
    with engine_state(engine.app).session_factory() as session:
        session.add(StorageDomain(id="sd-1", name="sd1", type="cinder", data_center_id=engine.data_center_id))
        session.flush()
        disks = [disk_row(n) for n in range(rows)]
        session.execute(insert(Disk), disks)
        session.execute(insert(DataCenter), [{"id": str(uuid.uuid4()), "name": f"dc-{n}"} for n in range(rows)])
        session.execute(
            insert(StorageDomain),
            [{"name": f"sd-{n}", "type": "cinder", "data_center_id": engine.data_center_id} for n in range(rows)],
        )
        session.execute(
            insert(Host),
            [{"name": f"host-{n}", "address": "127.0.0.1", "libvirt_uri": "test:///default",
              "cluster_id": engine.cluster_id} for n in range(rows)],
        )  # fmt: skip
        session.execute(insert(User), [{"name": f"user-{n}", "password_hash": "x"} for n in range(rows)])
        vms = [{"id": f"vm-{n}", "name": f"vm-{n}", "memory": 1 << 30, "cluster_id": engine.cluster_id}
               for n in range(rows)]  # fmt: skip
        session.execute(insert(Vm), vms)
        session.execute(
            insert(DiskAttachment), [{"vm_id": v["id"], "disk_id": d["id"]} for v, d in zip(vms, disks, strict=True)]
        )
        for n in range(min(rows, 500)):  # the jobs list shows the 500 newest
            start_job(session, f"job {n}", None, ["a step", "another step"])
        session.commit()
    return engine


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []
    database = engine_state(engine.app).database

    def count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(database, "before_cursor_execute", count)


def statements_of(engine: Engine, path: str, headers: dict[str, str] | None = None) -> tuple[int, int]:
    engine.request("GET", path, headers=headers)  # the password check and caches warm
    with counted_statements(engine) as statements:
        answer = engine.request("GET", path, headers=headers)
    assert answer.status_code == 200, answer.data
    items = answer.json if answer.is_json else assert_valid_xml(answer.data)
    return len(statements), len(items)


@pytest.fixture(scope="module")
def small_and_large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Engine]:
    return filled_engine(tmp_path_factory.mktemp("small"), 10), filled_engine(tmp_path_factory.mktemp("large"), 1000)


@pytest.mark.parametrize("path", COLLECTIONS)
@pytest.mark.parametrize("media", ["json", "xml"])
def test_a_list_takes_as_many_statements_for_1000_rows_as_for_10(
    small_and_large: tuple[Engine, Engine], path: str, media: str
) -> None:
    headers = XML if media == "xml" else None
    small, large = (statements_of(engine, path, headers) for engine in small_and_large)
    assert small[0] == large[0], f"{path}: {small[0]} statements for {small[1]} items, {large[0]} for {large[1]}"
    if path not in {"/api/vms/vm-0/disks", "/api/openstackvolumeproviders"}:
        assert large[1] > small[1] >= 10


def test_the_cached_list_is_what_the_schema_dumps_of_the_rows(tmp_path: Path) -> None:
    engine = filled_engine(tmp_path, 10)
    with engine_state(engine.app).session_factory() as session:
        disk = session.scalars(select(Disk).order_by(Disk.alias)).first()
        assert disk is not None
        disk.status, disk.status_detail, disk.volume_type, disk.description = "illegal", "no room", None, "a <b>"
        session.commit()
    with engine.app.test_request_context(), engine_state(engine.app).session_factory() as session:
        expected = DiskSchema(many=True).dump(session.scalars(select(Disk).order_by(Disk.alias, Disk.id)).all())
    for _ in range(2):  # made, then from the cache
        assert engine.request("GET", "/api/disks").json == expected
        document = assert_valid_xml(engine.request("GET", "/api/disks", headers=XML).data)
        assert [d.get("id") for d in document] == [d["id"] for d in expected]
        assert document[0].findtext("status/detail") == "no room"
        assert document[0].findtext("description") == "a <b>"
    changed = engine.request("PUT", f"/api/disks/{expected[0]['id']}", json={"alias": "renamed"})
    assert changed.status_code == 200, changed.json
    assert [d["alias"] for d in engine.request("GET", "/api/disks").json][-1] == "renamed"  # a new row, a new entry


def test_search_and_max_on_disks(tmp_path: Path) -> None:
    engine = filled_engine(tmp_path, 10)
    with engine_state(engine.app).session_factory() as session:
        session.add(StorageDomain(id="sd-2", name="other", type="cinder", data_center_id=engine.data_center_id))
        session.flush()
        session.execute(insert(Disk), [disk_row(n, "sd-2", alias=f"Web_{n}", status="locked") for n in range(3)])
        session.commit()

    def aliases(query: str, path: str = "/api/disks") -> list[str]:
        answer = engine.request("GET", f"{path}?{query}")
        assert answer.status_code == 200, answer.json
        return [d["alias"] for d in answer.json]

    assert aliases("search=name%3Dweb_*") == ["Web_0", "Web_1", "Web_2"]  # case ignored, _ literal
    assert aliases("search=name%3Dweb%25") == []  # % is no wildcard
    assert aliases("search=storage%3Dother and status%3Dlocked&max=2") == ["Web_0", "Web_1"]
    assert aliases("search=status!%3Dok and alias%3D*1") == ["Web_1"]
    assert aliases('search=alias%3D"disk00003"') == ["disk00003"]
    assert aliases("max=3") == ["Web_0", "Web_1", "Web_2"]  # by alias as the database orders text
    assert aliases("max=0") == []
    assert len(aliases("max=-1")) == 13
    assert aliases("search=name%3Dweb_2", "/api/storagedomains/sd-2/disks") == ["Web_2"]
    xml = engine.request("GET", "/api/disks?search=storage%3Dother&max=1", headers=XML)
    assert [d.findtext("alias") for d in assert_valid_xml(xml.data)] == ["Web_0"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("search=name", "search"),
        ("search=name%3Da or name%3Db", "search"),
        ("search=colour%3Dred", "search"),
        ("search=name%3D%3Dx", "search"),
        ("max=many", "max"),
    ],
)
def test_what_cannot_be_understood_is_a_400_naming_the_parameter(tmp_path: Path, query: str, named: str) -> None:
    engine = filled_engine(tmp_path, 1)
    for path in ("/api/disks", "/api/vms", "/api/jobs/x/steps", "/api/openstackvolumeproviders"):
        answer = engine.request("GET", f"{path}?{query}")
        if path == "/api/jobs/x/steps":
            assert answer.status_code in {400, 404}
            continue
        assert answer.status_code == 400, (path, answer.json)
        assert answer.json["message"].startswith(f"{named}: "), answer.json
    fault = engine.request("GET", f"/api/disks?{query}", headers=XML)
    assert fault.status_code == 400
    assert str(assert_valid_xml(fault.data).findtext("detail")).startswith(f"{named}: ")


def test_every_collection_searches_by_name(tmp_path: Path) -> None:
    engine = filled_engine(tmp_path, 3)
    for path, name in [("/api/vms", "vm-1"), ("/api/hosts", "host-1"), ("/api/datacenters", "dc-1"),
                       ("/api/storagedomains", "sd-1"), ("/api/users", "user-1")]:  # fmt: skip
        answer = engine.request("GET", f"{path}?search=name%3D{name}")
        assert answer.status_code == 200, answer.json
        assert [item.get("name", item.get("user_name")) for item in answer.json] == [name], path
    job_id = engine.request("GET", "/api/jobs?max=1").json[0]["id"]
    steps = engine.request("GET", f"/api/jobs/{job_id}/steps?search=type%3Dexecuting and name%3Danother*").json
    assert [s["description"] for s in steps] == ["another step"]
    assert len(engine.request("GET", "/api/jobs?search=status%3Dstarted&max=2").json) == 2


def test_the_search_language() -> None:
    assert parse_search('name=web* AND status != up and storage="a b \\" c"') == (
        Condition("name", "web*"),
        Condition("status", "up", negated=True),
        Condition("storage", 'a b " c'),
    )
    assert parse({"max": "5", "search": ""}) == Listing(5, ())
    for broken in ("name=", "=x", "name=a and", "name=a name=b", '"name"=x'):
        with pytest.raises(Refused) as refused:
            parse_search(broken)
        assert str(refused.value).startswith("search: ")
    items = [{"name": "Alpha", "status": {"state": "up"}}, {"name": "beta", "status": {"state": "down"}}]
    assert filter_items(items, Listing(None, parse_search("name=a*")), {"name": "name"}) == items[:1]
    assert filter_items(items, Listing(1, parse_search("status!=x")), {"name": "name", "status": "status"}) == items[:1]
    assert filter_items(items, Listing(0, ()), {"name": "name"}) == []
    with pytest.raises(Refused, match=r"^search: this collection cannot be searched by status"):
        filter_items(items, Listing(None, parse_search("status=up")), {"name": "name"})


def test_lists_are_ordered_stably_when_names_tie(tmp_path: Path) -> None:
    engine = filled_engine(tmp_path, 1)
    with engine_state(engine.app).session_factory() as session:
        session.execute(insert(Disk), [disk_row(0, alias="same") for _ in range(5)])
        session.commit()
        ids = sorted(session.scalars(select(Disk.id).where(Disk.alias == "same")))
    listed = [d["id"] for d in engine.request("GET", "/api/disks?search=name%3Dsame").json]
    assert listed == ids
    assert [d["id"] for d in engine.request("GET", "/api/disks?search=name%3Dsame&max=2").json] == ids[:2]
