"""``/api/vms``: VMs, their disks (``/api/vms/{id}/disks``: attach an existing disk or add a new
one; activate and deactivate, live while the VM runs), and the actions ``start`` and ``stop``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import raiseload

from ovirt_engine_host import listing
from ovirt_engine_host.access.roles import READ
from ovirt_engine_host.api.actions import ActionSchema, completed
from ovirt_engine_host.api.jobs.schemas import removal_answer
from ovirt_engine_host.api.shared import add_disk, owner_id, split_matrix, storage_domain_of
from ovirt_engine_host.api.vms.schemas import (
    AttachedDisk,
    VmCloneSchema,
    VmDiskAttachSchema,
    VmDiskSchema,
    VmRemovalArgs,
    VmRemovalSchema,
    VmSchema,
)
from ovirt_engine_host.authorization import BODY, require_permitted, visible_only
from ovirt_engine_host.db.models import Disk, Vm
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.clusters import resolve_cluster
from ovirt_engine_host.services.snapshots import SnapshotService
from ovirt_engine_host.services.templates import TemplateService
from ovirt_engine_host.services.vm_copies import VmCopies
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("vms", __name__, url_prefix="/api/vms", description="Virtual machines")


def service() -> VmService:
    return VmService(engine_state())


def attached_disks(vm_id: str) -> list[AttachedDisk]:
    with db_session() as session:
        vm = VmService.get(session, vm_id)
        ids = [a.disk_id for a in vm.attachments]
        disks = {d.id: d for d in session.scalars(select(Disk).where(Disk.id.in_(ids)))} if ids else {}
        return [AttachedDisk(disks[a.disk_id], a) for a in vm.attachments if a.disk_id in disks]


@blp.route("")
class VmViews(MethodView):
    @blp.action("read", "vm")
    @blp.response(200, VmSchema(many=True))
    def get(self) -> Any:
        """List VMs"""
        with db_session() as session:
            # the list shows no disks: their selectin load would cost a statement per 500 VMs
            query = visible_only(select(Vm), "vm").options(raiseload(Vm.attachments)).order_by(Vm.name, Vm.id)
            return session.scalars(listing.in_sql(query, {"name": Vm.name, "status": Vm.status})).all()

    @blp.action("create_vm", "cluster", by=BODY)
    @blp.arguments(VmSchema)
    @blp.response(201, VmSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a VM (down) to a cluster"""
        data["cpus"] = data.pop("cpu", 1)
        snapshots = data.pop("snapshots", None)
        template = data.pop("template", None)
        if snapshots and template:
            raise Refused(422, "template: a VM is made from a template or from a snapshot, not both")
        data["cluster"] = may_create_vm(data["cluster"], template)
        if snapshots:  # a clone of another VM's snapshot: new volumes made from it
            return SnapshotService(engine_state()).clone_vm({**data, "owner_id": owner_id()}, snapshots["snapshot"][0])
        clone = bool((data.pop("disks", None) or {}).get("clone"))
        if template:  # volumes made from the template's: thin, or independent copies
            return TemplateService(engine_state()).make_vm(data, template, owner_id(), clone)
        if clone:
            raise Refused(422, "disks.clone: copies are made of a template's disks: give the template")
        return service().add({**data, "owner_id": owner_id()})


def may_create_vm(cluster: dict[str, Any], template: Any) -> dict[str, Any]:
    """``create_vm`` on the cluster the VM goes into (held there or on its data center), and on
    the template it is made from; the reference, the cluster's id in it. A cluster named by its
    data center alone is that data center's first cluster, once the data center is seen to be his."""
    with db_session() as session:
        if template:
            require_permitted(session, "template", template, "create_vm")
        if not (cluster.get("id") or cluster.get("name")):
            field = "cluster.data_center"
            require_permitted(session, "data_center", cluster.get("data_center"), READ, field)
            cluster = {**cluster, "id": resolve_cluster(session, cluster).id}
        return {**cluster, "id": require_permitted(session, "cluster", cluster, "create_vm", "cluster")}


