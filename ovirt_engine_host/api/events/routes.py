"""``/api/events``: the audit log, newest first (oVirt's events): what was changed, by whom, on
what, and how it ended. A user sees the events recorded for him; an administrator all of them,
unless he sends oVirt's ``Filter: true`` (``authorization.visible_only``, in the same SELECT)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import String, cast, select

from ovirt_engine_host import listing
from ovirt_engine_host.api.events.schemas import EventListArgs, EventSchema
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import Event
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("events", __name__, url_prefix="/api/events", description="Events (the audit log)")

SEARCH_COLUMNS: listing.Columns = {
    "severity": Event.severity, "code": cast(Event.code, String), "user": Event.user_name,
    "user.name": Event.user_name, "description": Event.description, "correlation_id": Event.correlation_id,
}  # fmt: skip


@blp.route("")
class EventViews(MethodView):
    @blp.action("read", "event")
    @blp.arguments(EventListArgs, location="query")
    @blp.response(200, EventSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """List events, newest first (``from``: only those after an event)"""
        query = visible_only(select(Event), "event")
        if args["from_"] is not None:
            query = query.where(Event.id > args["from_"])
        with db_session() as session:
            return session.scalars(listing.in_sql(query.order_by(Event.id.desc()), SEARCH_COLUMNS)).all()


@blp.route("/<int:event_id>")
class EventByIdViews(MethodView):
    @blp.action("read", "event", by="event_id")
    @blp.response(200, EventSchema)
    @blp.alt_response(404, description="No such event, or another user's")
    def get(self, event_id: int) -> Any:
        """Get an event"""
        with db_session() as session:
            event = session.scalar(visible_only(select(Event).where(Event.id == event_id), "event"))
        if event is None:
            raise Refused(404, f"event {event_id} not found")
        return event
