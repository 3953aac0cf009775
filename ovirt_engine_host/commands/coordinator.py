"""The command coordinator: starts backend operations, polls the pending ones in batches (one
``ovirt_engine_poll_operations`` call per storage domain per cycle), applies their ends to the
engine's rows through their registered :class:`~.operations.Operation`, and ends a job once every
command of it has ended, through its registered :class:`~.operations.JobKind`: finished, or
failed with the first failure's reason after the partial results were undone.

The cadence is the storage domain's. A poll costs one backend request whatever the number of
operations pending on the domain, so when anything of a domain is due, the cycle takes every
pending command of that domain along (:func:`.store.claim_due`), and after the poll they are all
due again together ``interval`` seconds later: a backoff per operation would only add delay.
Only a domain whose backend fails backs off (``interval`` doubling up to ``max_delay``, in this
process's memory: it is a courtesy to the backend, not state to survive a restart), and the
first answer brings it back to the steady cadence.

Crash safety comes from the order of writes. A command is committed (state ``sending``, with
everything the start needs in its payload) before the plugin's start hook is called, and its
handle is committed together with the rows it implies. An engine that dies in between leaves a
``sending`` command behind; the poller calls the start hook again, and the plugin finds the
operation it already started by the request id instead of starting a second one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.commands import clock, store
from ovirt_engine_host.commands.identity import this_process
from ovirt_engine_host.commands.jobs import add_step, end_job, end_step, first_open_step, report_progress
from ovirt_engine_host.commands.operations import Operation, Registry
from ovirt_engine_host.config import PollerSettings
from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Job, Step, StorageDomain
from ovirt_engine_host.errors import Refused, backend_refusal, is_transient
from ovirt_engine_host.plugins import EngineHooks

LOG = logging.getLogger(__name__)
STATES = {"pending", "done", "failed", "gone"}
ENDED = {"done", "failed"}
UNDOING = "Undoing what the job had done"


@dataclass
class PollerStats:
    """What the poller did in this process (read by the benchmark and the tests)."""

    cycles: int = 0
    poll_calls: int = 0
    operations_polled: int = 0
    resends: int = 0
    errors: int = 0
    calls_per_cycle: list[int] = field(default_factory=list)


@dataclass
class DomainBackoff:
    """A storage domain whose backend failed: not polled again before ``retry_at``."""

    delay: float
    retry_at: datetime


class CommandCoordinator:
    def __init__(
        self, session_factory: sessionmaker[Session], hooks: EngineHooks, settings: PollerSettings, registry: Registry
    ) -> None:
        self.sessions = session_factory
        self.hooks = hooks
        self.settings = settings
        self.registry = registry
        self.stats = PollerStats()
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._backoff: dict[str, DomainBackoff] = {}

    # -- starting -----------------------------------------------------------------------
    def begin(
        self,
        session: Session,
        *,
        job: Job,
        storage_domain_id: str,
        kind: str,
        entity_id: str,
        request_id: str,
        payload: dict[str, Any],
        step: Step | None = None,
        leased: bool = True,
    ) -> Command:
        """Add a ``sending`` command to ``step`` (default: the job's first executing step).
        ``leased``: held by this process for the start that follows (the caller commits, then
        calls :meth:`send`); otherwise the poller starts it (compensations, batches)."""
        operation = self.registry.operation(kind)
        until = clock.later(self.settings.lease_seconds) if leased else None
        command = Command(
            job_id=job.id,
            step_id=(step or first_open_step(job)).id,
            storage_domain_id=storage_domain_id,
            entity_type=operation.entity_type,
            entity_id=entity_id,
            kind=kind,
            request_id=request_id,
            payload=json.dumps(payload, sort_keys=True),
            state="sending",
            delay=self.settings.initial_delay,
            lease_owner=this_process() if leased else None,
            lease_until=until,
            next_poll_at=until or clock.now(),
        )
        session.add(command)
        session.flush()
        return command

    def send(self, command_id: str) -> Command:
        """Call the start hook of a command this process holds. A refusal ends the command (the
        disk is put back) and is raised as :class:`Refused` for the REST answer."""
        with self.sessions() as session:
            command = self._load(session, command_id)
            domain = session.get(StorageDomain, command.storage_domain_id)
            operation = self.registry.operation(command.kind)
            try:
                handle = self._start(operation, session, domain, command, resuming=False)
            except Exception as error:
                refusal = backend_refusal(error)
                session.rollback()
                command = self._load(session, command_id)
                self._reject(session, operation, command, refusal.message)
                session.commit()
                LOG.info("%s of %s refused: %s", command.kind, command.request_id, refusal.message)
                raise refusal from error
            self._accept(session, operation, command, handle)
            session.commit()
        self.wake.set()
        return command

    def _start(
        self, operation: Operation, session: Session, domain: StorageDomain | None, command: Command, resuming: bool
    ) -> OperationHandle:
        if domain is None:
            raise Refused(404, f"storage domain {command.storage_domain_id} was removed")
        handle = operation.start(self.hooks, session, domain, command, resuming)
        if handle is None:
            raise Refused(400, f"no plugin serves storage domains of type {domain.type!r}")
        return dict(handle)  # type: ignore[return-value]

    def _accept(self, session: Session, operation: Operation, command: Command, handle: OperationHandle) -> None:
        command.backend_id = handle["backend_id"]
        operation.accepted(session, command, handle)
        command.state = "pending"
        self._schedule(command, self.settings.initial_delay)  # first poll soon after the start

    def _reject(self, session: Session, operation: Operation, command: Command, reason: str) -> None:
        command.last_error = reason  # what ``rejected`` may record
        operation.rejected(session, command)
        self._finish(session, command, succeeded=False, reason=reason)

    # -- polling ------------------------------------------------------------------------
    def run_cycle(self) -> int:
        """One poll cycle: claim what is due, resume starts, poll each domain once. Returns how
        many commands were worked on."""
        with self._lock, self.sessions() as session:
            claimed = store.claim_due(
                session, this_process(), self.settings.lease_seconds, self.settings.coalesce_seconds
            )
        if not claimed:
            return 0
        by_domain: dict[str, list[str]] = defaultdict(list)
        for command in claimed:
            by_domain[command.storage_domain_id].append(command.id)
        calls = 0
        for domain_id, command_ids in by_domain.items():
            calls += self._work_on_domain(domain_id, command_ids)
        self.stats.cycles += 1
        self.stats.calls_per_cycle.append(calls)
        return len(claimed)

    def _work_on_domain(self, domain_id: str, command_ids: list[str]) -> int:
        with self.sessions() as session:
            domain = session.get(StorageDomain, domain_id)
            loaded = {c.id: c for c in session.scalars(select(Command).where(Command.id.in_(command_ids)))}
            commands = [loaded[command_id] for command_id in command_ids if command_id in loaded]
            backoff = self._backoff.get(domain_id)
            if backoff is not None and backoff.retry_at > clock.now():
                for command in commands:  # due along with a new command: wait for the domain's retry
                    self._schedule_at(command, backoff.delay, backoff.retry_at)
                session.commit()
                return 0
            for command in commands:
                if command.state == "sending":
                    self._resend(session, domain, command)
            session.commit()
            pending = [c for c in commands if c.state == "pending"]
            if not pending or domain is None:
                return 0
            try:
                statuses = self._poll(domain, pending)
            except Exception as error:  # noqa: BLE001 - any backend trouble: keep the commands, retry
                self.stats.errors += 1
                LOG.warning("polling %d operation(s) on %s failed, retrying: %s", len(pending), domain.name, error)
                self._retry_later(domain_id, pending, str(error))
                session.commit()
                return 1
            self._backoff.pop(domain_id, None)
            for command, status in zip(pending, statuses, strict=True):
                self._apply(session, command, status)
            session.commit()
            return 1

    def _poll(self, domain: StorageDomain, commands: list[Command]) -> list[OperationStatus]:
        handles: list[OperationHandle] = [
            {"backend_id": c.backend_id or "", "kind": self.registry.operation(c.kind).hook_kind(c),
             "request_id": c.request_id}
            for c in commands
        ]  # fmt: skip
        self.stats.poll_calls += 1
        self.stats.operations_polled += len(handles)
        statuses = self.hooks.poll_operations(domain, handles)
        if statuses is None or len(statuses) != len(handles):
            raise RuntimeError(f"the plugin of {domain.type!r} answered {len(statuses or [])} of {len(handles)} polls")
        for status in statuses:
            if status.get("state") not in STATES:
                raise RuntimeError(f"the plugin of {domain.type!r} answered an unknown state {status.get('state')!r}")
        return statuses

    def _resend(self, session: Session, domain: StorageDomain | None, command: Command) -> None:
        operation = self.registry.operation(command.kind)
        self.stats.resends += 1
        try:
            handle = self._start(operation, session, domain, command, resuming=True)
        except Exception as error:  # noqa: BLE001 - classify below
            if is_transient(error):
                LOG.warning("resuming %s of %s failed, retrying: %s", command.kind, command.request_id, error)
                self._retry_later(command.storage_domain_id, [command], str(error))
            else:
                self._reject(session, operation, command, backend_refusal(error).message)
            return
        LOG.info("resumed %s of %s: %s", command.kind, command.request_id, handle["backend_id"])
        self._accept(session, operation, command, handle)

    def _apply(self, session: Session, command: Command, status: OperationStatus) -> None:
        operation = self.registry.operation(command.kind)
        state = status["state"]
        backend_status = status.get("backend_status")
        command.attempts += 1
        command.last_error = None
        if state == "pending":
            if backend_status and backend_status != command.backend_status:
                job = session.get(Job, command.job_id)
                step = session.get(Step, command.step_id) if command.step_id else None
                if job is not None and step is not None:
                    report_progress(job, step, f"{operation.progress} (backend status: {backend_status})")
            command.backend_status = backend_status
            self._schedule(command, self.settings.interval)  # the domain's steady cadence
            return
        command.backend_status = backend_status
        if state == "done" or (state == "gone" and operation.succeeds_when_gone):
            operation.succeeded(session, command, status)
            self._finish(session, command, succeeded=True)
            return
        reason = status.get("reason") or f"the backend reports the operation {state}"
        operation.failed(session, command, reason)
        self._finish(session, command, succeeded=False, reason=reason)

    # -- bookkeeping --------------------------------------------------------------------
    def _schedule(self, command: Command, delay: float) -> None:
        self._schedule_at(command, delay, clock.later(delay))

    @staticmethod
    def _schedule_at(command: Command, delay: float, moment: datetime) -> None:
        """Due again at ``moment`` (``delay`` is recorded: the cadence it came from); the lease
        is given back."""
        command.delay = delay
        command.next_poll_at = moment
        command.lease_owner = command.lease_until = None
        command.updated = clock.now()

    def _retry_later(self, domain_id: str, commands: list[Command], error: str) -> None:
        """The domain's backend failed: back off the domain (``interval`` doubling up to
        ``max_delay``), its commands due again when it may be tried again."""
        previous = self._backoff.get(domain_id)
        delay = min(2 * (previous.delay if previous else self.settings.interval), self.settings.max_delay)
        backoff = self._backoff[domain_id] = DomainBackoff(delay, clock.later(delay))
        for command in commands:
            command.attempts += 1
            command.last_error = error
            self._schedule_at(command, delay, backoff.retry_at)

    def backoff_of(self, domain_id: str) -> float | None:
        """The delay a failing domain is backed off by in this process (None: it is not)."""
        backoff = self._backoff.get(domain_id)
        return backoff.delay if backoff else None

    def _finish(self, session: Session, command: Command, succeeded: bool, reason: str | None = None) -> None:
        command.state = "done" if succeeded else "failed"
        command.last_error = reason
        command.lease_owner = command.lease_until = None
        command.updated = clock.now()
        session.flush()
        job = session.get(Job, command.job_id)
        if job is not None:
            self._command_ended(session, job, command, succeeded, reason)

    def _command_ended(self, session: Session, job: Job, command: Command, succeeded: bool, reason: str | None) -> None:
        """A command's step ends with its last command; the job ends with its last command: the
        job kind's ``finished``, or its ``failed`` (once; compensations it begins run in a
        finalizing step before the job ends failed with the first failure's reason)."""
        commands = session.scalars(select(Command).where(Command.job_id == job.id).order_by(Command.created)).all()
        step = session.get(Step, command.step_id) if command.step_id else None
        if step is not None:
            siblings = [c for c in commands if c.step_id == step.id]
            if all(c.state in ENDED for c in siblings):
                end_step(step, all(c.state == "done" for c in siblings))
        if not succeeded and job.status_detail is None:
            job.status_detail = reason  # the first failure is the job's reason
        if any(c.state not in ENDED for c in commands):
            return
        kind = self.registry.job_kind(job.kind)
        undone = any(s.type == "finalizing" for s in job.steps)  # only a failed job undoes
        all_done = all(c.state == "done" for c in commands)
        if not undone and (all_done or kind.continues_after_failures):

            def begin_stage(step: Step, **arguments: Any) -> Command:
                return self.begin(session, job=job, step=step, leased=False, **arguments)

            if kind.next_stage(session, job, commands, begin_stage):
                self.wake.set()
                return
            if all_done:
                kind.finished(session, job, commands)
            kind.ended(session, job, commands, succeeded=all_done)
            end_job(job, all_done, None if all_done else job.status_detail)
            self._after_job(session, job, commands)
            return
        if not undone:
            began: list[Command] = []
            finalizing: list[Step] = []

            def begin(**arguments: Any) -> Command:
                if not finalizing:
                    finalizing.append(add_step(session, job, "finalizing", UNDOING))
                began.append(self.begin(session, job=job, step=finalizing[0], leased=False, **arguments))
                return began[-1]

            kind.failed(session, job, commands, begin)
            if began:
                self.wake.set()
                return
        kind.ended(session, job, commands, succeeded=False)
        end_job(job, False, job.status_detail)
        self._after_job(session, job, commands)

    def _after_job(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        for callback in self.registry.after_job:
            callback(session, self, job, commands)

    @staticmethod
    def _load(session: Session, command_id: str) -> Command:
        command = session.get(Command, command_id)
        if command is None:
            raise LookupError(f"command {command_id} is gone")
        return command

    def seconds_until_due(self) -> float | None:
        with self.sessions() as session:
            return store.seconds_until_due(session)
