"""``/api/datacenters``: list, add (with no cluster, as in oVirt: add one at ``/api/clusters``), get,
remove (with its clusters, when nothing is in them), and a data center's ``clusters``."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ovirt_engine_host import listing
from ovirt_engine_host.api.clusters.schemas import ClusterSchema
from ovirt_engine_host.api.common import get_or_404
from ovirt_engine_host.api.datacenters.schemas import DataCenterSchema
from ovirt_engine_host.authorization import authorized_object_id, visible_only
from ovirt_engine_host.db.models import Cluster, DataCenter
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.data_centers import DataCenterService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("datacenters", __name__, url_prefix="/api/datacenters", description="Data centers")


@blp.route("")
class DataCenterViews(MethodView):
    @blp.action("read", "data_center")
    @blp.response(200, DataCenterSchema(many=True))
    def get(self) -> Any:
        """List data centers"""
        with db_session() as session:
            query = visible_only(select(DataCenter), "data_center").order_by(DataCenter.name, DataCenter.id)
            return session.scalars(listing.in_sql(query, {"name": DataCenter.name})).all()

    @blp.action("create_storage_pool", "system")
    @blp.arguments(DataCenterSchema)
    @blp.response(201, DataCenterSchema)
    @blp.alt_response(409, description="A data center of that name exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a data center"""
        with db_session() as session:
            data_center = DataCenter(**data)
            session.add(data_center)
            try:
                session.commit()
            except IntegrityError:
                flask_smorest.abort(409, message=f"name: a data center named {data['name']!r} exists")
            return data_center


@blp.route("/<string:data_center_id>")
class DataCenterByIdViews(MethodView):
    @blp.action("read", "data_center", by="data_center_id")
    @blp.response(200, DataCenterSchema)
    def get(self, data_center_id: str) -> Any:
        """Get a data center"""
        with db_session() as session:
            return get_or_404(session, DataCenter, data_center_id, "data center")

    @blp.action("delete_storage_pool", "data_center", by="data_center_id")
    @blp.response(204)
    @blp.alt_response(409, description="The data center still has storage domains, or hosts, VMs or pools")
    def delete(self, data_center_id: str) -> None:
        """Remove a data center (one without storage domains, hosts, VMs and pools) with its clusters"""
        DataCenterService(engine_state().session_factory).remove(data_center_id)


@blp.route("/<string:data_center_id>/clusters")
class DataCenterClusterViews(MethodView):
    @blp.action("read", "data_center", by="data_center_id")
    @blp.response(200, ClusterSchema(many=True))
    def get(self, data_center_id: str) -> Any:
        """List a data center's clusters"""
        with db_session() as session:  # the path may name it by name: its check found its id
            data_center = get_or_404(session, DataCenter, authorized_object_id() or data_center_id, "data center")
            query = select(Cluster).where(Cluster.data_center_id == data_center.id).order_by(Cluster.name, Cluster.id)
            return session.scalars(listing.in_sql(visible_only(query, "cluster"), {"name": Cluster.name})).all()
