"""The permission matrix, generated from the OpenAPI document: every operation (the engine's and
the plugins') x seven users — SuperUser on the system, StorageAdmin on the stack's domain,
DiskOperator on one disk, DiskCreator on the domain, UserRole on one VM, a member of a group
holding PowerUserRole on the data center, and a user with no permission — against the role table
(:mod:`ovirt_engine_host.access.roles`) evaluated here, in Python, over the objects' known places
in the tree. A new endpoint is in the matrix the moment it is in the document; one whose
declaration the role table does not explain fails it.

The decision is the one every request meets before its view (``authorize_request``), and for an
object named in the body the view's check (``require_permitted``), run in a request context on
the real database (SQLite and PostgreSQL) with the provider on the stack's Cinder. Expected:
``allow``; ``403`` (seen, but no role holds the group; or an administrative type for a user who
is no administrator); ``404`` for what he may not see (``400`` for a body's reference)."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import g
from sqlalchemy import event

from ovirt_engine_host import authorization
from ovirt_engine_host.access.authentication import user_view
from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.access.roles import BY_NAME, READ, SYSTEM
from ovirt_engine_host.db.models import (
    Disk,
    DiskAttachment,
    Event,
    Host,
    Job,
    Template,
    User,
    Vm,
    VmPool,
)
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.disks import GiB, add_provider, storage_domain_of, volumes_cleaned
from tests.engine import Engine
from tests.stack import Stack

SUBJECTS = ("superuser", "storage_admin", "disk_operator", "disk_creator", "user_role", "power_group", "nobody")
ADMINISTRATIVE_TYPES = {"host", "user", "group", "role", "openstack_volume_provider"}


@dataclass
class World:
    """The objects every path parameter names, and where each sits in the tree."""

    ids: dict[str, str]
    parents: dict[tuple[str, str], list[tuple[str, str]]]
    grants: dict[str, list[tuple[str, str, str]]]  # subject -> (role, object type, object id)

    def ancestors(self, kind: str, object_id: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        pending = [(kind, object_id)]
        while pending:
            node = pending.pop()
            for parent in self.parents.get(node, [(SYSTEM, SYSTEM)] if node[0] != SYSTEM else []):
                if parent not in found:
                    found.append(parent)
                    pending.append(parent)
        return found


def groups_of(engine: Engine, role: str) -> frozenset[str]:
    return engine_state(engine.app).access.groups.of_predefined(BY_NAME[role])


def expected(engine: Engine, world: World, subject: str, group: str, kind: str, object_id: str, body: bool) -> str:
    """The role table's answer, in Python: ``allow``, ``403``, ``404`` (``400`` for a body's)."""
    grants = world.grants[subject]
    above = world.ancestors(kind, object_id) if kind != SYSTEM else []
    administrator = any(BY_NAME[role].administrative for role, _, _ in grants)
    reached = [(role, (t, i) == (kind, object_id)) for role, t, i in grants if (t, i) in [(kind, object_id), *above]]
    if group != READ and any(group in groups_of(engine, role) for role, _ in reached):
        return "allow"
    creators = {"DiskCreator", "PowerUserRole", "VmCreator", "TemplateCreator"}
    visible = kind == SYSTEM or administrator or any(own or role not in creators for role, own in reached)
    if kind in {"job", "event"}:
        visible = administrator
    if kind == "user" and object_id == world.ids[f"user:{subject}"]:
        visible = True
    if not visible:
        if body:  # the request's check: the group held nowhere is a 403 before the body is read
            held = any(group in groups_of(engine, role) for role, _, _ in grants)
            return "400" if held else "403"
        return "403" if kind in ADMINISTRATIVE_TYPES and not administrator else "404"
    return "allow" if group == READ else "403"


def decided(engine: Engine, user: Any, method: str, path: str, declared: dict[str, Any], world: World) -> str:
    """What the engine decides for one operation (the request's check, then a body's)."""
    app = engine.app
    with app.test_request_context(path, method=method):
        g.current_user = user
        try:
            authorization.authorize_request()
            if declared["by"] == authorization.BODY:
                with engine_state(app).session_factory() as session:
                    kind, group = declared["object"], declared["action_group"]
                    if kind == SYSTEM:
                        authorization.authorize(session, group, SYSTEM, SYSTEM)
                    else:
                        authorization.require_permitted(session, kind, {"id": world.ids[kind]}, group)
        except Refused as refusal:
            return str(refusal.status)
    return "allow"


PATH_OBJECTS = {
    "disk_id": "disk", "vm_id": "vm", "storage_domain_id": "storage_domain", "data_center_id": "data_center",
    "cluster_id": "cluster", "template_id": "template", "pool_id": "vm_pool", "host_id": "host", "user_id": "user",
    "group_id": "group", "role_id": "role", "provider_id": "openstack_volume_provider", "job_id": "job",
    "event_id": "event",
}  # fmt: skip


def filled(path: str, world: World, kind: str) -> str:
    """The OpenAPI path with real ids (``object_id`` is the declared object's)."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name in {"object_id", "holder_id"}:
            return world.ids[kind]
        if name in PATH_OBJECTS:
            return world.ids[PATH_OBJECTS[name]]
        return "x"  # a sub-item (a key, a volume type, a snapshot, a permit): not what is decided on

    return re.sub(r"\{(\w+)\}", value, path)


def populate(engine: Engine, provider_id: str, domain: str) -> tuple[World, dict[str, str]]:
    """The users, their grants and one object of each type (rows: the decision needs no backend)."""
    dc, cluster = engine.data_center_id, engine.cluster_id
    with engine_state(engine.app).session_factory() as session:
        users = {s: add_user(session, s, hash_password(f"{s}-password"), administrator=s == "superuser")
                 for s in SUBJECTS}  # fmt: skip
        host = Host(name="h1", address="127.0.0.1", libvirt_uri="test:///default", cluster_id=cluster)
        vm = Vm(name="v1", memory=64 << 20, cluster_id=cluster)
        template = Template(name="t1", memory=64 << 20, data_center_id=dc, status="ok")
        session.add_all([host, vm, template])
        session.flush()
        pool = VmPool(name="p1", size=0, template_id=template.id, cluster_id=cluster)
        disk = Disk(id=str(uuid.uuid4()), alias="d1", storage_domain_id=domain, provisioned_size=GiB,
                    active_volume_id="none", status="ok")  # fmt: skip
        job = Job(description="someone's job", owner_id=users["superuser"].id)
        session.add_all([pool, disk, job])
        session.flush()
        session.add(DiskAttachment(vm_id=vm.id, disk_id=disk.id))
        event = Event(code=1, description="an event", user_id=users["superuser"].id)
        session.add(event)
        session.commit()
        ids = {"storage_domain": domain, "data_center": dc, "cluster": cluster, "disk": disk.id, "vm": vm.id,
               "template": template.id, "vm_pool": pool.id, "host": host.id, "user": users["nobody"].id, "job": job.id,
               "event": str(event.id), "openstack_volume_provider": provider_id, "role": BY_NAME["UserRole"].id,
               SYSTEM: SYSTEM, **{f"user:{s}": u.id for s, u in users.items()}}  # fmt: skip
        user_ids = {s: u.id for s, u in users.items()}
    group = engine.request("POST", "/api/groups", json={"name": "powers"}).json
    ids["group"] = group["id"]
    engine.request("POST", f"/api/groups/{group['id']}/users", json={"name": "power_group"})
    grants = {
        "superuser": [("SuperUser", SYSTEM, SYSTEM)],
        "storage_admin": [("StorageAdmin", "storage_domain", domain)],
        "disk_operator": [("DiskOperator", "disk", ids["disk"])],
        "disk_creator": [("DiskCreator", "storage_domain", domain)],
        "user_role": [("UserRole", "vm", ids["vm"])],
        "power_group": [("PowerUserRole", "data_center", dc)],
        "nobody": [],
    }
    collections = {"storage_domain": "storagedomains", "disk": "disks", "vm": "vms", "data_center": "datacenters"}
    for subject, held in grants.items():
        for role, kind, object_id in held:
            if kind == SYSTEM:
                continue
            holder = {"group": {"name": "powers"}} if subject == "power_group" else {"user": {"name": subject}}
            answer = engine.request("POST", f"/api/{collections[kind]}/{object_id}/permissions",
                                    json={"role": {"name": role}, **holder})  # fmt: skip
            assert answer.status_code == 201, answer.json
    parents = {
        ("storage_domain", domain): [("data_center", dc)],
        ("disk", ids["disk"]): [("storage_domain", domain), ("vm", ids["vm"])],
        ("cluster", cluster): [("data_center", dc)],
        ("vm", ids["vm"]): [("cluster", cluster)],
        ("template", ids["template"]): [("data_center", dc)],
        ("vm_pool", ids["vm_pool"]): [("cluster", cluster)],
        ("host", ids["host"]): [("cluster", cluster)],
    }
    return World(ids, parents, grants), user_ids


@pytest.fixture
def world(engine: Engine, stack: Stack) -> Iterator[tuple[World, dict[str, str]]]:
    """The provider on the stack's Cinder (its domain), and :func:`populate`."""
    domains: list[str] = []
    with volumes_cleaned(stack, domains):
        provider = add_provider(engine, stack, name="matrix-cinder")
        domains.append(storage_domain_of(engine, provider))
        yield populate(engine, provider["id"], domains[0])


def test_every_operation_against_the_role_table(engine: Engine, world: tuple[World, dict[str, str]]) -> None:
    matrix, user_ids = world
    operations = [
        (method.upper(), path, operation["x-ovirt-action"])
        for path, item in engine.request("GET", "/api/openapi.json").json["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "delete"}
    ]
    assert len(operations) > 90
    with engine_state(engine.app).session_factory() as session:
        users = {s: user_view(session, User.id == user_ids[s]) for s in SUBJECTS}
    mismatches: list[str] = []
    checked = 0
    statements: list[str] = []
    costliest: dict[str, int] = {}

    deciding = threading.get_ident()  # the engine's poller and monitors run beside, in threads of their own

    def count(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == deciding:
            statements.append(statement)

    event.listen(engine_state(engine.app).database, "before_cursor_execute", count)
    for method, path, declared in operations:
        kind, group = declared["object"], declared["action_group"]
        if kind == "api":
            continue  # the front door: every user
        for subject in SUBJECTS:
            found = users[subject]
            assert found is not None
            object_id = matrix.ids.get(kind, SYSTEM)
            if declared["by"] is None and group == READ:  # a list: cut down by the view
                administrator = found[0].administrator
                want = "403" if kind in ADMINISTRATIVE_TYPES - {"user"} and not administrator else "allow"
            else:
                want = expected(engine, matrix, subject, group, kind, object_id, declared["by"] == authorization.BODY)
            statements.clear()
            got = decided(engine, found[0], method, filled(path, matrix, kind), declared, matrix)
            costliest[f"{method} {path}"] = max(costliest.get(f"{method} {path}", 0), len(statements))
            checked += 1
            if got != want:
                mismatches.append(f"{subject:14} {method:6} {path}: {group} on {kind}: engine {got}, table {want}")
    event.remove(engine_state(engine.app).database, "before_cursor_execute", count)
    assert mismatches == [], "\n".join(mismatches)
    # a decision costs at most 2 SQL statements, whatever the object's place in the tree
    assert {key: n for key, n in costliest.items() if n > 2} == {}
    assert checked >= 90 * len(SUBJECTS)
    print(f"most statements for one decision: {max(costliest.values())}")
    print(f"permission matrix: {checked} decisions ({checked // len(SUBJECTS)} operations x {len(SUBJECTS)} users)")