@blp.route("/<string:vm_id>")
class VmByIdViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, VmSchema)
    def get(self, vm_id: str) -> Any:
        """Get a VM"""
        with db_session() as session:
            return VmService.get(session, vm_id)

    @blp.action("delete_vm", "vm", by="vm_id")
    @blp.arguments(VmRemovalArgs, location="query")
    @blp.arguments(VmRemovalSchema)
    @blp.response(204)
    @blp.alt_response(202, description="Accepted: the job removing the VM's disks and snapshots from the backend")
    def delete(self, args: dict[str, Any], body: dict[str, Any], vm_id: str) -> Any:
        """Remove a VM that is down, with its snapshots and its disks (``detach_only``: the disks stay)"""
        vm_id, matrix = split_matrix(vm_id)
        detach_only = args["detach_only"] or bool(((body.get("vm") or {}).get("disks") or {}).get("detach_only"))
        wait = not (args["asynchronous"] or body.get("asynchronous") or "async" in matrix)
        return removal_answer(service().remove(vm_id, wait, owner_id(), detach_only))


@blp.route("/<string:vm_id>/clone")
class VmCloneView(MethodView):
    @blp.action("create_vm", "vm", by="vm_id")
    @blp.arguments(VmCloneSchema)
    @blp.response(200, VmCloneSchema)
    @blp.alt_response(409, description="The VM is not down or image_locked, a disk is not ok, or the name is taken")
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Clone a VM that is down: a new VM with an independent copy of every disk"""
        VmCopies(engine_state()).clone(vm_id, data["vm"]["name"], owner_id())
        return completed()


@blp.route("/<string:vm_id>/start")
class VmStartView(MethodView):
    @blp.action("vm_basic_operations", "vm", by="vm_id")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Start a VM, on the given host of its cluster or on any active host of its cluster"""
        service().start(vm_id, data.get("host"))
        return completed()


@blp.route("/<string:vm_id>/stop")
class VmStopView(MethodView):
    @blp.action("vm_basic_operations", "vm", by="vm_id")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Power a VM off; its disks are released"""
        service().stop(vm_id)
        return completed()


@blp.route("/<string:vm_id>/disks")
class VmDiskViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, VmDiskSchema(many=True))
    def get(self, vm_id: str) -> Any:
        """List a VM's disks"""
        return attached_disks(vm_id)

    @blp.action("configure_vm_storage", "vm", by="vm_id")
    @blp.arguments(VmDiskAttachSchema)
    @blp.response(201, VmDiskSchema)
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Attach an existing disk (``id``) or add a new one to the VM"""
        attachment = {k: data.pop(k) for k in ("interface", "bootable", "active")}
        data.pop("href", None)
        disk_id = data.pop("id", None)
        with db_session() as session:
            # checked before a new disk is made: an unknown or image_locked VM gets none
            VmService.refuse_image_locked(VmService.get(session, vm_id))
            if disk_id is not None:
                require_permitted(session, "disk", {"id": disk_id}, "attach_disk")
        if disk_id is None:
            disk_id = add_disk(data, storage_domain_of(data)).id
        data = attachment
        service().attach(vm_id, disk_id, data["interface"], data["bootable"], data["active"])
        return next(d for d in attached_disks(vm_id) if d.id == disk_id)


def _disk_action(vm_id: str, disk_id: str, activate: bool) -> dict[str, Any]:
    if activate:
        service().activate_disk(vm_id, disk_id)
    else:
        service().deactivate_disk(vm_id, disk_id)
    return completed()


@blp.route("/<string:vm_id>/disks/<string:disk_id>")
class VmDiskByIdViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, VmDiskSchema)
    def get(self, vm_id: str, disk_id: str) -> Any:
        """Get a disk of the VM"""
        found = [d for d in attached_disks(vm_id) if d.id == disk_id]
        if not found:
            raise Refused(404, f"disk {disk_id} is not attached to VM {vm_id}")
        return found[0]

    @blp.action("configure_vm_storage", "vm", by="vm_id")
    @blp.response(204)
    def delete(self, vm_id: str, disk_id: str) -> None:
        """Detach a disk from the VM (the disk stays)"""
        service().detach(vm_id, disk_id)


@blp.route("/<string:vm_id>/disks/<string:disk_id>/activate")
class VmDiskActivateView(MethodView):
    @blp.action("configure_vm_storage", "vm", by="vm_id")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], vm_id: str, disk_id: str) -> Any:
        """Plug the disk (hot-plug while the VM runs)"""
        return _disk_action(vm_id, disk_id, activate=True)


@blp.route("/<string:vm_id>/disks/<string:disk_id>/deactivate")
class VmDiskDeactivateView(MethodView):
    @blp.action("configure_vm_storage", "vm", by="vm_id")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], vm_id: str, disk_id: str) -> Any:
        """Unplug the disk (hot-unplug while the VM runs)"""
        return _disk_action(vm_id, disk_id, activate=False)
