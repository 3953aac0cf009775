"""``/api/clusters``: list, add (``<cluster><name/><data_center id|name/></cluster>``), get (by id
or name), change (name, description), remove (one without hosts, VMs and VM pools). A data
center's clusters are listed at ``/api/datacenters/{id}/clusters``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.clusters.schemas import ClusterSchema, ClusterUpdateSchema
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import Cluster
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.clusters import ClusterService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("clusters", __name__, url_prefix="/api/clusters", description="Clusters")


def service() -> ClusterService:
    return ClusterService(engine_state().session_factory)


@blp.route("")
class ClusterViews(MethodView):
    @blp.action("read", "cluster")
    @blp.response(200, ClusterSchema(many=True))
    def get(self) -> Any:
        """List clusters"""
        with db_session() as session:
            query = visible_only(select(Cluster), "cluster").order_by(Cluster.name, Cluster.id)
            return session.scalars(listing.in_sql(query, {"name": Cluster.name})).all()

    @blp.action("create_cluster", "system")
    @blp.arguments(ClusterSchema)
    @blp.response(201, ClusterSchema)
    @blp.alt_response(409, description="A cluster of that name exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a cluster to a data center"""
        return service().add(data)


@blp.route("/<string:cluster_id>")
class ClusterByIdViews(MethodView):
    @blp.action("read", "cluster", by="cluster_id")
    @blp.response(200, ClusterSchema)
    def get(self, cluster_id: str) -> Any:
        """Get a cluster"""
        with db_session() as session:
            return ClusterService.get(session, cluster_id)

    @blp.action("edit_cluster_configuration", "cluster", by="cluster_id")
    @blp.arguments(ClusterUpdateSchema)
    @blp.response(200, ClusterSchema)
    @blp.alt_response(409, description="The name is taken, or the data center would change")
    def put(self, data: dict[str, Any], cluster_id: str) -> Any:
        """Change a cluster's name or description"""
        return service().update(cluster_id, data)

    @blp.action("delete_cluster", "cluster", by="cluster_id")
    @blp.response(204)
    @blp.alt_response(409, description="The cluster still has hosts, VMs or VM pools")
    def delete(self, cluster_id: str) -> None:
        """Remove a cluster (one without hosts, VMs and VM pools)"""
        service().remove(cluster_id)
