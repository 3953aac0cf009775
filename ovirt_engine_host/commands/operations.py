"""Kinds of commands and kinds of jobs, and the registry the coordinator finds them in.

The coordinator is generic: it starts, polls and ends commands, and ends a job once every command
of it has ended. What a command *means* for the engine's rows (a disk row written once its volume
exists, a snapshot marked ``ok``) is its :class:`Operation`'s business; what a whole job means (a
VM unlocked once every disk's snapshot exists, partial results undone when one failed) is its
:class:`JobKind`'s. Both are registered per application in a :class:`Registry` — looked up by the
``kind`` stored with each row, never switched on in the coordinator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.orm import Session

from ovirt_engine_host.contract import OperationHandle, OperationStatus
from ovirt_engine_host.db.models import Command, Job, StorageDomain

if TYPE_CHECKING:
    from ovirt_engine_host.plugins import EngineHooks


def payload_of(command: Command) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(command.payload or "{}")
    return loaded


class Operation:
    """One kind of backend operation: how it starts (which hook) and what its ends do.

    ``kind`` is stored with the command; ``entity_type`` names what the command's ``entity_id``
    is (``disk``, ``snapshot``, …); ``progress`` is the text of the command's step while the
    backend works. ``succeeds_when_gone``: the entity vanishing from the backend is success (a
    delete)."""

    kind: ClassVar[str]
    entity_type: ClassVar[str]
    progress: ClassVar[str]
    succeeds_when_gone: ClassVar[bool] = False

    def start(
        self, hooks: EngineHooks, session: Session, domain: StorageDomain, command: Command, resuming: bool
    ) -> OperationHandle | None:
        """Call the plugin's start hook (``resuming``: it may have started already; find it)."""
        raise NotImplementedError

    def hook_kind(self, command: Command) -> str:
        """The kind of the hook that started the command, as the plugin's handle named it (the
        poll asks about it by that name): the command's own kind, unless one kind of command
        starts through several hooks."""
        return self.kind

    def accepted(self, session: Session, command: Command, handle: OperationHandle) -> None:
        """The backend took the operation (its handle is recorded with the command)."""

    def succeeded(self, session: Session, command: Command, status: OperationStatus) -> None:
        raise NotImplementedError

    def failed(self, session: Session, command: Command, reason: str) -> None:
        """The backend reported the operation failed."""

    def rejected(self, session: Session, command: Command) -> None:
        """The start was refused: nothing happened on the backend; put the entity back."""


class JobKind:
    """What a job does once every command of it has ended.

    ``finished`` runs when all succeeded. ``failed`` runs once when any failed, after the others
    ended: it undoes or marks the partial results, and may begin compensating commands (through
    ``begin``, in the job's finalizing step); the job ends, failed with the first failure's
    reason, when those have ended too."""

    name: ClassVar[str] = "single"
    # True: a failed command does not end the job's stages (``next_stage`` still runs, and the
    # job ends failed, with the first failure's reason, once no stage follows).
    continues_after_failures: ClassVar[bool] = False
    # True: a finished job of this kind leaves hidden backend objects (a commit's): collect after it
    leaves_hidden: ClassVar[bool] = False

    def next_stage(
        self, session: Session, job: Job, commands: Sequence[Command], begin: Callable[..., Command]
    ) -> bool:
        """Every command so far succeeded: begin the next stage's commands (``begin`` takes the
        coordinator's arguments and a ``step``) and answer True, or answer False: the job is
        done. A job in stages does work that can only follow other work (children first)."""
        return False

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        """Every command succeeded."""

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        """At least one command failed; the commands' own callbacks ran already."""

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        """The job ends (after ``finished``, or after ``failed``'s compensations): release what
        the job held (e.g. the VM's image lock), whatever the outcome."""


AfterJob = Callable[[Session, Any, Job, Sequence[Command]], None]


class Registry:
    """The operation kinds and job kinds of one application, and what runs after any job ends
    (in the transaction that ends it, with the coordinator: e.g. a collection of what the job's
    deletions freed)."""

    def __init__(self) -> None:
        self._operations: dict[str, Operation] = {}
        self._job_kinds: dict[str, JobKind] = {JobKind.name: JobKind()}
        self.after_job: list[AfterJob] = []

    def register_after_job(self, callback: AfterJob) -> None:
        self.after_job.append(callback)

    def register_operation(self, operation: Operation) -> None:
        if operation.kind in self._operations:
            raise ValueError(f"operation kind {operation.kind!r} is registered already")
        self._operations[operation.kind] = operation

    def register_job_kind(self, job_kind: JobKind) -> None:
        if job_kind.name in self._job_kinds:
            raise ValueError(f"job kind {job_kind.name!r} is registered already")
        self._job_kinds[job_kind.name] = job_kind

    def operation(self, kind: str) -> Operation:
        try:
            return self._operations[kind]
        except KeyError:
            raise LookupError(f"no operation kind {kind!r} is registered") from None

    def job_kind(self, name: str | None) -> JobKind:
        try:
            return self._job_kinds[name or JobKind.name]
        except KeyError:
            raise LookupError(f"no job kind {name!r} is registered") from None

    @property
    def operation_kinds(self) -> list[str]:
        return sorted(self._operations)
