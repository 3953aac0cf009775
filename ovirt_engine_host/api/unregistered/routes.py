"""oVirt's unregistered disks: ``GET /api/storagedomains/{id}/disks;unregistered`` (3.6; 4.x's
``?unregistered=true`` is the disks list's, :mod:`ovirt_engine_host.api.disks.routes`) lists the
volumes of the domain the engine may take in; ``POST`` the same URL with ``<disk id="…"/>`` (3.6)
or ``POST …/disks/{disk_id}/register`` (4.x) registers one. For administrators."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from ovirt_engine_host.api.actions import ActionSchema, completed
from ovirt_engine_host.api.disks.schemas import DiskSchema
from ovirt_engine_host.api.shared import owner_id
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.unregistered import UnregisteredDisks
from ovirt_engine_host.state import engine_state

blp = Blueprint(
    "unregistered", __name__, url_prefix="/api/storagedomains", description="Unregistered disks of storage domains"
)


class DiskRegistrationSchema(ma.Schema):
    """The seed's ``<disk id="…"/>``."""

    xml_element = "disk"

    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))


def service() -> UnregisteredDisks:
    return UnregisteredDisks(engine_state())


@blp.route("/<string:storage_domain_id>/disks;unregistered")
class UnregisteredDiskViews(MethodView):
    @blp.action("manipulate_storage_domain", "storage_domain", by="storage_domain_id")
    @blp.response(200, DiskSchema(many=True))
    def get(self, storage_domain_id: str) -> Any:
        """List the volumes of the storage domain that the engine may register"""
        return service().offered(storage_domain_id)

    @blp.action("manipulate_storage_domain", "storage_domain", by="storage_domain_id")
    @blp.arguments(DiskRegistrationSchema)
    @blp.response(201, DiskSchema)
    @blp.alt_response(409, description="Registered already, another engine's, in use, or not available")
    def post(self, data: dict[str, Any], storage_domain_id: str) -> Any:
        """Register a volume of the storage domain as a disk (its data untouched)"""
        return service().register(storage_domain_id, data["id"], owner_id())


@blp.route("/<string:storage_domain_id>/disks/<string:disk_id>/register")
class RegisterDiskView(MethodView):
    @blp.action("manipulate_storage_domain", "storage_domain", by="storage_domain_id")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    @blp.alt_response(409, description="Registered already, another engine's, in use, or not available")
    def post(self, data: dict[str, Any], storage_domain_id: str, disk_id: str) -> Any:
        """Register a volume of the storage domain as a disk (oVirt 4's form)"""
        service().register(storage_domain_id, disk_id, owner_id())
        return completed()
