"""VMs made from other disks' volumes: from a template (thin, or ``clone``: independent copies),
as a clone of a VM that is down (independent copies of each disk) and from another VM's snapshot
(new volumes made from its disk snapshots). Each new disk is added as any disk is (a
``create_disk`` command; ``source_volume`` or ``source_snapshot`` in its payload, ``independent``
for a copy that keeps nothing of its source) and attached with the interface and boot flag the source
had. The VM exists at once, down; its disks are ``locked`` until their volumes are ``ok``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.jobs import start_job
from ovirt_engine_host.db.models import Disk, Vm
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.services.clusters import resolve_cluster
from ovirt_engine_host.services.disks import DiskService, QuotaRequest
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import EngineState


@dataclass(frozen=True)
class SourceDisk:
    """A disk to copy, and how the new VM attaches its copy."""

    disk: Disk
    interface: str
    bootable: bool
    snapshot_part: str | None = None  # copy this disk snapshot (a VM cloned from a snapshot), not the volume


class VmCopies:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    def check_quota(self, session: Session, disks: list[Disk]) -> None:
        """Cinder's quota for the new volumes, per storage domain and volume type (each group at
        its largest disk's size: never less than it needs), before anything is written."""
        groups: dict[tuple[str, str | None], list[Disk]] = {}
        for disk in disks:
            groups.setdefault((disk.storage_domain_id, disk.volume_type), []).append(disk)
        for (domain_id, volume_type), members in groups.items():
            domain = DiskService.storage_domain(session, {"id": domain_id})
            size = max(d.provisioned_size for d in members)
            DiskService(self.state).check_quota(domain, QuotaRequest("create", size, volume_type, len(members)))

    def make(self, data: dict[str, Any], sources: list[SourceDisk], independent: bool) -> Vm:
        """The new VM (``data`` as for ``VmService.add``), with a copy of each source disk: the
        VM and its disks' commands are written together (each disk attached to it as soon as its
        volume exists), so that a crash leaves no VM without the disks it was made with. A
        refused copy is raised once every copy was asked for; the VM stays, without that disk."""
        with self.state.session_factory() as session:
            vm, commands = self.add(session, data, sources, independent)
            session.commit()
            vm_id = vm.id
        self.send(commands)
        with self.state.session_factory() as session:
            return VmService.get(session, vm_id)

    def add(
        self, session: Session, data: dict[str, Any], sources: list[SourceDisk], independent: bool
    ) -> tuple[Vm, list[str]]:
        """In the caller's transaction: the VM row and one ``create_disk`` command per source
        disk, held by this process (the caller commits, then sends them: :meth:`send`)."""
        data = dict(data)
        cluster = resolve_cluster(session, data.pop("cluster"))
        vm = Vm(cluster_id=cluster.id, **data)
        session.add(vm)
        try:
            session.flush()
        except IntegrityError as error:
            raise Refused(409, f"name: a VM named {data['name']!r} exists") from error
        if not sources:
            return vm, []
        owner_id = data.get("owner_id")
        job = start_job(session, f"Adding VM {vm.name}", owner_id, [f"Creating disk {s.disk.alias}" for s in sources])
        steps = [step for step in job.steps if step.type == "executing"]
        commands = []
        for source, step in zip(sources, steps, strict=True):
            disk = source.disk
            domain = DiskService.storage_domain(session, {"id": disk.storage_domain_id})
            request_id = str(uuid.uuid4())
            spec = {
                "alias": disk.alias, "description": disk.description, "provisioned_size": disk.provisioned_size,
                "format": disk.format, "sparse": disk.sparse, "bootable": source.bootable, "shareable": False,
                "interface": source.interface, "volume_type": disk.volume_type, "owner_id": owner_id,
                "storage_domain_id": domain.id, "independent": independent,
                "attach": {"vm_id": vm.id, "interface": source.interface, "bootable": source.bootable},
            }  # fmt: skip
            if source.snapshot_part is not None:
                spec["source_snapshot"] = source.snapshot_part
            else:
                spec["source_volume"] = disk.active_volume_id
            command = self.state.coordinator.begin(
                session, job=job, step=step, storage_domain_id=domain.id, kind="create_disk",
                entity_id=request_id, request_id=request_id, payload=spec,
            )  # fmt: skip
            commands.append(command.id)
        return vm, commands

    def send(self, commands: list[str]) -> None:
        """Start each command; the first refusal is raised once all were tried."""
        refusals = []
        for command_id in commands:
            try:
                self.state.coordinator.send(command_id)
            except Refused as refusal:
                refusals.append(refusal)
        if refusals:
            raise refusals[0]

    def clone(self, vm_id: str, name: str, owner_id: str | None) -> Vm:
        """oVirt's "Clone VM": a new VM named ``name``, down, with an independent copy of every
        disk of the source, which must be down and not image_locked."""
        with self.state.session_factory() as session:
            source = VmService.get(session, vm_id)
            if source.status != "down":
                raise Refused(409, f"VM {source.name} is {source.status}: a clone needs the VM down")
            VmService.refuse_image_locked(source)
            if session.scalar(select(Vm.id).where(Vm.name == name)) is not None:
                raise Refused(409, f"vm.name: a VM named {name!r} exists")
            attachments = {a.disk_id: a for a in source.attachments}
            disks = list(session.scalars(select(Disk).where(Disk.id.in_(attachments)).order_by(Disk.alias)))
            for disk in disks:
                if disk.status != "ok":
                    raise Refused(409, f"disk {disk.alias} ({disk.id}) is {disk.status}, not ok")
            self.check_quota(session, disks)
            sources = [SourceDisk(d, attachments[d.id].interface, attachments[d.id].bootable) for d in disks]
            data = {"name": name, "description": source.description, "memory": source.memory, "cpus": source.cpus,
                    "cluster": {"id": source.cluster_id}, "owner_id": owner_id}  # fmt: skip
        return self.make(data, sources, independent=True)
