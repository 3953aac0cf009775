"""Authorization in one place, decided per object: every endpoint of the OpenAPI document (the
engine's and the plugins') declares its action group and object; the permissions (roles given on
objects, inherited down the tree) give the facts, the ``ovirt_engine_permission`` hook decides
(the built-in default plugin answering last; a plugin that answers first overrides it); lists
are cut down in SQL; a refused request writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy
import pytest
from sqlalchemy import event, func, select

from ovirt_engine_host import default_permissions
from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.access.roles import ENGINE_ACTION_GROUPS, READ, SUPER_USER, SYSTEM
from ovirt_engine_host.contract import AccessFacts, AccessTarget
from ovirt_engine_host.db.models import DataCenter, Disk, Group, GroupMember, Permission, StorageDomain
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine

MEMBER = ("member", "member-password")
hookimpl = pluggy.HookimplMarker("ovirt_engine")


def with_member(engine: Engine) -> Engine:
    with engine_state(engine.app).session_factory() as session:
        add_user(session, MEMBER[0], hash_password(MEMBER[1]), administrator=False)
        session.commit()
    return engine


def grant(engine: Engine, path: str, role: str, user: str = MEMBER[0]) -> None:
    answer = engine.request("POST", f"{path}/permissions", json={"role": {"name": role}, "user": {"name": user}})
    assert answer.status_code == 201, answer.get_json()


def test_every_endpoint_declares_a_known_action_group(tmp_path: Path) -> None:
    paths = build_engine(tmp_path, "").client.get("/api/openapi.json").get_json()["paths"]
    operations = {(path, method): operation for path, item in paths.items() for method, operation in item.items()
                  if method in {"get", "post", "put", "delete"}}  # fmt: skip
    assert len(operations) > 40
    undeclared = sorted(key for key, operation in operations.items() if "x-ovirt-action" not in operation)
    assert undeclared == []
    groups = {o["x-ovirt-action"]["action_group"] for o in operations.values()}
    known = set(ENGINE_ACTION_GROUPS) | {READ, "configure_openstack_volume_provider"}
    assert groups <= known, groups - known
    assert "create_disk" in groups
    assert "configure_openstack_volume_provider" in groups  # the plugin's too
    writes = [key for key, o in operations.items() if key[1] != "get" and o["x-ovirt-action"]["action_group"] == READ]
    assert writes == []  # no change is declared as a mere read


@pytest.mark.parametrize(
    ("administrator", "group", "facts", "administrative", "decided"),
    [
        (True, "delete_host", AccessFacts(True, True, True, False), True, "allow"),
        (False, "read", AccessFacts(True, False, False, True), False, "hide"),
        (False, "read", AccessFacts(True, False, False, True), True, "deny"),
        (False, "create_disk", AccessFacts(True, True, False, True), False, "deny"),
        (False, "create_disk", AccessFacts(True, True, True, True), False, "allow"),
        (False, "read", AccessFacts(True, True, False, True), False, "allow"),
    ],
)
def test_the_default_rule(
    administrator: bool, group: str, facts: AccessFacts, administrative: bool, decided: str
) -> None:
    user: Any = type("U", (), {"id": "u", "name": "u", "administrator": administrator})()
    target = AccessTarget("disk", "d", administrative)
    assert default_permissions.ovirt_engine_permission(user, group, target, facts) == decided


class LetsMembersAddDataCenters:
    @hookimpl
    def ovirt_engine_permission(self, user: Any, action_group: str, target: AccessTarget, facts: Any) -> str | None:
        return "allow" if action_group == "create_storage_pool" else None


def test_a_plugin_decides_before_the_default(tmp_path: Path) -> None:
    plain = with_member(build_engine(tmp_path / "plain", ""))
    refused = plain.request("POST", "/api/datacenters", json={"name": "dc2"}, auth=MEMBER)
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "user member lacks the action group create_storage_pool on the system"
    permissive = with_member(build_engine(tmp_path / "permissive", "", extra_plugins=(LetsMembersAddDataCenters(),)))
    assert permissive.request("POST", "/api/datacenters", json={"name": "dc2"}, auth=MEMBER).status_code == 201
    assert permissive.request("POST", "/api/users", json={"user_name": "x", "password": "12345678"},
                              auth=MEMBER).status_code == 403  # fmt: skip


def test_a_role_on_a_data_center_reaches_its_storage_domains_and_only_them(tmp_path: Path) -> None:
    engine = with_member(build_engine(tmp_path, ""))
    with engine_state(engine.app).session_factory() as session:
        other = DataCenter(name="dc2")
        session.add(other)
        session.flush()
        session.add_all([StorageDomain(name="sd1", type="t", data_center_id=engine.data_center_id),
                         StorageDomain(name="sd2", type="t", data_center_id=other.id)])  # fmt: skip
        session.commit()
    ids = {d["name"]: d["id"] for d in engine.request("GET", "/api/storagedomains").get_json()}
    assert engine.request("GET", "/api/storagedomains", auth=MEMBER).get_json() == []
    assert engine.request("GET", f"/api/storagedomains/{ids['sd1']}", auth=MEMBER).status_code == 404
    grant(engine, f"/api/datacenters/{engine.data_center_id}", "StorageAdmin")
    filtered = {"Filter": "true"}
    seen = engine.request("GET", "/api/storagedomains", auth=MEMBER, headers=filtered).get_json()
    assert [d["name"] for d in seen] == ["sd1"]
    for name, status in (("sd1", 200), ("sd2", 404)):
        got = engine.request("GET", f"/api/storagedomains/{ids[name]}", auth=MEMBER, headers=filtered)
        assert got.status_code == status, name
    # StorageAdmin is an administrative role: out of filtered mode he sees every domain...
    unfiltered = engine.request("GET", "/api/storagedomains", auth=MEMBER).get_json()
    assert [d["name"] for d in unfiltered] == ["sd1", "sd2"]
    # ...but acts only where his role is: a disk on sd2 is refused before anything is written
    refused = engine.request("POST", "/api/storagedomains/sd2/disks", auth=MEMBER,
                             json={"alias": "d", "provisioned_size": 1 << 30})  # fmt: skip
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "user member lacks the action group create_disk on storage domain sd2"


def test_a_creator_role_does_not_reveal_children_and_a_refusal_writes_nothing(tmp_path: Path) -> None:
    engine = with_member(build_engine(tmp_path, ""))
    with engine_state(engine.app).session_factory() as session:
        session.add(StorageDomain(name="sd1", type="t", data_center_id=engine.data_center_id))
        session.commit()
    grant(engine, "/api/storagedomains/sd1", "DiskCreator")
    assert [d["name"] for d in engine.request("GET", "/api/storagedomains", auth=MEMBER).get_json()] == ["sd1"]
    assert engine.request("GET", "/api/datacenters", auth=MEMBER).get_json() == []
    with engine_state(engine.app).session_factory() as session:
        before = session.scalar(select(func.count()).select_from(Permission))
    body = {"role": {"name": "DiskCreator"}, "user": {"name": "admin"}}
    refused = engine.request("POST", "/api/storagedomains/sd1/permissions", json=body, auth=MEMBER)
    assert refused.status_code == 403
    assert "manipulate_permissions" in refused.get_json()["message"]
    with engine_state(engine.app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Permission)) == before


def test_filter_header_cuts_an_administrators_lists(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")  # dc1, and Default (made at db upgrade)
    assert len(engine.request("GET", "/api/datacenters").get_json()) == 2
    # SuperUser on the system reaches every data center even filtered (it allows viewing children)
    assert len(engine.request("GET", "/api/datacenters", headers={"Filter": "true"}).get_json()) == 2
    engine.request("POST", "/api/datacenters", json={"name": "dc2"})
    engine.request("POST", "/api/users", json={"user_name": "root2", "password": "root2-password"})
    grant(engine, f"/api/datacenters/{engine.data_center_id}", "DataCenterAdmin", "root2")
    root2 = ("root2", "root2-password")
    assert len(engine.request("GET", "/api/datacenters", auth=root2).get_json()) == 3
    assert len(engine.request("GET", "/api/datacenters", auth=root2, headers={"Filter": "true"}).get_json()) == 1


def test_a_groups_administrative_role_makes_only_its_members_administrators(tmp_path: Path) -> None:
    engine = with_member(build_engine(tmp_path, ""))
    with engine_state(engine.app).session_factory() as session:
        insider = add_user(session, "insider", hash_password("insider-password"), administrator=False)
        admins = Group(name="admins")
        session.add(admins)
        session.flush()
        session.add(GroupMember(group_id=admins.id, user_id=insider.id))
        session.add(Permission(role_id=SUPER_USER.id, group_id=admins.id, object_type=SYSTEM, object_id=SYSTEM))
        session.commit()
    engine.request("POST", "/api/datacenters", json={"name": "dc2"})  # beside dc1 and Default
    assert len(engine.request("GET", "/api/datacenters", auth=("insider", "insider-password")).get_json()) == 3
    assert engine.request("GET", "/api/datacenters", auth=MEMBER).get_json() == []  # in no group: filtered
    assert engine.request("GET", "/api/permissions", auth=MEMBER).status_code == 403  # administrators only


def test_the_last_superuser_permission_stays(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    (only,) = engine.request("GET", "/api/permissions").get_json()
    refused = engine.request("DELETE", f"/api/permissions/{only['id']}")
    assert refused.status_code == 409
    assert "last SuperUser" in refused.get_json()["message"]
    assert len(engine.request("GET", "/api/permissions").get_json()) == 1


def test_one_statement_decides_a_request(tmp_path: Path) -> None:
    """A request by id costs one statement to authenticate and one to decide (the object's row,
    whether the user sees it and whether his roles hold the group), whatever the tree."""
    engine = with_member(build_engine(tmp_path, ""))
    with engine_state(engine.app).session_factory() as session:
        session.add(StorageDomain(name="sd1", type="t", data_center_id=engine.data_center_id))
        session.commit()
    grant(engine, f"/api/datacenters/{engine.data_center_id}", "StorageAdmin")
    statements: list[str] = []
    database = engine_state(engine.app).database

    def count(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine.request("GET", "/api/datacenters", auth=MEMBER)  # the password check is cached from here
    event.listen(database, "before_cursor_execute", count)
    try:
        engine.request("GET", "/api/storagedomains/sd1/permissions", auth=MEMBER, headers={"Filter": "true"})
        deciding = [s for s in statements if "permissions" in s.lower()]
    finally:
        event.remove(database, "before_cursor_execute", count)
    # authentication (the user and whether he is an administrator), the path's decision, and
    # the view's own read of the object's permissions
    assert len(deciding) <= 3, deciding
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 4


def test_a_filtered_list_reads_only_the_permissions_its_user_holds(tmp_path: Path) -> None:
    """SQLite's plan of a DiskCreator's disk list: the permissions are read through their
    holder's index (his, his groups'), one type of object at a time; by type alone only in the
    EXISTS on the system's few, never through their role (every permission of a revealing role)."""
    state = engine_state(build_engine(tmp_path, "").app)
    with state.session_factory() as session:
        member = add_user(session, MEMBER[0], hash_password(MEMBER[1]), administrator=False)
        session.commit()
    condition = state.access.sees("disk", member.id)
    statement = select(Disk.id).where(condition).compile(state.database, compile_kwargs={"literal_binds": True})
    with state.database.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").fetchall()
    details = {row[0]: row[3] for row in plan}
    reads = [(details.get(row[1], ""), row[3]) for row in plan if "permissions" in row[3]]
    assert all("ix_permissions_role_id" not in read and not read.startswith("SCAN") for _, read in reads), reads
    by_holder = [
        read for _, read in reads if "ix_permissions_user_object" in read or "ix_permissions_group_object" in read
    ]
    by_type = [(parent, read) for parent, read in reads if "(object_type=?)" in read]
    assert by_holder, reads
    assert len(by_holder) + len(by_type) == len(reads), reads
    assert all(parent.startswith("SCALAR SUBQUERY") for parent, _ in by_type), by_type
