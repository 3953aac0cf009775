"""``/api/datacenters``: list, add, get, remove."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ovirt_engine_host import listing
from ovirt_engine_host.api.common import get_or_404
from ovirt_engine_host.api.datacenters.schemas import DataCenterSchema
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import DataCenter, Host, StorageDomain, Vm
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

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
    @blp.alt_response(409, description="The data center still has storage domains, hosts or VMs")
    def delete(self, data_center_id: str) -> None:
        """Remove a data center (one without storage domains, hosts and VMs)"""
        with db_session() as session:
            data_center = get_or_404(session, DataCenter, data_center_id, "data center")
            remaining = [
                what
                for model, what in ((StorageDomain, "storage domains"), (Host, "hosts"), (Vm, "VMs"))
                if session.scalar(select(model.id).where(model.data_center_id == data_center.id).limit(1))
            ]
            if remaining:
                flask_smorest.abort(409, message=f"the data center still has {' and '.join(remaining)}")
            session.delete(data_center)
            try:
                session.commit()
            except IntegrityError:  # something was added to it meanwhile
                flask_smorest.abort(409, message="the data center is in use: something was added to it meanwhile")
