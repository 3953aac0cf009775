"""``/api/hosts``: hypervisors driven through libvirt. ``protocol`` holds the host's libvirt URI
(``qemu:///system``, ``qemu+ssh://root@host/system``; ``test:///default`` for libvirt's test
driver): how the engine talks to the host, where oVirt names VDSM's protocol. Without one, a host
gets ``qemu:///system`` when a libvirtd answers there, else the embedded ``test:///default``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host.api.actions import (
    ActionSchema,
    ClusterSchema,
    cluster_of,
    cluster_reference,
    completed,
)
from ovirt_engine_host.api.common import ResourceSchema, name_field
from ovirt_engine_host.db.models import Host
from ovirt_engine_host.openapi import OPENAPI_SCHEMA
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.hosts import HostService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("hosts", __name__, url_prefix="/api/hosts", description="Hosts")


class HostSchema(ResourceSchema):
    xml_element = "host"
    xml_collection = "hosts"
    collection_path = "/api/hosts"

    name = name_field(255, required=True)
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    status = ma.fields.Function(lambda host: {"state": host.status}, dump_only=True)
    cluster = ma.fields.Method(
        "cluster_dump", deserialize="cluster_load", required=True, metadata={OPENAPI_SCHEMA: ClusterSchema}
    )
    protocol = ma.fields.String(
        attribute="libvirt_uri",
        validate=ma.validate.Regexp(r"^[a-z][a-z0-9+]*://", error="a libvirt URI, e.g. qemu:///system"),
    )

    def cluster_dump(self, host: Host) -> dict[str, Any]:
        return cluster_of(host.data_center_id)

    def cluster_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = ClusterSchema().load(value)
        return loaded


def service() -> HostService:
    return HostService(engine_state())


@blp.route("")
class HostViews(MethodView):
    @blp.action("read", "host")
    @blp.response(200, HostSchema(many=True))
    def get(self) -> Any:
        """List hosts"""
        with db_session() as session:
            return session.scalars(select(Host).order_by(Host.name)).all()

    @blp.action("create", "host")
    @blp.arguments(HostSchema)
    @blp.response(201, HostSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a host (in maintenance until activated)"""
        data["data_center"] = cluster_reference(data)
        return service().add(data)


@blp.route("/<string:host_id>")
class HostByIdViews(MethodView):
    @blp.action("read", "host", by="host_id")
    @blp.response(200, HostSchema)
    def get(self, host_id: str) -> Any:
        """Get a host"""
        with db_session() as session:
            return HostService.get(session, host_id)

    @blp.action("delete", "host", by="host_id")
    @blp.response(204)
    def delete(self, host_id: str) -> None:
        """Remove a host in maintenance"""
        service().remove(host_id)


@blp.route("/<string:host_id>/activate")
class HostActivateView(MethodView):
    @blp.action("operate", "host", by="host_id")
    @blp.response(200, ActionSchema)
    def post(self, host_id: str) -> Any:
        """Activate a host: libvirt answers, the data center's libvirt secrets are registered"""
        service().activate(host_id)
        return completed()


@blp.route("/<string:host_id>/deactivate")
class HostDeactivateView(MethodView):
    @blp.action("operate", "host", by="host_id")
    @blp.response(200, ActionSchema)
    def post(self, host_id: str) -> Any:
        """Move a host to maintenance (refused while it runs VMs)"""
        service().deactivate(host_id)
        return completed()
