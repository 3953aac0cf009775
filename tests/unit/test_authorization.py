"""Authorization in one place: every endpoint of the OpenAPI document (the engine's and the
plugins') declares its action and object type; the ``ovirt_engine_permission`` hook decides, the
built-in default plugin answering last; a plugin that answers first overrides it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pluggy
import pytest

from ovirt_engine_host import default_permissions
from ovirt_engine_host.db.models import User
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine

ACTIONS = {"read", "create", "update", "delete", "operate"}
MEMBER = ("member", "member-password")
hookimpl = pluggy.HookimplMarker("ovirt_engine")


def with_member(engine: Engine) -> Engine:
    with engine_state(engine.app).session_factory() as session:
        session.add(User(name=MEMBER[0], password_hash=hash_password(MEMBER[1]), administrator=False))
        session.commit()
    return engine


def test_every_endpoint_declares_its_action_and_object(tmp_path: Path) -> None:
    paths = build_engine(tmp_path, "").client.get("/api/openapi.json").get_json()["paths"]
    operations = {(path, method): operation for path, item in paths.items() for method, operation in item.items()
                  if method in {"get", "post", "put", "delete"}}  # fmt: skip
    assert len(operations) > 40
    undeclared = sorted(key for key, operation in operations.items() if "x-ovirt-action" not in operation)
    assert undeclared == []
    declared = {(o["x-ovirt-action"]["action"], o["x-ovirt-action"]["object"]) for o in operations.values()}
    assert {action for action, _ in declared} <= ACTIONS
    assert ("update", "disk") in declared
    assert ("create", "openstack_volume_provider") in declared  # the plugin's endpoints too


@pytest.mark.parametrize(
    ("administrator", "action", "object_type", "decided"),
    [
        (True, "delete", "host", "allow"),
        (False, "read", "host", "allow"),
        (False, "create", "host", "deny"),
        (False, "update", "openstack_volume_provider", "deny"),
        (False, "create", "disk", "own"),
        (False, "delete", "vm", "own"),
        (False, "read", "job", "own"),
        (False, "read", "api", "allow"),
    ],
)
def test_the_default_rule(administrator: bool, action: str, object_type: str, decided: str) -> None:
    user = SimpleNamespace(id="u", name="u", administrator=administrator)
    assert default_permissions.ovirt_engine_permission(user, action, object_type) == decided


class LetsMembersAddDataCenters:
    @hookimpl
    def ovirt_engine_permission(self, user: Any, action: str, object_type: str) -> str | None:
        return "allow" if object_type == "data_center" else None


def test_a_plugin_decides_before_the_default(tmp_path: Path) -> None:
    plain = with_member(build_engine(tmp_path / "plain", ""))
    refused = plain.request("POST", "/api/datacenters", json={"name": "dc2"}, auth=MEMBER)
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "user member may not create data centers: an administrator may"
    permissive = with_member(build_engine(tmp_path / "permissive", "", extra_plugins=(LetsMembersAddDataCenters(),)))
    assert permissive.request("POST", "/api/datacenters", json={"name": "dc2"}, auth=MEMBER).status_code == 201
    assert permissive.request("POST", "/api/users", json={"user_name": "x", "password": "12345678"},
                              auth=MEMBER).status_code == 403  # fmt: skip
