"""The engine's VMs: their disks, and start, stop, hot-plug and unplug on a host.

At every start and hot-plug the storage plugin prepares each disk for this host and hands back
fresh connection info (never a stored copy); the host agent gets the data center's libvirt
secrets first, then builds the domain XML whose placeholder drives the VDSM hooks turn into real
disks. Stop and unplug release what was prepared, so the volumes are free again; a start that
fails releases everything it prepared and leaves the VM down with the reason.

The storage plugins' preparations of a VM's disks (a Cinder attachment each, ~0.3 s) are made
concurrently, at most ``PREPARE_CONCURRENCY`` at a time, and so are the releases. Sessions are
not thread-safe: the threads only call the hooks, with rows loaded beforehand; every database
read and write stays in the request's thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.commands import stateless
from ovirt_engine_host.commands.collection import (
    drop_snapshot,
    prepare_removal,
    start_collecting,
    wait_for_collection,
)
from ovirt_engine_host.commands.jobs import start_job, wait_for_job
from ovirt_engine_host.db.models import Disk, DiskAttachment, Host, Job, Snapshot, StorageDomain, Vm, VmPool
from ovirt_engine_host.errors import Refused, backend_refusal
from ovirt_engine_host.hostagent.domain import DiskSpec, VmSpec
from ovirt_engine_host.references import resolve
from ovirt_engine_host.services.clusters import resolve_cluster
from ovirt_engine_host.services.hosts import HostService
from ovirt_engine_host.state import EngineState

LOG = logging.getLogger(__name__)
PREPARE_CONCURRENCY = 4
"""How many disks of one VM the storage plugins prepare or release at once."""


def concurrently(call: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """``call`` of each item, at most :data:`PREPARE_CONCURRENCY` at once: each result, or the
    exception it raised, in the items' order (every call has ended when this returns)."""

    def outcome(item: Any) -> Any:
        try:
            return call(item)
        except Exception as error:  # noqa: BLE001 - handed back to the caller, in order
            return error

    if len(items) <= 1:
        return [outcome(item) for item in items]
    with ThreadPoolExecutor(min(len(items), PREPARE_CONCURRENCY), thread_name_prefix="ovirt-prepare") as pool:
        return list(pool.map(outcome, items))


@dataclass
class StartReport:
    """Where a start's time went: the storage plugins' preparations, the hook scripts, libvirt."""

    attachments: float
    hooks: float
    libvirt: float
    domain_xml: str


