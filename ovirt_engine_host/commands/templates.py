"""A template's creation as a job: one ``create_disk`` command per disk, each a volume made from
the VM disk's active volume (``source_volume`` in its payload, with ``template_id`` and
``vm_id``). Once all are ``ok`` the template is ``ok``; if one failed, the disks already made are
deleted and the template goes; either way the VM's image lock is released."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ovirt_engine_host.commands.operations import JobKind, Registry, payload_of
from ovirt_engine_host.db.models import Command, Job, Template, Vm


def _template(session: Session, commands: Sequence[Command]) -> Template | None:
    payload = payload_of(commands[0]) if commands else {}
    return session.get(Template, payload.get("template_id") or "")


class CreateTemplateJob(JobKind):
    name = "create_template"

    def finished(self, session: Session, job: Job, commands: Sequence[Command]) -> None:
        template = _template(session, commands)
        if template is not None:
            template.status = "ok"

    def failed(self, session: Session, job: Job, commands: Sequence[Command], begin: Any) -> None:
        """Delete the template disks that were made (no half template)."""
        for command in commands:
            if command.kind == "create_disk" and command.state == "done":
                begin(
                    kind="delete_disk", entity_id=command.entity_id, storage_domain_id=command.storage_domain_id,
                    request_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"undo:{command.request_id}")),
                    payload={"previous_status": "illegal"},
                )  # fmt: skip

    def ended(self, session: Session, job: Job, commands: Sequence[Command], succeeded: bool) -> None:
        vm = session.get(Vm, payload_of(commands[0]).get("vm_id") or "") if commands else None
        if vm is not None and vm.locked_by_job_id == job.id:
            vm.locked_by_job_id = None
        template = _template(session, commands)
        if template is not None and not succeeded:
            session.delete(template)  # a disk the undo could not delete stays, floating, illegal


def register(registry: Registry) -> None:
    registry.register_job_kind(CreateTemplateJob())
