"""Jobs of many commands, for a kind of entity that is not a disk (a scripted "widget" backend,
SQLite, no service): a job ends only when every command has ended, each step with its commands;
a failure undoes the partial results through the job kind's compensations before the job fails
with the first reason; and a command whose engine died before or after the start hook is resumed
into exactly one backend operation."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pluggy
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.jobs import add_step, start_job
from ovirt_engine_host.commands.operations import JobKind, Operation
from ovirt_engine_host.config import PollerSettings
from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Job, StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine
from tests.storage_types import storage_type

hookimpl = pluggy.HookimplMarker("ovirt_engine")
SETTINGS = PollerSettings(initial_delay=0.0, max_delay=0.0, coalesce_seconds=10.0)
DOMAIN = "sd-widgets"


class WidgetBackend:
    """A storage plugin for the ``widgets`` type: widgets are made and unmade; each poll
    answers the state scripted for the widget (pending until a test says otherwise)."""

    def __init__(self) -> None:
        self.made: dict[str, str] = {}  # request id -> backend id
        self.start_calls: list[tuple[str, str, bool]] = []
        self.states: dict[str, tuple[str, str | None]] = {}
        self.rows: dict[str, str] = {}  # what the operations' callbacks wrote
        self.finished_jobs: list[str] = []

    @hookimpl
    def ovirt_engine_storage_domain_types(self) -> list[dict[str, Any]]:
        return [storage_type("widgets")]

    @hookimpl
    def ovirt_engine_poll_operations(self, storage_domain: Any, operations: list[Any]) -> list[Any] | None:
        if storage_domain.type != "widgets":
            return None
        answers = []
        for operation in operations:
            state, reason = self.states.get(operation["backend_id"], ("pending", None))
            answers.append(
                {"backend_id": operation["backend_id"], "state": state, "reason": reason, "actual_size": None,
                 "backend_status": state}
            )  # fmt: skip
        return answers

    def start(self, kind: str, request_id: str, resuming: bool) -> OperationHandle:
        """Idempotent for a request id, as the contract asks: a resumed start finds its widget."""
        self.start_calls.append((kind, request_id, resuming))
        key = f"{kind}:{request_id}"
        if key not in self.made:
            self.made[key] = f"w-{len(self.made)}"
        return {"backend_id": self.made[key], "kind": kind, "request_id": request_id}


class MakeWidget(Operation):
    kind = "make_widget"
    entity_type = "widget"
    progress = "Making the widget"

    def __init__(self, backend: WidgetBackend) -> None:
        self.backend = backend

    def start(self, hooks: Any, session: Session, domain: StorageDomain, command: Command, resuming: bool) -> Any:
        return self.backend.start(self.kind, command.request_id, resuming)

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        self.backend.rows[command.entity_id] = "ok"

    def failed(self, session: Session, command: Command, reason: str) -> None:
        self.backend.rows[command.entity_id] = f"illegal: {reason}"


class UnmakeWidget(MakeWidget):
    kind = "unmake_widget"
    progress = "Unmaking the widget"
    succeeds_when_gone = True

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        self.backend.rows.pop(command.entity_id, None)


class WidgetSet(JobKind):
    """Makes several widgets; a failure unmakes the ones that were made."""

    name = "widget_set"

    def __init__(self, backend: WidgetBackend) -> None:
        self.backend = backend

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        self.backend.finished_jobs.append(job.id)

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        for command in commands:
            if command.kind == "make_widget" and command.state == "done":
                begin(storage_domain_id=command.storage_domain_id, kind="unmake_widget", entity_id=command.entity_id,
                      request_id=command.request_id, payload={})  # fmt: skip


@pytest.fixture
def backend() -> WidgetBackend:
    return WidgetBackend()


@pytest.fixture
def widget_engine(tmp_path: Path, backend: WidgetBackend) -> Engine:
    built = build_engine(tmp_path, "", extra_plugins=(backend,), poller=SETTINGS)
    registry = engine_state(built.app).coordinator.registry
    registry.register_operation(MakeWidget(backend))
    registry.register_operation(UnmakeWidget(backend))
    registry.register_job_kind(WidgetSet(backend))
    with engine_state(built.app).session_factory() as session:
        session.add(StorageDomain(id=DOMAIN, name="widgets", type="widgets", data_center_id=built.data_center_id))
        session.commit()
    return built


def make_widgets(engine: Engine, names: list[str], send: bool = True) -> str:
    """A widget_set job with one step and one command per widget; returns the job id."""
    state = engine_state(engine.app)
    with state.session_factory() as session:
        job = start_job(session, "Making widgets", None, [f"Widget {n}" for n in names], kind="widget_set")
        steps = [s for s in job.steps if s.type == "executing"]
        commands = [
            state.coordinator.begin(session, job=job, step=step, storage_domain_id=DOMAIN, kind="make_widget",
                                    entity_id=name, request_id=f"req-{name}", payload={})
            for name, step in zip(names, steps, strict=True)
        ]  # fmt: skip
        session.commit()
        job_id, command_ids = job.id, [c.id for c in commands]
    if send:
        for command_id in command_ids:
            state.coordinator.send(command_id)
    return job_id


def cycle(engine: Engine) -> None:
    state = engine_state(engine.app)
    with state.session_factory() as session:
        for command in session.scalars(select(Command).where(Command.state.in_(("sending", "pending")))):
            command.next_poll_at = command.created  # due now
            if command.lease_owner == "":
                command.lease_owner = None
        session.commit()
    state.coordinator.run_cycle()


def job_view(engine: Engine, job_id: str) -> tuple[str, str | None, list[tuple[str, str]]]:
    with engine_state(engine.app).session_factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.status, job.status_detail, [(s.type, s.status) for s in job.steps]


def commands_of(engine: Engine, job_id: str) -> list[Command]:
    with engine_state(engine.app).session_factory() as session:
        return list(session.scalars(select(Command).where(Command.job_id == job_id).order_by(Command.created)))


def test_a_job_ends_when_its_last_command_ends(widget_engine: Engine, backend: WidgetBackend) -> None:
    job_id = make_widgets(widget_engine, ["a", "b", "c"])
    assert [c.entity_type for c in commands_of(widget_engine, job_id)] == ["widget"] * 3
    backend.states = {"w-0": ("done", None), "w-2": ("done", None)}
    cycle(widget_engine)
    status, _, steps = job_view(widget_engine, job_id)
    assert status == "started"
    assert steps == [("validating", "finished"), ("executing", "finished"), ("executing", "started"),
                     ("executing", "finished")]  # fmt: skip
    assert backend.finished_jobs == []
    backend.states["w-1"] = ("done", None)
    cycle(widget_engine)
    assert job_view(widget_engine, job_id) == (
        "finished",
        None,
        [("validating", "finished")] + [("executing", "finished")] * 3,
    )
    assert backend.finished_jobs == [job_id]
    assert backend.rows == {"a": "ok", "b": "ok", "c": "ok"}
    jobs = widget_engine.request("GET", f"/api/jobs/{job_id}/steps").json
    assert [s["status"]["state"] for s in jobs] == ["finished"] * 4


def test_a_failure_undoes_the_partial_results_before_the_job_fails(
    widget_engine: Engine, backend: WidgetBackend
) -> None:
    job_id = make_widgets(widget_engine, ["a", "b", "c"])
    backend.states = {"w-0": ("done", None), "w-1": ("failed", "no room for b")}
    cycle(widget_engine)
    status, detail, _ = job_view(widget_engine, job_id)
    assert (status, detail) == ("started", "no room for b")  # c still works: nothing is undone yet
    backend.states["w-2"] = ("done", None)
    cycle(widget_engine)
    status, detail, steps = job_view(widget_engine, job_id)
    assert (status, detail) == ("started", "no room for b")
    assert steps[-1] == ("finalizing", "started")
    undo = [c for c in commands_of(widget_engine, job_id) if c.kind == "unmake_widget"]
    assert sorted(c.entity_id for c in undo) == ["a", "c"]
    assert {c.state for c in undo} == {"sending"}
    cycle(widget_engine)  # the poller starts the compensations
    assert sorted(call[1] for call in backend.start_calls if call[0] == "unmake_widget") == ["req-a", "req-c"]
    backend.states.update({backend.made["unmake_widget:req-a"]: ("gone", None),
                           backend.made["unmake_widget:req-c"]: ("gone", None)})  # fmt: skip
    cycle(widget_engine)
    status, detail, steps = job_view(widget_engine, job_id)
    assert (status, detail) == ("failed", "no room for b")
    assert steps == [("validating", "finished"), ("executing", "finished"), ("executing", "failed"),
                     ("executing", "finished"), ("finalizing", "finished")]  # fmt: skip
    assert backend.rows == {"b": "illegal: no room for b"}  # a and c undone, b marked
    assert backend.finished_jobs == []
    assert {c.state for c in commands_of(widget_engine, job_id)} <= {"done", "failed"}


@pytest.mark.parametrize("hook_returned", [False, True])
def test_a_command_of_a_dead_engine_is_resumed_into_one_operation(
    widget_engine: Engine, backend: WidgetBackend, hook_returned: bool
) -> None:
    """The engine died after committing the ``sending`` command, before the start hook or after
    it returned (the backend has the widget, the engine has no handle)."""
    job_id = make_widgets(widget_engine, ["a"], send=False)
    if hook_returned:
        backend.start("make_widget", "req-a", resuming=False)
    with engine_state(widget_engine.app).session_factory() as session:
        command = session.scalars(select(Command).where(Command.job_id == job_id)).one()
        command.lease_owner = f"{socket.gethostname()}:999999999:1"  # a process that is gone
        session.commit()
    cycle(widget_engine)
    (command,) = commands_of(widget_engine, job_id)
    assert command.state == "pending"
    assert command.backend_id == "w-0"
    assert backend.start_calls[-1] == ("make_widget", "req-a", True)
    assert list(backend.made) == ["make_widget:req-a"]  # exactly one widget
    backend.states["w-0"] = ("done", None)
    cycle(widget_engine)
    assert job_view(widget_engine, job_id)[0] == "finished"
    assert backend.rows == {"a": "ok"}


class WidgetChain(JobKind):
    """Makes widgets in stages, one after the other (``chain-1`` only once ``chain-0`` has
    ended, as a collection deletes children first), going on after a failure."""

    name = "widget_chain"
    continues_after_failures = True

    def __init__(self, backend: WidgetBackend, length: int) -> None:
        self.backend = backend
        self.length = length

    def next_stage(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> bool:
        if len(commands) >= self.length:
            return False
        step = add_step(session, job, "executing", f"Widget chain-{len(commands)}")
        begin(step=step, storage_domain_id=DOMAIN, kind="make_widget", entity_id=f"chain-{len(commands)}",
              request_id=f"req-chain-{len(commands)}", payload={})  # fmt: skip
        return True

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        self.backend.finished_jobs.append(job.id)


@pytest.mark.parametrize("first_fails", [False, True])
def test_a_job_in_stages_begins_each_stage_once_the_last_has_ended(
    widget_engine: Engine, backend: WidgetBackend, first_fails: bool
) -> None:
    engine_state(widget_engine.app).coordinator.registry.register_job_kind(WidgetChain(backend, length=3))
    state = engine_state(widget_engine.app)
    with state.session_factory() as session:
        job = start_job(session, "A chain", None, "Widget chain-0", kind="widget_chain")
        first = state.coordinator.begin(session, job=job, storage_domain_id=DOMAIN, kind="make_widget",
                                        entity_id="chain-0", request_id="req-chain-0", payload={})  # fmt: skip
        session.commit()
        job_id, first_id = job.id, first.id
    state.coordinator.send(first_id)
    backend.states["w-0"] = ("failed", "the first broke") if first_fails else ("done", None)
    for made in range(1, 3):
        assert [c.entity_id for c in commands_of(widget_engine, job_id)] == [f"chain-{n}" for n in range(made)]
        cycle(widget_engine)  # the stage ends; the next one is begun, unstarted
        cycle(widget_engine)  # ... and started
        assert job_view(widget_engine, job_id)[0] == "started"
        backend.states[f"w-{made}"] = ("done", None)
    cycle(widget_engine)
    status, detail, steps = job_view(widget_engine, job_id)
    assert [c.entity_id for c in commands_of(widget_engine, job_id)] == ["chain-0", "chain-1", "chain-2"]
    assert [s for s in steps if s[0] == "executing"] == [
        ("executing", "failed" if first_fails else "finished"), ("executing", "finished"), ("executing", "finished")
    ]  # fmt: skip
    if first_fails:  # the later stages ran all the same; the job fails with the first reason
        assert (status, detail) == ("failed", "the first broke")
        assert backend.finished_jobs == []
    else:
        assert (status, detail) == ("finished", None)
        assert backend.finished_jobs == [job_id]