class VmService:
    def __init__(self, state: EngineState) -> None:
        self.state = state
        self.hosts = HostService(state)

    def session(self) -> Session:
        return self.state.session_factory()

    @staticmethod
    def get(session: Session, vm_id: str) -> Vm:
        vm = session.get(Vm, vm_id) or session.scalar(select(Vm).where(Vm.name == vm_id))
        if vm is None:
            raise Refused(404, f"VM {vm_id} not found")
        return vm

    @staticmethod
    def refuse_image_locked(vm: Vm) -> None:
        """While a job holds the VM's disks (a snapshot, a preview, a template, a stateless run's
        volumes) nothing else may change what it runs on or whether it runs: 409."""
        if vm.locked_by_job_id is not None:
            raise Refused(409, f"VM {vm.name} is image_locked by an operation in progress")

    # -- the VM itself ---------------------------------------------------------------------
    def add(self, data: dict[str, Any]) -> Vm:
        with self.session() as session:
            cluster = resolve_cluster(session, data.pop("cluster"))
            vm = Vm(cluster_id=cluster.id, **data)
            session.add(vm)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"name: a VM named {data['name']!r} exists") from error
            return vm

    def remove(self, vm_id: str, wait: bool, owner_id: str | None, detach_only: bool = False) -> Job | None:
        """Remove a VM that is down and in no preview, at once; its snapshots go, and its disks
        with them (``detach_only``: the disks stay, floating; a disk another VM uses too always
        stays). In the backend this is a collection: each disk ``locked`` until its snapshots
        and volumes are deleted, children first, and then gone; a disk the backend refuses to
        delete stays, ``illegal`` with the backend's reason, floating, removable again. The
        answer waits (bounded) for the collection; its job while it still runs. A disk snapshot
        that another disk's volume was made from stays hidden in the backend until that volume
        is gone; a disk that one was made from refuses the removal (409), before anything is
        written."""
        with self.session() as session:
            vm = self.get(session, vm_id)
            pool = session.get(VmPool, vm.pool_id) if vm.pool_id else None
            if pool is not None:
                raise Refused(409, f"VM {vm.name} belongs to the VM pool {pool.name}: make the pool smaller instead")
            self.drop(session, vm, detach_only)
            job = start_collecting(session, self.state.coordinator, owner_id)
            session.commit()
            job_id = job.id if job is not None else None
        seconds = self.state.config.poller.sync_wait_seconds if wait else 0
        return wait_for_collection(self.state.session_factory, self.state.coordinator, job_id, seconds)

    def drop(self, session: Session, vm: Vm, detach_only: bool = False) -> None:
        """In the caller's transaction: the VM's row goes, its snapshots are dropped and its own
        disks prepared for removal (the caller starts the collection). Refused before anything
        is written while the VM is not down, is image_locked or in a preview."""
        if vm.status != "down":
            raise Refused(409, f"VM {vm.name} is {vm.status}: stop it first")
        self.refuse_image_locked(vm)
        snapshots = session.scalars(select(Snapshot).where(Snapshot.vm_id == vm.id)).all()
        if any(snapshot.type == "preview" for snapshot in snapshots):
            raise Refused(409, f"VM {vm.name} is in a snapshot preview: commit or undo it first")
        disks = [] if detach_only else self._own_disks(session, vm)
        for snapshot in snapshots:
            drop_snapshot(session, snapshot)
        session.flush()
        for disk in disks:
            prepare_removal(session, disk)  # refuses before the commit: nothing is written
        session.delete(vm)  # its disk attachments go with it
        session.flush()

    @staticmethod
    def _own_disks(session: Session, vm: Vm) -> list[Disk]:
        """The VM's disks that no other VM has attached."""
        ids = [a.disk_id for a in vm.attachments]
        shared = set(
            session.scalars(
                select(DiskAttachment.disk_id).where(DiskAttachment.disk_id.in_(ids), DiskAttachment.vm_id != vm.id)
            )
        )
        return [d for d in session.scalars(select(Disk).where(Disk.id.in_(ids))) if d.id not in shared]

    # -- disks -------------------------------------------------------------------------------
    def attach(self, vm_id: str, disk_id: str, interface: str, bootable: bool, active: bool) -> DiskAttachment:
        with self.session() as session:
            vm = self.get(session, vm_id)
            self.refuse_image_locked(vm)
            disk: Disk = resolve(session, "disk", {"id": disk_id}, "disk")
            if disk.template_id is not None:
                raise Refused(409, f"disk: {disk.alias} ({disk.id}) belongs to a template: it cannot be attached")
            attachment = DiskAttachment(
                vm_id=vm.id, disk_id=disk_id, interface=interface, bootable=bootable, active=False
            )
            session.add(attachment)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"disk {disk_id} is attached to VM {vm.name} already") from error
        if active:
            return self.activate_disk(vm_id, disk_id)
        return attachment

    def attachment(self, session: Session, vm: Vm, disk_id: str) -> DiskAttachment:
        for attachment in vm.attachments:
            if attachment.disk_id == disk_id:
                return attachment
        raise Refused(404, f"disk {disk_id} is not attached to VM {vm.name}")

    def detach(self, vm_id: str, disk_id: str) -> None:
        with self.session() as session:
            vm = self.get(session, vm_id)
            self.refuse_image_locked(vm)
            attachment = self.attachment(session, vm, disk_id)
            if attachment.connection is not None:
                raise Refused(409, f"disk {disk_id} is plugged into the running VM {vm.name}: deactivate it first")
            session.delete(attachment)
            session.commit()

    def activate_disk(self, vm_id: str, disk_id: str) -> DiskAttachment:
        """Plug a disk; into the running domain at once (hot-plug) when the VM is up."""
        with self.session() as session:
            vm = self.get(session, vm_id)
            self.refuse_image_locked(vm)
            attachment = self.attachment(session, vm, disk_id)
            if vm.status == "up" and attachment.connection is None:
                host = self._host_of(session, vm)
                self.hosts.sync_secrets(host)  # keys added since the start reach the host first
                spec = self._prepare(session, vm, host, attachment)
                try:
                    self.hosts.agent(host).plug(vm.id, spec)
                except Exception as error:
                    self._release(session, vm, host, attachment)
                    session.commit()
                    raise backend_refusal(error) from error
            attachment.active = True
            session.commit()
            return attachment

    def deactivate_disk(self, vm_id: str, disk_id: str) -> DiskAttachment:
        """Unplug a disk; from the running domain at once (hot-unplug) when the VM is up."""
        with self.session() as session:
            vm = self.get(session, vm_id)
            self.refuse_image_locked(vm)
            attachment = self.attachment(session, vm, disk_id)
            if attachment.connection is not None:
                host = self._host_of(session, vm)
                try:
                    self.hosts.agent(host).unplug(vm.id, disk_id)
                except Exception as error:
                    raise backend_refusal(error) from error
                self._release(session, vm, host, attachment)
            attachment.active = False
            session.commit()
            return attachment

    # -- running -----------------------------------------------------------------------------
    def start(self, vm_id: str, host_reference: Mapping[str, Any] | None) -> StartReport:
        """Start a VM that is down; a stateless one on throw-away volumes made first."""
        with self.session() as session:
            vm = self.get(session, vm_id)
            self.refuse_image_locked(vm)
            host = self._pick_host(session, vm, host_reference)
            claimed = session.execute(
                update(Vm)
                .where(Vm.id == vm.id, Vm.status == "down", Vm.locked_by_job_id.is_(None))
                .values(status="powering_up", host_id=host.id)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise Refused(409, f"VM {vm.name} is {vm.status}, not down")
            session.commit()
            run_stateless = vm.stateless
        if run_stateless:
            self._begin_stateless_run(vm_id)
        with self.session() as session:
            vm, host = self.get(session, vm_id), self.hosts.get(session, host.id)
            began = time.monotonic()
            try:
                self.hosts.sync_secrets(host)
                specs = self._prepare_all(session, vm, host, [a for a in vm.attachments if a.active])
                prepared = time.monotonic() - began
                xml, times = self.hosts.agent(host).start(
                    VmSpec(id=vm.id, name=vm.name, memory=vm.memory, cpus=vm.cpus, disks=specs)
                )
            except Exception as error:
                refusal = error if isinstance(error, Refused) else backend_refusal(error)
                self._release_all(session, vm, host, vm.attachments)
                vm.status, vm.status_detail, vm.host_id = "down", refusal.message, None
                self._run_over(session, vm)
                session.commit()
                LOG.warning("VM %s did not start on %s: %s", vm.name, host.name, refusal.message)
                raise refusal from error
            vm.status, vm.status_detail = "up", None
            session.commit()
        report = StartReport(prepared, times.hooks, times.libvirt, xml)
        LOG.info(
            "VM %s up on %s: disks prepared %.3f s, hooks %.3f s, libvirt %.3f s",
            vm.name, host.name, report.attachments, report.hooks, report.libvirt,
        )  # fmt: skip
        return report

    def stop(self, vm_id: str) -> Vm:
        with self.session() as session:
            vm = self.get(session, vm_id)
            if vm.status == "down":
                return vm
            self.refuse_image_locked(vm)
            host = self._host_of(session, vm)
            try:
                self.hosts.agent(host).stop(vm.id)
            except Exception as error:
                raise backend_refusal(error) from error
            self._release_all(session, vm, host, vm.attachments)
            vm.status, vm.status_detail, vm.host_id = "down", None, None
            self._run_over(session, vm)
            session.commit()
            return vm

    def notice_stopped(self, vm_id: str, detail: str) -> bool:
        """A VM the engine has running that its host no longer runs (shut down from inside, or
        crashed, or the engine died while stopping it): down, its disks released, its run over
        (once, whichever engine process notices first). False when it was not up any more."""
        with self.session() as session:
            vm = session.get(Vm, vm_id)
            if vm is None or vm.status not in {"up", "powering_up"}:
                return False
            host = session.get(Host, vm.host_id) if vm.host_id else None
            claimed = session.execute(
                update(Vm)
                .where(Vm.id == vm.id, Vm.status == vm.status, Vm.host_id == vm.host_id)
                .values(status="down", status_detail=detail, host_id=None)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            if host is not None:
                self._release_all(session, vm, host, vm.attachments)
            self._run_over(session, vm)
            session.commit()
            LOG.warning("VM %s is down: %s", vm.name, detail)
            return True

    # -- stateless runs ------------------------------------------------------------------------
    def _begin_stateless_run(self, vm_id: str) -> None:
        """Every plugged disk of the VM gets a throw-away volume made from its active one (a
        job, the VM image_locked meanwhile); the start waits for them, bounded. A failure or a
        timeout leaves the VM down with the reason (what the job makes later, it undoes or the
        VM monitor ends)."""
        with self.session() as session:
            vm = self.get(session, vm_id)
            try:
                disks = self._run_disks(session, vm)
            except Refused as refusal:  # claimed powering_up already: put it back down, with why
                vm.status, vm.status_detail, vm.host_id = "down", refusal.message, None
                session.commit()
                raise
            if not disks:
                return
            job = start_job(
                session, f"Starting stateless VM {vm.name}", vm.owner_id,
                [f"Making a throw-away volume of disk {disk.alias}" for disk in disks], kind=stateless.KIND,
            )  # fmt: skip
            vm.locked_by_job_id = job.id
            commands = [c.id for c in stateless.begin_run(session, self.state.coordinator, job, vm, disks)]
            session.commit()
            job_id, name = job.id, vm.name
        for command_id in commands:
            try:
                self.state.coordinator.send(command_id)
            except Refused:
                continue  # the job deletes the others' volumes and fails with the refusal
        ended = wait_for_job(self.state.session_factory, job_id, self.state.config.poller.sync_wait_seconds)
        if ended is not None and ended.status == "finished":
            return
        reason = (ended.status_detail if ended is not None else None) or "its throw-away volumes took too long"
        with self.session() as session:
            vm = self.get(session, vm_id)
            vm.status, vm.status_detail, vm.host_id = "down", reason, None
            self._run_over(session, vm)
            session.commit()
        raise Refused(409, f"VM {name}: its stateless run could not start: {reason}")

    @staticmethod
    def _run_disks(session: Session, vm: Vm) -> list[Disk]:
        """The disks a stateless run throws away the writes of: the plugged ones, not shared."""
        ids = [a.disk_id for a in vm.attachments if a.active]
        disks = list(session.scalars(select(Disk).where(Disk.id.in_(ids)).order_by(Disk.alias))) if ids else []
        for disk in disks:
            if disk.status != "ok":
                raise Refused(409, f"disk {disk.alias} ({disk.id}) is {disk.status}, not ok")
        return [disk for disk in disks if not disk.shareable]

    def _run_over(self, session: Session, vm: Vm) -> None:
        """What follows any end of a run (a stop, a dead VM, a failed start): the disks are
        back on their own volumes and the throw-away ones are collected; an automatic pool's
        VM goes back to its pool."""
        ids = [a.disk_id for a in vm.attachments]
        disks = list(session.scalars(select(Disk).where(Disk.id.in_(ids)))) if ids else []
        if stateless.end_run(session, disks):
            start_collecting(session, self.state.coordinator, vm.owner_id)
        pool = session.get(VmPool, vm.pool_id) if vm.pool_id else None
        if pool is not None and pool.type == "automatic" and vm.allocated_to is not None:
            vm.allocated_to, vm.owner_id = None, pool.owner_id

    def end_forgotten_runs(self) -> int:
        """Disks left on throw-away volumes while every VM that has them is down and free (a
        start that timed out, an engine that died between a stop and its end of the run): back
        on their own volumes; how many."""
        with self.session() as session:
            ended = []
            for disk in stateless.disks_in_run(session):
                users = session.scalars(select(Vm).join(DiskAttachment).where(DiskAttachment.disk_id == disk.id)).all()
                if all(vm.status == "down" and vm.locked_by_job_id is None for vm in users):
                    ended += stateless.end_run(session, [disk])
            if ended:
                start_collecting(session, self.state.coordinator, None)
                LOG.warning(
                    "%d disk(s) were on throw-away volumes of a run that had ended: back on their own", len(ended)
                )
            session.commit()
            return len(ended)

    # -- helpers -----------------------------------------------------------------------------
    def _pick_host(self, session: Session, vm: Vm, reference: Mapping[str, Any] | None) -> Host:
        """The host the VM is to run on: the one named, or the first active one of its cluster."""
        if reference:
            host: Host = resolve(session, "host", reference, "host")
            if host.cluster_id != vm.cluster_id:
                raise Refused(409, f"host: {host.name} is not in the cluster of VM {vm.name}")
            if host.status != "up":
                raise Refused(409, f"host: {host.name} is {host.status}, not up")
            return host
        found = session.scalar(
            select(Host).where(Host.cluster_id == vm.cluster_id, Host.status == "up").order_by(Host.name)
        )
        if found is None:
            raise Refused(409, f"host: no active host in the cluster of VM {vm.name}")
        return found

    def _host_of(self, session: Session, vm: Vm) -> Host:
        if vm.host_id is None:
            raise Refused(409, f"VM {vm.name} runs on no host")
        return self.hosts.get(session, vm.host_id)

    def _prepare(self, session: Session, vm: Vm, host: Host, attachment: DiskAttachment) -> DiskSpec:
        """Fresh connection info for the disk on this host, recorded with the attachment until
        it is released."""
        return self._prepare_all(session, vm, host, [attachment])[0]

    def _prepare_all(self, session: Session, vm: Vm, host: Host, attachments: list[DiskAttachment]) -> list[DiskSpec]:
        """Fresh connection info for each disk on this host, the plugins asked concurrently;
        each recorded (and committed) with its attachment until it is released, so that a
        failure, or a crash, leaves nothing prepared that the engine does not know of. Every
        disk is checked before any is prepared; when a preparation fails, the first failure is
        raised once all have ended, and the caller releases what was prepared."""
        disks = []
        for attachment in attachments:
            disk = session.get(Disk, attachment.disk_id)
            if disk is None or disk.status != "ok":
                state = disk.status if disk else "gone"
                raise Refused(409, f"disk {attachment.disk_id} is {state}, not ok")
            disks.append(disk)
        hooks = self.state.hooks
        outcomes = concurrently(lambda disk: hooks.prepare_disk(disk.storage_domain, disk, host, vm), disks)
        failures: list[Exception] = []
        for attachment, disk, outcome in zip(attachments, disks, outcomes, strict=True):
            if outcome is None:
                failures.append(Refused(400, f"no plugin serves the storage domain of disk {disk.alias}"))
            elif isinstance(outcome, Exception):
                failures.append(outcome)
            else:
                attachment.connection = json.dumps(outcome, sort_keys=True)
        session.commit()
        if failures:
            raise backend_refusal(failures[0]) from failures[0]
        types = hooks.storage_domain_type_info()
        return [
            DiskSpec(
                id=disk.id,
                interface=attachment.interface,
                bootable=attachment.bootable,
                connection=dict(outcome),
                custom_property=types[disk.storage_domain.type]["host"]["custom_property"],
                hooks_dir=types[disk.storage_domain.type]["host"]["hooks_dir"],
            )
            for attachment, disk, outcome in zip(attachments, disks, outcomes, strict=True)
        ]

    def _release(self, session: Session, vm: Vm, host: Host, attachment: DiskAttachment) -> None:
        self._release_all(session, vm, host, [attachment])

    def _release_all(self, session: Session, vm: Vm, host: Host, attachments: Sequence[DiskAttachment]) -> None:
        """Release every prepared disk of ``attachments`` together (the plugins asked
        concurrently). One that fails keeps its connection recorded (the volume stays in use;
        a later stop releases it) and does not stop the others."""
        prepared = []
        for attachment in attachments:
            if attachment.connection is None:
                continue
            disk = session.get(Disk, attachment.disk_id)
            domain = session.get(StorageDomain, disk.storage_domain_id) if disk else None
            prepared.append((attachment, disk, domain, json.loads(attachment.connection)))
        hooks = self.state.hooks

        def release(item: tuple[DiskAttachment, Disk | None, StorageDomain | None, Any]) -> None:
            _, disk, domain, connection = item
            if disk is not None and domain is not None:
                hooks.release_disk(domain, disk, host, vm, connection)

        for (attachment, *_), outcome in zip(prepared, concurrently(release, prepared), strict=True):
            if isinstance(outcome, Exception):
                LOG.warning("releasing disk %s of VM %s failed: %s", attachment.disk_id, vm.name, outcome)
                continue
            attachment.connection = None
