"""VM pools (oVirt's "Add VM Pool", "Edit", "Remove", "Allocate VM"): ``size`` like VMs named
``<pool>-<n>``, each made from the pool's template as a thin VM (on RBD each disk an RBD child
of the template disk's image).

Each VM of a pool is written with its disks' commands in one transaction
(:meth:`VmCopies.add`), one VM after the other; the pool is then topped up to its size by
:meth:`PoolService.fill`, which also runs when the size grows and, through the VM monitor, after
an engine restart: a creation cut short by a crash ends with every VM there, and no volume that
is nobody's disk. Making a pool smaller removes VMs that are down and free, the highest numbers
first; a pool goes with its VMs and their disks, not while one runs.

A user is allocated a VM of the pool (a prestarted one first), at most ``max_user_vms``, and
it starts for him; in an ``automatic`` pool the VMs are stateless and go back to the pool at
their stop.

A pool and its VMs are in one cluster: the one the pool names, or else the first (by name) of
its template's data center; it does not change.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.commands.collection import start_collecting, wait_for_collection
from ovirt_engine_host.db.models import Cluster, DataCenter, Job, Template, Vm, VmPool
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.references import resolve
from ovirt_engine_host.services.clusters import first_cluster, resolve_cluster
from ovirt_engine_host.services.templates import TemplateService, based_on
from ovirt_engine_host.services.vm_copies import SourceDisk, VmCopies
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import EngineState

LOG = logging.getLogger(__name__)
POOL_TYPES = ("automatic", "manual")


def vm_name(pool_name: str, number: int) -> str:
    return f"{pool_name}-{number}"


class PoolService:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    @staticmethod
    def get(session: Session, pool_id: str) -> VmPool:
        pool = session.get(VmPool, pool_id) or session.scalar(select(VmPool).where(VmPool.name == pool_id))
        if pool is None:
            raise Refused(404, f"VM pool {pool_id} not found")
        return pool

    @staticmethod
    def vms(session: Session, pool: VmPool) -> list[Vm]:
        """The pool's VMs by number."""
        found = session.scalars(select(Vm).where(Vm.pool_id == pool.id)).all()
        return sorted(found, key=lambda vm: _number(pool, vm))

    # -- adding ---------------------------------------------------------------------------
    def create(self, data: dict[str, Any], owner_id: str | None) -> VmPool:
        """Check everything (the template, the numbers, the VM names, Cinder's quota for every
        disk of every VM), write the pool, then make its VMs."""
        with self.state.session_factory() as session:
            template: Template = resolve(session, "template", data.pop("template"), "template")
            if template.status != "ok":
                raise Refused(409, f"template: {template.name} is {template.status}, not ok")
            cluster = self._cluster(session, data.pop("cluster", None), template)
            pool = VmPool(**data, template_id=template.id, cluster_id=cluster.id, owner_id=owner_id)
            _check_numbers(pool.size, pool.prestarted_vms, pool.max_user_vms)
            self._check_names(session, pool.name, range(1, pool.size + 1))
            VmCopies(self.state).check_quota(session, TemplateService.disks(session, template) * pool.size)
            session.add(pool)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"name: a VM pool named {pool.name!r} exists") from error
            pool_id = pool.id
        self.fill(pool_id)
        with self.state.session_factory() as session:
            return self.get(session, pool_id)

    def fill(self, pool_id: str) -> int:
        """Make the VMs the pool lacks (by number, up to its size); how many were made. A VM's
        disk refused by the backend is logged: that VM stays, without it."""
        copies = VmCopies(self.state)
        with self.state.session_factory() as session:
            pool = session.get(VmPool, pool_id)
            if pool is None:
                return 0
            have = {_number(pool, vm) for vm in self.vms(session, pool)}
            missing = [n for n in range(1, pool.size + 1) if n not in have]
            template = session.get(Template, pool.template_id)
            if not missing or template is None:
                return 0
            sources = [SourceDisk(d, d.interface, d.bootable) for d in TemplateService.disks(session, template)]
            base = {
                "description": pool.description, "memory": template.memory, "cpus": template.cpus,
                "cluster": {"id": pool.cluster_id}, "owner_id": pool.owner_id, "template_id": based_on(template.id),
                "pool_id": pool.id, "stateless": pool.type == "automatic",
            }  # fmt: skip
            name = pool.name
            made = 0
            for number in missing:
                try:
                    _, commands = copies.add(session, {**base, "name": vm_name(name, number)}, sources, False)
                    session.commit()
                except Refused as refusal:  # another engine process made it meanwhile
                    session.rollback()
                    LOG.info("VM %s of pool %s not made: %s", vm_name(name, number), name, refusal.message)
                    continue
                made += 1
                try:
                    copies.send(commands)
                except Refused as refusal:
                    LOG.warning("a disk of VM %s of pool %s was refused: %s", vm_name(name, number), name, refusal)
            return made

    # -- changing -------------------------------------------------------------------------
    def update(self, pool_id: str, changes: dict[str, Any], owner_id: str | None) -> VmPool:
        """``size`` up adds VMs; down removes VMs that are down and free (409 when too few are);
        ``description``, ``max_user_vms`` and ``prestarted_vms`` change at once."""
        changes = {k: v for k, v in changes.items() if v is not None}
        with self.state.session_factory() as session:
            pool = self.get(session, pool_id)
            if changes.get("name", pool.name) != pool.name:
                raise Refused(409, f"name: the VMs of pool {pool.name} are named after it: it cannot be renamed")
            if changes.get("type", pool.type) != pool.type:
                raise Refused(409, f"type: pool {pool.name} is {pool.type}: its type cannot change")
            if "template" in changes:
                template: Template = resolve(session, "template", changes["template"], "template")
                if template.id != pool.template_id:
                    raise Refused(409, f"template: pool {pool.name} is made from another template")
            if "cluster" in changes and resolve_cluster(session, changes["cluster"]).id != pool.cluster_id:
                raise Refused(409, f"cluster: pool {pool.name} is in another cluster: its cluster cannot change")
            size = changes.get("size", pool.size)
            prestarted = changes.get("prestarted_vms", pool.prestarted_vms)
            _check_numbers(size, prestarted, changes.get("max_user_vms", pool.max_user_vms))
            vms = self.vms(session, pool)
            leaving = self._leaving(pool, vms, size)
            if size > pool.size:
                self._check_names(session, pool.name, range(pool.size + 1, size + 1), pool.id)
                source = session.get(Template, pool.template_id)
                disks = TemplateService.disks(session, source) if source else []
                VmCopies(self.state).check_quota(session, disks * (size - len(vms)))
            vm_service = VmService(self.state)
            for vm in leaving:
                vm_service.drop(session, vm)
            pool.size, pool.prestarted_vms = size, prestarted
            pool.description = changes.get("description", pool.description)
            pool.max_user_vms = changes.get("max_user_vms", pool.max_user_vms)
            if leaving:
                start_collecting(session, self.state.coordinator, owner_id)
            session.commit()
            grows = size > len(vms)
        if grows:
            self.fill(pool_id)
        with self.state.session_factory() as session:
            return self.get(session, pool_id)

    @staticmethod
    def _cluster(session: Session, reference: dict[str, Any] | None, template: Template) -> Cluster:
        """The pool's cluster: the one named (in the template's data center), or else the first
        of the template's data center (Blank, in none, needs it named)."""
        if reference:
            cluster = resolve_cluster(session, reference)
            TemplateService.check_cluster(template, cluster)
            return cluster
        data_center = session.get(DataCenter, template.data_center_id) if template.data_center_id else None
        if data_center is None:
            raise Refused(422, f"cluster: give the pool's cluster: template {template.name} is in no data center")
        return first_cluster(session, data_center, "cluster")

    @staticmethod
    def _leaving(pool: VmPool, vms: list[Vm], size: int) -> list[Vm]:
        """The VMs a smaller size removes: the highest numbers that are down and free."""
        excess = len(vms) - size
        if excess <= 0:
            return []
        free = [vm for vm in reversed(vms) if _removable(vm)]
        if len(free) < excess:
            raise Refused(
                409,
                f"size: pool {pool.name} can lose {len(free)} VM(s) now, not {excess}: the others run, are "
                "allocated to a user or are image_locked",
            )
        return free[:excess]

    # -- removing -------------------------------------------------------------------------
    def remove(self, pool_id: str, wait: bool, owner_id: str | None) -> Job | None:
        """The pool with its VMs and their disks (a collection); refused while a VM of it runs."""
        with self.state.session_factory() as session:
            pool = self.get(session, pool_id)
            vms = self.vms(session, pool)
            busy = [vm.name for vm in vms if vm.status != "down" or vm.locked_by_job_id is not None]
            if busy:
                raise Refused(409, f"VM pool {pool.name}: VM {', '.join(busy)} is not down: stop it first")
            vm_service = VmService(self.state)
            for vm in vms:
                vm_service.drop(session, vm)
            session.delete(pool)
            session.flush()
            job = start_collecting(session, self.state.coordinator, owner_id)
            session.commit()
            job_id = job.id if job is not None else None
        seconds = self.state.config.poller.sync_wait_seconds if wait else 0
        return wait_for_collection(self.state.session_factory, self.state.coordinator, job_id, seconds)

    # -- using ----------------------------------------------------------------------------
    def allocate(self, pool_id: str, user_id: str, user_name: str) -> Vm:
        """A VM of the pool for the user (a running one that nobody has first), started for him
        if it is down; at most ``max_user_vms`` per user."""
        with self.state.session_factory() as session:
            pool = self.get(session, pool_id)
            mine = session.scalar(
                select(func.count()).select_from(Vm).where(Vm.pool_id == pool.id, Vm.allocated_to == user_id)
            )
            if (mine or 0) >= pool.max_user_vms:
                raise Refused(
                    409, f"max_user_vms: {user_name} has {mine} VM(s) of pool {pool.name}, at most {pool.max_user_vms}"
                )
            free = [vm for vm in self.vms(session, pool) if vm.allocated_to is None and vm.locked_by_job_id is None]
            free.sort(key=lambda vm: vm.status != "up")  # a prestarted VM first
            chosen = None
            for vm in free:
                taken = session.execute(
                    update(Vm)
                    .where(Vm.id == vm.id, Vm.allocated_to.is_(None))
                    .values(allocated_to=user_id, owner_id=user_id)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    chosen = vm
                    break
            if chosen is None:
                raise Refused(409, f"VM pool {pool.name} has no free VM")
            session.commit()
            vm_id, status = chosen.id, chosen.status
        if status == "down":
            try:
                VmService(self.state).start(vm_id, None)
            except Refused:
                self._give_back(vm_id)
                raise
        with self.state.session_factory() as session:
            return VmService.get(session, vm_id)

    def _give_back(self, vm_id: str) -> None:
        with self.state.session_factory() as session:
            vm = session.get(Vm, vm_id)
            pool = session.get(VmPool, vm.pool_id) if vm and vm.pool_id else None
            if vm is not None and pool is not None:
                vm.allocated_to, vm.owner_id = None, pool.owner_id
                session.commit()

    def keep_prestarted(self) -> int:
        """Start free VMs of each pool until ``prestarted_vms`` of them run; how many started (a
        start the host refuses is logged and tried again at the next round)."""
        started = 0
        with self.state.session_factory() as session:
            wanted = []
            for pool in session.scalars(select(VmPool).where(VmPool.prestarted_vms > 0)):
                vms = self.vms(session, pool)
                running = [vm for vm in vms if vm.allocated_to is None and vm.status in {"up", "powering_up"}]
                idle = [vm.id for vm in vms if _removable(vm) and not vm.status_detail]
                wanted += idle[: max(0, pool.prestarted_vms - len(running))]
        vm_service = VmService(self.state)
        for vm_id in wanted:
            try:
                vm_service.start(vm_id, None)
                started += 1
            except Refused as refusal:
                LOG.warning("prestarting VM %s failed: %s", vm_id, refusal.message)
        return started

    def fill_all(self) -> int:
        """Top every pool up to its size (after a creation an engine crash cut short)."""
        with self.state.session_factory() as session:
            pools = session.scalars(select(VmPool.id)).all()
        return sum(self.fill(pool_id) for pool_id in pools)

    @staticmethod
    def _check_names(session: Session, pool_name: str, numbers: range, pool_id: str | None = None) -> None:
        names = [vm_name(pool_name, n) for n in numbers]
        query = select(Vm.name).where(Vm.name.in_(names))
        if pool_id is not None:
            query = query.where((Vm.pool_id != pool_id) | Vm.pool_id.is_(None))
        taken = session.scalars(query.order_by(Vm.name)).all()
        if taken:
            raise Refused(409, f"name: the pool's VMs would be named like VM {', '.join(taken)}, which exists")


def _number(pool: VmPool, vm: Vm) -> int:
    suffix = vm.name.removeprefix(f"{pool.name}-")
    return int(suffix) if suffix.isdigit() else 0


def _removable(vm: Vm) -> bool:
    return vm.status == "down" and vm.allocated_to is None and vm.locked_by_job_id is None


def _check_numbers(size: int, prestarted: int, max_user_vms: int) -> None:
    if prestarted > size:
        raise Refused(400, f"prestarted_vms: {prestarted} is more than the pool's size ({size})")
    if max_user_vms < 1:
        raise Refused(400, "max_user_vms: at least 1")
