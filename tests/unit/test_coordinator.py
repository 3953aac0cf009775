"""The command coordinator's rules, with a scripted storage plugin on SQLite (no service): the
backoff doubles while the backend's status stays, starts over when it moves, keeps retrying
through poll errors without failing the disk, and maps the outcomes to the disk's status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy
import pytest

from ovirt_engine_host.config import PollerSettings
from ovirt_engine_host.db.models import Command, Disk, StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine
from tests.storage_types import storage_type

hookimpl = pluggy.HookimplMarker("ovirt_engine")
SETTINGS = PollerSettings(initial_delay=0.01, max_delay=0.08, coalesce_seconds=0.0)


class ScriptedBackend:
    """Serves the ``scripted`` domain type; each poll answers the next scripted status (or
    raises it, when it is an exception)."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.created: list[str] = []

    @hookimpl
    def ovirt_engine_storage_domain_types(self) -> list[dict[str, Any]]:
        return [storage_type("scripted")]

    @hookimpl
    def ovirt_engine_check_quota(self, storage_domain: Any) -> dict[str, Any] | None:
        if storage_domain.type != "scripted":
            return None
        return {"allowed": True, "limit": None, "message": None, "in_use": None, "requested": None, "maximum": None}

    @hookimpl
    def ovirt_engine_create_disk(self, storage_domain: Any, disk: Any) -> dict[str, str] | None:
        if storage_domain.type != "scripted":
            return None
        volume_id = f"00000000-0000-0000-0000-{len(self.created):012d}"
        self.created.append(volume_id)
        return {"backend_id": volume_id, "kind": "create_disk", "request_id": disk.id}

    @hookimpl
    def ovirt_engine_poll_operations(self, storage_domain: Any, operations: list[Any]) -> list[Any] | None:
        if storage_domain.type != "scripted":
            return None
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        state, backend_status, reason = step
        return [
            {
                "backend_id": o["backend_id"],
                "state": state,
                "reason": reason,
                "actual_size": 1 << 30,
                "backend_status": backend_status,
            }
            for o in operations
        ]


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def scripted_engine(tmp_path: Path, backend: ScriptedBackend) -> Engine:
    built = build_engine(tmp_path, "", extra_plugins=(backend,), poller=SETTINGS)
    with engine_state(built.app).session_factory() as session:
        session.add(StorageDomain(id="sd-1", name="sd1", type="scripted", data_center_id=built.data_center_id))
        session.commit()
    return built


def add_disk(engine: Engine) -> str:
    body = {"alias": "d1", "provisioned_size": 1 << 30, "storage_domain": {"id": "sd-1"}}
    answer = engine.request("POST", "/api/disks", json=body)
    assert answer.status_code == 201, answer.json
    return str(answer.json["id"])


def cycle_and_read(engine: Engine, disk_id: str) -> tuple[Command, Disk | None]:
    state = engine_state(engine.app)
    with state.session_factory() as session:
        command = session.query(Command).filter_by(entity_id=disk_id).one()
        command.next_poll_at = command.created  # due now, whatever the backoff said
        session.commit()
    assert state.coordinator.run_cycle() == 1
    with state.session_factory() as session:
        return session.query(Command).filter_by(entity_id=disk_id).one(), session.get(Disk, disk_id)


def test_backoff_doubles_resets_when_the_status_moves_and_survives_errors(
    scripted_engine: Engine, backend: ScriptedBackend
) -> None:
    engine = scripted_engine
    disk_id = add_disk(engine)
    assert disk_id == backend.created[0]  # the disk's id is the backend's id
    backend.script = [
        ("pending", "creating", None),
        ("pending", "creating", None),
        ("pending", "creating", None),
        ("pending", "creating", None),
        ("pending", "downloading", None),
        ConnectionError("backend unreachable"),
        ("done", "available", None),
    ]
    delays = []
    for _ in range(5):
        command, disk = cycle_and_read(engine, disk_id)
        delays.append(command.delay)
        assert disk is not None
        assert disk.status == "locked"
    assert delays == [0.01, 0.02, 0.04, 0.08, 0.01]  # capped at max_delay, reset on "downloading"
    command, disk = cycle_and_read(engine, disk_id)
    assert disk is not None
    assert disk.status == "locked"  # a network error never fails the disk
    assert command.state == "pending"
    assert command.last_error == "backend unreachable"
    assert command.delay == 0.02
    command, disk = cycle_and_read(engine, disk_id)
    assert command.state == "done"
    assert disk is not None
    assert disk.status == "ok"
    job = engine.request("GET", "/api/jobs").json[0]
    assert job["status"]["state"] == "finished"


def test_a_failure_makes_the_disk_illegal_with_the_backends_reason(
    scripted_engine: Engine, backend: ScriptedBackend
) -> None:
    engine = scripted_engine
    disk_id = add_disk(engine)
    backend.script = [("failed", "error", "No valid backend was found")]
    command, disk = cycle_and_read(engine, disk_id)
    assert command.state == "failed"
    assert disk is not None
    assert (disk.status, disk.status_detail) == ("illegal", "No valid backend was found")
    answer = engine.request("GET", f"/api/disks/{disk_id}").json
    assert answer["status"] == {"state": "illegal", "detail": "No valid backend was found"}


def test_a_locked_disk_refuses_a_second_operation(scripted_engine: Engine, backend: ScriptedBackend) -> None:
    engine = scripted_engine
    disk_id = add_disk(engine)
    refused = engine.request("DELETE", f"/api/disks/{disk_id};async")
    assert refused.status_code == 409
    assert "locked" in refused.json["message"]
