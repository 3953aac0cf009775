"""The command coordinator's rules, with a scripted storage plugin on SQLite (no service) and a
clock the tests move by hand: a pending operation is first polled soon after its start, then its
storage domain on a steady cadence whatever the backend's status says; one poll takes every
pending operation of the domain along; only while the backend fails does the domain back off
(the interval doubling up to the maximum, back to the cadence at the first answer), and a poll
error never fails the disk; the outcomes map to the disk's status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pluggy
import pytest

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.clock import ManualClock
from ovirt_engine_host.config import PollerSettings
from ovirt_engine_host.db.models import Command, Disk, StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine
from tests.storage_types import storage_type

hookimpl = pluggy.HookimplMarker("ovirt_engine")
SETTINGS = PollerSettings(initial_delay=0.2, interval=1.0, max_delay=8.0, coalesce_seconds=0.0)


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
def manual_clock() -> Iterator[ManualClock]:
    with clock.controlled() as controlled:
        yield controlled


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


def command_of(engine: Engine, disk_id: str) -> Command:
    with engine_state(engine.app).session_factory() as session:
        return session.query(Command).filter_by(entity_id=disk_id).one()


def due_in(command: Command) -> float:
    return round((clock.as_utc(command.next_poll_at) - clock.now()).total_seconds(), 3)


def test_the_cadence_is_the_domains_whatever_the_backend_status(
    scripted_engine: Engine, backend: ScriptedBackend, manual_clock: ManualClock
) -> None:
    engine = scripted_engine
    coordinator = engine_state(engine.app).coordinator
    disk_id = add_disk(engine)
    assert disk_id == backend.created[0]  # the disk's id is the backend's id
    assert due_in(command_of(engine, disk_id)) == 0.2  # first poll soon after the start
    assert coordinator.run_cycle() == 0  # not due yet: nothing is asked
    manual_clock.advance(0.2)
    backend.script = [("pending", "creating", None)] * 3 + [("pending", "downloading", None), ("done", "ok", None)]
    delays = []
    for _ in range(4):
        assert coordinator.run_cycle() == 1
        command = command_of(engine, disk_id)
        delays.append((command.delay, due_in(command)))
        assert coordinator.run_cycle() == 0  # nothing due before the cadence says so
        manual_clock.advance(1.0)
    assert delays == [(1.0, 1.0)] * 4  # no backoff while the backend answers, moving or not
    assert coordinator.run_cycle() == 1
    command, disk = command_of(engine, disk_id), None
    with engine_state(engine.app).session_factory() as session:
        disk = session.get(Disk, disk_id)
    assert command.state == "done"
    assert disk is not None
    assert disk.status == "ok"
    assert coordinator.stats.poll_calls == 5
    job = engine.request("GET", "/api/jobs").json[0]
    assert job["status"]["state"] == "finished"


def test_only_a_failing_backend_backs_off_and_the_first_answer_ends_it(
    scripted_engine: Engine, backend: ScriptedBackend, manual_clock: ManualClock
) -> None:
    engine = scripted_engine
    coordinator = engine_state(engine.app).coordinator
    disk_id = add_disk(engine)
    manual_clock.advance(0.2)
    backend.script = [ConnectionError("backend unreachable")] * 5 + [("pending", "creating", None)]
    backoff = []
    for _ in range(5):
        assert coordinator.run_cycle() == 1
        command = command_of(engine, disk_id)
        backoff.append(due_in(command))
        assert command.state == "pending"  # a network error never fails the disk
        assert command.last_error == "backend unreachable"
        manual_clock.advance(due_in(command) - 0.01)
        assert coordinator.run_cycle() == 0  # backed off: not asked again before its time
        manual_clock.advance(0.01)
    assert backoff == [2.0, 4.0, 8.0, 8.0, 8.0]  # the interval doubling, capped at max_delay
    assert coordinator.backoff_of("sd-1") == 8.0
    with engine_state(engine.app).session_factory() as session:
        disk = session.get(Disk, disk_id)
        assert disk is not None
        assert disk.status == "locked"
    assert coordinator.run_cycle() == 1  # the backend answers again: back to the cadence
    command = command_of(engine, disk_id)
    assert (command.delay, due_in(command), command.last_error) == (1.0, 1.0, None)
    assert coordinator.backoff_of("sd-1") is None
    assert coordinator.stats.errors == 5


def test_a_new_operation_on_a_failing_domain_waits_for_the_domains_retry(
    scripted_engine: Engine, backend: ScriptedBackend, manual_clock: ManualClock
) -> None:
    engine = scripted_engine
    coordinator = engine_state(engine.app).coordinator
    first = add_disk(engine)
    manual_clock.advance(0.2)
    backend.script = [ConnectionError("backend unreachable"), ("pending", "creating", None)]
    coordinator.run_cycle()
    assert coordinator.backoff_of("sd-1") == 2.0
    manual_clock.advance(0.5)
    second = add_disk(engine)
    manual_clock.advance(0.2)
    assert coordinator.run_cycle() == 2  # the new disk's first poll is due (the first comes along) ...
    assert coordinator.stats.poll_calls == 1  # ... but the domain is not asked before its retry
    assert due_in(command_of(engine, second)) == due_in(command_of(engine, first)) == 1.3
    manual_clock.advance(1.3)
    assert coordinator.run_cycle() == 2  # both in one poll, back to the cadence together
    assert coordinator.stats.poll_calls == 2
    assert due_in(command_of(engine, first)) == due_in(command_of(engine, second)) == 1.0


def test_one_poll_takes_every_pending_operation_of_the_domain_along(
    scripted_engine: Engine, backend: ScriptedBackend, manual_clock: ManualClock
) -> None:
    engine = scripted_engine
    coordinator = engine_state(engine.app).coordinator
    disks = []
    for _ in range(5):
        disks.append(add_disk(engine))
        manual_clock.advance(0.3)  # started one after the other: each first poll due at its own time
    backend.script = [("pending", "creating", None)] * 3
    manual_clock.moment = clock.as_utc(command_of(engine, disks[0]).next_poll_at)
    assert coordinator.run_cycle() == 5  # the first one is due: the domain's poll asks about all five
    assert coordinator.stats.poll_calls == 1
    assert coordinator.stats.operations_polled == 5
    assert {due_in(command_of(engine, d)) for d in disks} == {1.0}  # in step from now on
    manual_clock.advance(1.0)
    assert coordinator.run_cycle() == 5
    assert (coordinator.stats.poll_calls, coordinator.stats.calls_per_cycle) == (2, [1, 1])
    with engine_state(engine.app).session_factory() as session:  # a lease of another process
        command = session.query(Command).filter_by(entity_id=disks[4]).one()
        command.lease_owner, command.lease_until = "elsewhere:1:1", clock.later(60)
        session.commit()
    manual_clock.advance(1.0)
    assert coordinator.run_cycle() == 4  # what another live process holds is not taken along
    assert timedelta(seconds=60) > timedelta(seconds=due_in(command_of(engine, disks[4])))


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
