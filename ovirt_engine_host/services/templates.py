"""Templates: a VM's disks copied once, read-only, for VMs to be made from (oVirt's "Add
Template", "Add VM from Template", "Remove Template").

A template is made from a VM that is down: the VM is ``image_locked`` and the template
``locked`` while one command per disk makes a volume from the disk's active volume (the
``clone_volume`` hook: on RBD, Cinder makes a copy-on-write child of a snapshot it takes of the
source and keeps while the child lives). A VM made from a template gets, for each template disk, a
new disk made the same way from the template disk's volume: thin, an RBD child of the template's
image. A template is removed with its disks, and not while a VM made from it exists.

The ``Blank`` template (oVirt's, made at ``db upgrade``) has no disks and is in no data center:
a VM made from it is a VM made from nothing, exactly as one made without a template (it keeps no
link to Blank); it is never removed (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.collection import prepare_removal, start_collecting, wait_for_collection
from ovirt_engine_host.commands.jobs import end_job, start_job
from ovirt_engine_host.db.models import BLANK_TEMPLATE_ID, Cluster, Disk, Job, Snapshot, Template, Vm
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.references import resolve
from ovirt_engine_host.services.clusters import data_center_of, resolve_cluster
from ovirt_engine_host.services.vm_copies import SourceDisk, VmCopies
from ovirt_engine_host.state import EngineState


def based_on(template_id: str, clone: bool = False) -> str | None:
    """The ``template_id`` of a VM made from the template: none for a clone (it keeps nothing of
    it) and for Blank (a VM made from nothing)."""
    return None if clone or template_id == BLANK_TEMPLATE_ID else template_id


class TemplateService:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    @staticmethod
    def get(session: Session, template_id: str) -> Template:
        template = session.get(Template, template_id) or session.scalar(
            select(Template).where(Template.name == template_id)
        )
        if template is None:
            raise Refused(404, f"template {template_id} not found")
        return template

    @staticmethod
    def disks(session: Session, template: Template) -> list[Disk]:
        return list(session.scalars(select(Disk).where(Disk.template_id == template.id).order_by(Disk.alias)))

    # -- adding ---------------------------------------------------------------------------
    def create(self, data: dict[str, Any], vm_reference: Mapping[str, Any], owner_id: str | None) -> Template:
        """Start copying the VM's disks into a new template (``locked`` until they are ``ok``)."""
        begun: list[str] = []
        with self.state.session_factory() as session:
            vm: Vm = resolve(session, "vm", vm_reference, "vm")
            self._check_source(session, vm)
            attachments = {a.disk_id: a for a in vm.attachments}
            disks = list(session.scalars(select(Disk).where(Disk.id.in_(attachments)).order_by(Disk.alias)))
            for disk in disks:
                if disk.status != "ok":
                    raise Refused(409, f"vm: disk {disk.alias} ({disk.id}) is {disk.status}, not ok")
            VmCopies(self.state).check_quota(session, disks)
            template = Template(
                name=data["name"], description=data.get("description", ""),
                data_center_id=data_center_of(session, vm.cluster_id),
                memory=vm.memory, cpus=vm.cpus, source_vm_id=vm.id, owner_id=owner_id, status="locked",
            )  # fmt: skip
            session.add(template)
            try:
                session.flush()
            except IntegrityError as error:
                raise Refused(409, f"name: a template named {data['name']!r} exists") from error
            job = start_job(
                session, f"Creating Template {template.name} from VM {vm.name}", owner_id,
                [f"Copying disk {disk.alias}" for disk in disks] or ["No disks to copy"], kind="create_template",
            )  # fmt: skip
            locked = session.execute(
                update(Vm).where(Vm.id == vm.id, Vm.locked_by_job_id.is_(None)).values(locked_by_job_id=job.id)
            )
            if locked.rowcount != 1:  # type: ignore[attr-defined]
                raise Refused(409, f"vm: VM {vm.name} is image_locked by an operation in progress")
            steps = [s for s in job.steps if s.type == "executing"]
            for disk, step in zip(disks, steps, strict=False):
                attachment = attachments[disk.id]
                request_id = str(uuid.uuid4())
                spec = {
                    "alias": disk.alias, "description": disk.description, "provisioned_size": disk.provisioned_size,
                    "format": disk.format, "sparse": disk.sparse, "bootable": attachment.bootable,
                    "shareable": False, "interface": attachment.interface, "volume_type": disk.volume_type,
                    "owner_id": owner_id, "storage_domain_id": disk.storage_domain_id, "template_id": template.id,
                    "source_volume": disk.active_volume_id, "vm_id": vm.id,
                }  # fmt: skip
                command = self.state.coordinator.begin(
                    session, job=job, step=step, storage_domain_id=disk.storage_domain_id, kind="create_disk",
                    entity_id=request_id, request_id=request_id, payload=spec,
                )  # fmt: skip
                begun.append(command.id)
            if not disks:  # nothing to copy: done at once
                template.status = "ok"
                vm.locked_by_job_id = None
                end_job(job, True)
            session.commit()
            template_id = template.id
        for command_id in begun:
            try:
                self.state.coordinator.send(command_id)
            except Refused:
                continue  # the job's kind undoes the other disks and fails with the refusal
        with self.state.session_factory() as session:
            return self.get(session, template_id)

    def make_vm(
        self, data: dict[str, Any], reference: Mapping[str, Any], owner_id: str | None, clone: bool = False
    ) -> Vm:
        """A new VM (down) whose disks are made from the template's: thin (on RBD each an RBD
        child of the template disk's image) or, ``clone``, independent copies (no parent). The
        VM's cluster is in the template's data center (Blank's: any)."""
        copies = VmCopies(self.state)
        with self.state.session_factory() as session:
            template: Template = resolve(session, "template", reference, "template")
            if template.status != "ok":
                raise Refused(409, f"template: {template.name} is {template.status}, not ok")
            self.check_cluster(template, resolve_cluster(session, data["cluster"]))
            disks = self.disks(session, template)
            copies.check_quota(session, disks)
            sources = [SourceDisk(d, d.interface, d.bootable) for d in disks]
            based = based_on(template.id, clone)
        return copies.make({**data, "template_id": based, "owner_id": owner_id}, sources, independent=clone)

    @staticmethod
    def check_cluster(template: Template, cluster: Cluster) -> None:
        """A template's VMs go into a cluster of its data center, where its disks are (400)."""
        if template.data_center_id is not None and cluster.data_center_id != template.data_center_id:
            raise Refused(400, f"cluster: {cluster.name} is not in the data center of template {template.name}")

    # -- removing -------------------------------------------------------------------------
    def remove(self, template_id: str, wait: bool, owner_id: str | None) -> Job | None:
        """Remove a template with its disks (a collection, as a VM's removal), refused while a
        VM made from it exists; the collection's job while it still runs."""
        with self.state.session_factory() as session:
            template = self.get(session, template_id)
            if template.id == BLANK_TEMPLATE_ID:
                raise Refused(409, f"template {template.name} is the template of VMs made from nothing: it stays")
            if template.status == "locked":
                raise Refused(409, f"template {template.name} is locked by an operation in progress")
            based = session.scalars(select(Vm.name).where(Vm.template_id == template.id).order_by(Vm.name)).all()
            if based:
                named = ", ".join(based)
                raise Refused(409, f"template {template.name} is the template of VM {named}: remove those first")
            for disk in self.disks(session, template):
                prepare_removal(session, disk)
            session.delete(template)  # its disks, being removed, lose the template with it
            session.flush()
            job = start_collecting(session, self.state.coordinator, owner_id)
            session.commit()
            job_id = job.id if job is not None else None
        seconds = self.state.config.poller.sync_wait_seconds if wait else 0
        return wait_for_collection(self.state.session_factory, self.state.coordinator, job_id, seconds)

    # -- rules ----------------------------------------------------------------------------
    @staticmethod
    def _check_source(session: Session, vm: Vm) -> None:
        if vm.status != "down":
            raise Refused(409, f"vm: VM {vm.name} is {vm.status}: a template needs the VM down")
        if vm.locked_by_job_id is not None:
            raise Refused(409, f"vm: VM {vm.name} is image_locked by an operation in progress")
        in_preview = session.scalar(select(Snapshot.id).where(Snapshot.vm_id == vm.id, Snapshot.type == "preview"))
        if in_preview is not None:
            raise Refused(409, f"vm: VM {vm.name} is in a snapshot preview: commit or undo it first")
