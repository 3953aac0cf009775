"""``/api/storagedomains``: list and get. Storage domains of a plugin's type are created and
removed by that plugin (a Cinder domain comes with its OpenStack volume provider)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer

from ovirt_engine_host import listing
from ovirt_engine_host.api.common import get_or_404
from ovirt_engine_host.api.storagedomains.schemas import StorageDomainSchema
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

# What the representation shows beyond the row: the monitor's findings and the committed sum,
# loaded with the domains (a constant number of statements for any number of domains).
SHOWN = (joinedload(StorageDomain.monitor), undefer(StorageDomain.committed))

blp = Blueprint("storagedomains", __name__, url_prefix="/api/storagedomains", description="Storage domains")


@blp.route("")
class StorageDomainViews(MethodView):
    @blp.action("read", "storage_domain")
    @blp.response(200, StorageDomainSchema(many=True))
    def get(self) -> Any:
        """List storage domains"""
        with db_session() as session:
            query = (
                visible_only(select(StorageDomain), "storage_domain")
                .options(*SHOWN)
                .order_by(StorageDomain.name, StorageDomain.id)
            )
            columns = {"name": StorageDomain.name, "status": StorageDomain.status}
            return session.scalars(listing.in_sql(query, columns)).all()


@blp.route("/<string:storage_domain_id>")
class StorageDomainByIdViews(MethodView):
    @blp.action("read", "storage_domain", by="storage_domain_id")
    @blp.response(200, StorageDomainSchema)
    def get(self, storage_domain_id: str) -> Any:
        """Get a storage domain"""
        with db_session() as session:
            get_or_404(session, StorageDomain, storage_domain_id, "storage domain")
            return session.get(StorageDomain, storage_domain_id, options=SHOWN, populate_existing=True)
