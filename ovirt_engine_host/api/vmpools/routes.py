"""``/api/vmpools``: list, add (``<vmpool><name/><size/><template id|name/>…</vmpool>``: the
pool's VMs made from the template), get, change (``size`` up adds VMs, down removes free ones),
remove (with its VMs and their disks; waits, or ``;async``: 202 with the job), and
``allocatevm``: a VM of the pool started for the caller."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.actions import completed
from ovirt_engine_host.api.disks.schemas import DeleteArgs
from ovirt_engine_host.api.jobs.schemas import removal_answer
from ovirt_engine_host.api.shared import owner_id, split_matrix
from ovirt_engine_host.api.vmpools.schemas import AllocateVmSchema, VmPoolSchema, VmPoolUpdateSchema
from ovirt_engine_host.authorization import BODY, current_user, require_permitted, visible_only
from ovirt_engine_host.db.models import VmPool
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.pools import PoolService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("vmpools", __name__, url_prefix="/api/vmpools", description="VM pools")


def service() -> PoolService:
    return PoolService(engine_state())


@blp.route("")
class VmPoolViews(MethodView):
    @blp.action("read", "vm_pool")
    @blp.response(200, VmPoolSchema(many=True))
    def get(self) -> Any:
        """List VM pools"""
        with db_session() as session:
            query = visible_only(select(VmPool), "vm_pool").order_by(VmPool.name, VmPool.id)
            return session.scalars(listing.in_sql(query, {"name": VmPool.name, "type": VmPool.type})).all()

    @blp.action("create_vm_pool", "template", by=BODY)
    @blp.arguments(VmPoolSchema)
    @blp.response(201, VmPoolSchema)
    @blp.alt_response(409, description="The template is not ok, a VM name is taken, or Cinder's quota refuses")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a VM pool: its VMs made from the template (thin), stateless in an automatic pool"""
        with db_session() as session:
            require_permitted(session, "template", data.get("template"), "create_vm_pool", "template")
        return service().create(data, owner_id())


@blp.route("/<string:pool_id>")
class VmPoolByIdViews(MethodView):
    @blp.action("read", "vm_pool", by="pool_id")
    @blp.response(200, VmPoolSchema)
    def get(self, pool_id: str) -> Any:
        """Get a VM pool"""
        pool_id, _ = split_matrix(pool_id)
        with db_session() as session:
            return PoolService.get(session, pool_id)

    @blp.action("edit_vm_pool_configuration", "vm_pool", by="pool_id")
    @blp.arguments(VmPoolUpdateSchema)
    @blp.response(200, VmPoolSchema)
    @blp.alt_response(409, description="Too few VMs are down and free for the smaller size")
    def put(self, data: dict[str, Any], pool_id: str) -> Any:
        """Change a VM pool (size up adds VMs; down removes VMs that are down and free)"""
        return service().update(pool_id, data, owner_id())

    @blp.action("delete_vm_pool", "vm_pool", by="pool_id")
    @blp.arguments(DeleteArgs, location="query")
    @blp.response(204)
    @blp.alt_response(202, description="Accepted: the job removing the pool's disks")
    @blp.alt_response(409, description="A VM of the pool is not down")
    def delete(self, args: dict[str, Any], pool_id: str) -> Any:
        """Remove a VM pool with its VMs and their disks"""
        pool_id, matrix = split_matrix(pool_id)
        return removal_answer(service().remove(pool_id, not (args["asynchronous"] or "async" in matrix), owner_id()))


@blp.route("/<string:pool_id>/allocatevm")
class VmPoolAllocateView(MethodView):
    @blp.action("vm_pool_basic_operations", "vm_pool", by="pool_id")
    @blp.arguments(AllocateVmSchema)
    @blp.response(200, AllocateVmSchema)
    @blp.alt_response(409, description="No free VM, or the caller has max_user_vms VMs of the pool already")
    def post(self, data: dict[str, Any], pool_id: str) -> Any:
        """Allocate a VM of the pool to the caller, started (a prestarted one first)"""
        user = current_user()
        vm = service().allocate(pool_id, user.id, user.name)
        return {**completed(), "vm": {"id": vm.id, "href": f"/api/vms/{vm.id}"}}
