"""``/api/vms/{id}/snapshots``: list (the ``active`` snapshot first, as oVirt lists it), take
(``description``, optionally a subset of the VM's ``disks``), get, remove (waits, or ``;async``:
202 with the job), and a snapshot's ``disks``; the VM actions ``preview_snapshot`` (one
snapshot, or a custom choice per disk), ``undo_snapshot`` and ``commit_snapshot``, and a
snapshot's ``restore`` (preview + commit, one job). While one runs the VM is ``image_locked``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ovirt_engine_host.api.actions import completed
from ovirt_engine_host.api.jobs.schemas import JobSchema, removal_answer
from ovirt_engine_host.api.shared import owner_id, split_matrix
from ovirt_engine_host.api.snapshots.schemas import SnapshotActionSchema, SnapshotDiskSchema, SnapshotSchema
from ovirt_engine_host.db.models import Job
from ovirt_engine_host.references import reference_value
from ovirt_engine_host.rest import Blueprint, represent
from ovirt_engine_host.services.snapshots import SnapshotService
from ovirt_engine_host.services.virtual_snapshots import virtual_snapshot, virtual_snapshots
from ovirt_engine_host.services.vms import VmService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("snapshots", __name__, url_prefix="/api/vms", description="VM snapshots")


def service() -> SnapshotService:
    return SnapshotService(engine_state())


def accepted_or_done(job: Job | None) -> Any:
    """The action's answer: complete, or 202 with the job still running."""
    if job is None:
        return completed()
    document = JobSchema().dump(job)
    return represent("action", {"status": {"state": "pending"}, "job": document}, 202, {"Location": document["href"]})


@blp.route("/<string:vm_id>/snapshots")
class SnapshotViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, SnapshotSchema(many=True))
    def get(self, vm_id: str) -> Any:
        """List a VM's snapshots (its active one first, then, during a stateless run, its stateless one)"""
        with db_session() as session:
            vm = VmService.get(session, vm_id)
            return [*virtual_snapshots(session, vm), *SnapshotService.of_vm(session, vm)]

    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.arguments(SnapshotSchema)
    @blp.response(201, SnapshotSchema)
    @blp.alt_response(409, description="The VM is image_locked, in a preview, or a disk is not ok")
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Take a snapshot of the VM's disks (all, or the ``disks`` named), live too"""
        return service().create(vm_id, data["description"], data.get("disks"), owner_id())


@blp.route("/<string:vm_id>/snapshots/<string:snapshot_id>")
class SnapshotByIdViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, SnapshotSchema)
    def get(self, vm_id: str, snapshot_id: str) -> Any:
        """Get a snapshot"""
        snapshot_id, _ = split_matrix(snapshot_id)
        with db_session() as session:
            vm = VmService.get(session, vm_id)
            return virtual_snapshot(session, vm, snapshot_id) or SnapshotService.get(session, vm, snapshot_id)

    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.response(204)
    @blp.alt_response(202, description="Accepted: the job removing the snapshot")
    def delete(self, vm_id: str, snapshot_id: str) -> Any:
        """Remove a snapshot (its Cinder snapshots are deleted)"""
        snapshot_id, matrix = split_matrix(snapshot_id)
        return removal_answer(service().remove(vm_id, snapshot_id, "async" not in matrix, owner_id()))


@blp.route("/<string:vm_id>/snapshots/<string:snapshot_id>/disks")
class SnapshotDiskViews(MethodView):
    @blp.action("read", "vm", by="vm_id")
    @blp.response(200, SnapshotDiskSchema(many=True))
    def get(self, vm_id: str, snapshot_id: str) -> Any:
        """List the disks a snapshot holds"""
        with db_session() as session:
            vm = VmService.get(session, vm_id)
            return list(
                (virtual_snapshot(session, vm, snapshot_id) or SnapshotService.get(session, vm, snapshot_id)).disks
            )


@blp.route("/<string:vm_id>/preview_snapshot")
class PreviewView(MethodView):
    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.arguments(SnapshotActionSchema)
    @blp.response(200, SnapshotActionSchema)
    @blp.alt_response(202, description="Accepted: the preview's job is still running")
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Preview a snapshot: each disk runs on a new volume made from it (or, custom, per disk)"""
        chosen = reference_value(data.get("snapshot"))
        custom = {
            d["id"]: str((reference_value(d.get("snapshot")) or ("", ""))[1])
            for d in (data.get("disks") or {}).get("disk", [])
        }
        return accepted_or_done(
            service().preview(
                vm_id, chosen[1] if chosen else None, custom or None, owner_id(), not data.get("asynchronous")
            )
        )


@blp.route("/<string:vm_id>/undo_snapshot")
class UndoView(MethodView):
    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.arguments(SnapshotActionSchema)
    @blp.response(200, SnapshotActionSchema)
    @blp.alt_response(202, description="Accepted: the undo's job is still running")
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Undo a preview: the preview volumes are deleted, the disks are back on their volumes"""
        return accepted_or_done(service().undo(vm_id, owner_id(), not data.get("asynchronous")))


@blp.route("/<string:vm_id>/commit_snapshot")
class CommitView(MethodView):
    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.arguments(SnapshotActionSchema)
    @blp.response(200, SnapshotActionSchema)
    @blp.alt_response(202, description="Accepted: the commit's job is still running")
    def post(self, data: dict[str, Any], vm_id: str) -> Any:
        """Commit a preview: the disks keep the preview volumes; later snapshots are removed"""
        return accepted_or_done(service().commit(vm_id, owner_id(), not data.get("asynchronous")))


@blp.route("/<string:vm_id>/snapshots/<string:snapshot_id>/restore")
class RestoreView(MethodView):
    @blp.action("manipulate_vm_snapshots", "vm", by="vm_id")
    @blp.arguments(SnapshotActionSchema)
    @blp.response(200, SnapshotActionSchema)
    @blp.alt_response(202, description="Accepted: the restore's job is still running")
    def post(self, data: dict[str, Any], vm_id: str, snapshot_id: str) -> Any:
        """Restore a snapshot: preview it and commit it (the VM down)"""
        return accepted_or_done(service().restore(vm_id, snapshot_id, owner_id(), not data.get("asynchronous")))
