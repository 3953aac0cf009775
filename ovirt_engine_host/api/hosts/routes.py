"""``/api/hosts``: hypervisors driven through libvirt. ``protocol`` holds the host's libvirt URI
(``qemu:///system``, ``qemu+ssh://root@host/system``; ``test:///default`` for libvirt's test
driver): how the engine talks to the host, where oVirt names VDSM's protocol. Without one, a host
gets ``qemu:///system`` when a libvirtd answers there, else the embedded ``test:///default``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.actions import ActionSchema, completed
from ovirt_engine_host.api.hosts.schemas import HostSchema
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import Host
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.hosts import HostService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("hosts", __name__, url_prefix="/api/hosts", description="Hosts")


def service() -> HostService:
    return HostService(engine_state())


@blp.route("")
class HostViews(MethodView):
    @blp.action("read", "host")
    @blp.response(200, HostSchema(many=True))
    def get(self) -> Any:
        """List hosts"""
        with db_session() as session:
            query = visible_only(select(Host), "host").order_by(Host.name, Host.id)
            return session.scalars(listing.in_sql(query, {"name": Host.name, "status": Host.status})).all()

    @blp.action("create_host", "system")
    @blp.arguments(HostSchema)
    @blp.response(201, HostSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a host to a cluster (in maintenance until activated)"""
        return service().add(data)


@blp.route("/<string:host_id>")
class HostByIdViews(MethodView):
    @blp.action("read", "host", by="host_id")
    @blp.response(200, HostSchema)
    def get(self, host_id: str) -> Any:
        """Get a host"""
        with db_session() as session:
            return HostService.get(session, host_id)

    @blp.action("delete_host", "host", by="host_id")
    @blp.response(204)
    def delete(self, host_id: str) -> None:
        """Remove a host in maintenance"""
        service().remove(host_id)


@blp.route("/<string:host_id>/activate")
class HostActivateView(MethodView):
    @blp.action("manipulate_host", "host", by="host_id")
    @blp.response(200, ActionSchema)
    def post(self, host_id: str) -> Any:
        """Activate a host: libvirt answers, its data center's libvirt secrets are registered"""
        service().activate(host_id)
        return completed()


@blp.route("/<string:host_id>/deactivate")
class HostDeactivateView(MethodView):
    @blp.action("manipulate_host", "host", by="host_id")
    @blp.response(200, ActionSchema)
    def post(self, host_id: str) -> Any:
        """Move a host to maintenance (refused while it runs VMs)"""
        service().deactivate(host_id)
        return completed()
