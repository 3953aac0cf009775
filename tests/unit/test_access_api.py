"""Roles, permits, permissions and groups through the API (in-process engine, SQLite): what is
allowed, and each refusal with its status, its message naming the field, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ovirt_engine_host.access.roles import PREDEFINED
from ovirt_engine_host.db.models import Group, GroupMember, Permission, Role, RolePermit, Vm
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml, build_engine

XML = {"Accept": "application/xml"}
ROWS = (Role, RolePermit, Permission, Group, GroupMember)


@pytest.fixture
def local(tmp_path: Path) -> Engine:
    built = build_engine(tmp_path, "")
    for name in ("bob", "carol"):
        assert (
            built.request("POST", "/api/users", json={"user_name": name, "password": f"{name}-password"}).status_code
            == 201
        )
    return built


def counts(local: Engine) -> dict[str, int]:
    with engine_state(local.app).session_factory() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in ROWS}


@contextmanager
def writes_nothing(local: Engine) -> Iterator[None]:
    before = counts(local)
    yield
    assert counts(local) == before


def refused(local: Engine, status: int, starts: str, method: str, path: str, **kwargs: Any) -> None:
    with writes_nothing(local):
        answer = local.request(method, path, **kwargs)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["message"].startswith(starts), answer.get_json()["message"]


def test_roles_predefined_and_custom(local: Engine) -> None:
    listed = local.request("GET", "/api/roles").get_json()
    assert {r["name"] for r in listed} == {role.name for role in PREDEFINED}
    assert_valid_xml(local.request("GET", "/api/roles", headers=XML).data)
    disk_creator = next(r for r in listed if r["name"] == "DiskCreator")
    assert [p["id"] for p in disk_creator["permits"]["permit"]] == ["create_disk", "login"]
    added = local.request("POST", "/api/roles", json={"name": "Snapshotter", "permits": {"permit": [
        {"name": "manipulate_vm_snapshots"}, {"id": "login"}]}})  # fmt: skip
    assert added.status_code == 201, added.get_json()
    role = added.get_json()
    assert role["mutable"] is True
    assert [p["id"] for p in role["permits"]["permit"]] == ["login", "manipulate_vm_snapshots"]
    assert_valid_xml(local.request("GET", f"/api/roles/{role['id']}", headers=XML).data)
    assert (
        local.request("POST", f"/api/roles/{role['id']}/permits", json={"id": "vm_basic_operations"}).status_code == 201
    )
    assert local.request("DELETE", "/api/roles/Snapshotter/permits/login").status_code == 204
    permits = [p["id"] for p in local.request("GET", "/api/roles/Snapshotter/permits").get_json()]
    assert permits == ["manipulate_vm_snapshots", "vm_basic_operations"]
    changed = local.request("PUT", "/api/roles/Snapshotter", json={"description": "takes snapshots"})
    assert changed.get_json()["description"] == "takes snapshots"
    assert local.request("DELETE", "/api/roles/Snapshotter").status_code == 204


def test_role_refusals_write_nothing(local: Engine) -> None:
    refused(local, 409, "role SuperUser is predefined", "PUT", "/api/roles/SuperUser", json={"description": "x"})
    refused(local, 409, "role UserRole is predefined", "DELETE", "/api/roles/UserRole")
    refused(
        local, 409, "role DiskCreator is predefined", "POST", "/api/roles/DiskCreator/permits", json={"id": "login"}
    )
    refused(local, 400, "permits: unknown action groups fly", "POST", "/api/roles",
            json={"name": "R", "permits": {"permit": [{"id": "fly"}, {"id": "login"}]}})  # fmt: skip
    refused(local, 422, "permits: a role needs", "POST", "/api/roles", json={"name": "R"})
    refused(local, 409, "name: a role named 'UserRole' exists", "POST", "/api/roles",
            json={"name": "UserRole", "permits": {"permit": [{"id": "login"}]}})  # fmt: skip
    local.request("POST", "/api/roles", json={"name": "R", "permits": {"permit": [{"id": "login"}]}})
    refused(local, 409, "permit: role R holds login", "POST", "/api/roles/R/permits", json={"id": "login"})
    refused(local, 409, "role R needs at least one", "DELETE", "/api/roles/R/permits/login")
    refused(local, 404, "role R has no permit create_vm", "DELETE", "/api/roles/R/permits/create_vm")
    refused(local, 404, "role nope not found", "GET", "/api/roles/nope")
    local.request("POST", "/api/permissions", json={"role": {"name": "R"}, "user": {"name": "bob"}})
    refused(local, 409, "role R is given in 1 permission", "DELETE", "/api/roles/R")


def test_permission_refusals_write_nothing(local: Engine) -> None:
    with engine_state(local.app).session_factory() as session:
        vm = Vm(name="v1", memory=64 << 20, cluster_id=local.cluster_id)
        session.add(vm)
        session.commit()
        vm_id = vm.id
    on_vm = f"/api/vms/{vm_id}/permissions"
    refused(local, 400, "role: no role with name 'Nope'", "POST", on_vm,
            json={"role": {"name": "Nope"}, "user": {"name": "bob"}})  # fmt: skip
    refused(local, 400, "user: no user with name 'zed'", "POST", on_vm,
            json={"role": {"name": "UserRole"}, "user": {"name": "zed"}})  # fmt: skip
    refused(local, 422, "user: give the user, or the group", "POST", on_vm, json={"role": {"name": "UserRole"}})
    local.request("POST", "/api/groups", json={"name": "g"})
    refused(local, 422, "user: give the user, or the group", "POST", on_vm,
            json={"role": {"name": "UserRole"}, "user": {"name": "bob"}, "group": {"name": "g"}})  # fmt: skip
    granted = local.request("POST", on_vm, json={"role": {"name": "UserVmManager"}, "user": {"name": "bob"}})
    assert granted.status_code == 201
    assert_valid_xml(local.request("GET", on_vm, headers=XML).data)
    refused(local, 409, "the permission exists", "POST", on_vm,
            json={"role": {"name": "UserVmManager"}, "user": {"name": "bob"}})  # fmt: skip
    # bob may manage the VM's permissions (UserVmManager), but not give an administrative role
    bob = ("bob", "bob-password")
    storage_admin = {"role": {"name": "StorageAdmin"}, "user": {"name": "carol"}}
    refused(local, 403, "role: StorageAdmin is an administrative role", "POST", on_vm, json=storage_admin, auth=bob)
    carols = local.request("POST", on_vm, json={"role": {"name": "UserRole"}, "user": {"name": "carol"}},
                            auth=("bob", "bob-password"))  # fmt: skip
    assert carols.status_code == 201
    refused(local, 404, "permission nope not found", "DELETE", f"{on_vm}/nope")
    assert (
        local.request("DELETE", f"{on_vm}/{carols.get_json()['id']}", auth=("bob", "bob-password")).status_code == 204
    )
    # carol holds nothing on the VM now: it is hidden from her
    assert local.request("GET", f"/api/vms/{vm_id}", auth=("carol", "carol-password")).status_code == 404


def test_groups_and_the_last_superuser(local: Engine) -> None:
    group = local.request("POST", "/api/groups", json={"name": "admins"}).get_json()
    refused(local, 409, "name: a group named 'admins' exists", "POST", "/api/groups", json={"name": "admins"})
    assert local.request("POST", f"/api/groups/{group['id']}/users", json={"name": "bob"}).status_code == 201
    refused(local, 409, "user bob is a member", "POST", f"/api/groups/{group['id']}/users", json={"name": "bob"})
    refused(local, 400, "user: no such user", "POST", f"/api/groups/{group['id']}/users", json={"name": "zed"})
    granted = local.request(
        "POST", "/api/permissions", json={"role": {"name": "SuperUser"}, "group": {"name": "admins"}}
    )
    assert granted.status_code == 201
    assert local.request("GET", "/api/users", auth=("bob", "bob-password")).status_code == 200  # an administrator now
    (admins,) = [p for p in local.request("GET", "/api/permissions").get_json() if "user" in p]
    assert local.request("DELETE", f"/api/permissions/{admins['id']}").status_code == 204  # the group's remains
    refused(
        local,
        409,
        "permission",
        "DELETE",
        f"/api/permissions/{granted.get_json()['id']}",
        auth=("bob", "bob-password"),
    )
    refused(
        local,
        409,
        "group admins cannot be removed",
        "DELETE",
        f"/api/groups/{group['id']}",
        auth=("bob", "bob-password"),
    )
    bob_id = next(
        u["id"]
        for u in local.request("GET", "/api/users", auth=("bob", "bob-password")).get_json()
        if u["user_name"] == "bob"
    )
    leaving = f"/api/groups/{group['id']}/users/{bob_id}"
    refused(local, 409, "user", "DELETE", leaving, auth=("bob", "bob-password"))
    members = local.request("GET", f"/api/groups/{group['id']}/users", auth=("bob", "bob-password")).get_json()
    assert [m["user_name"] for m in members] == ["bob"]
