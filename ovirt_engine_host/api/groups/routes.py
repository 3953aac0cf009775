"""``/api/groups``: local groups (list, add, get, remove) and ``/api/groups/{id}/users``, their
members (list, add, remove). A permission given to a group holds for each of its members."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.groups.schemas import GroupSchema, MemberSchema
from ovirt_engine_host.api.shared import access_service
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import Group, GroupMember, User
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("groups", __name__, url_prefix="/api/groups", description="Groups of users")


@blp.route("")
class GroupViews(MethodView):
    @blp.action("read", "group")
    @blp.response(200, GroupSchema(many=True))
    def get(self) -> Any:
        """List groups"""
        with db_session() as session:
            query = visible_only(select(Group), "group").order_by(Group.name, Group.id)
            return session.scalars(listing.in_sql(query, {"name": Group.name})).all()

    @blp.action("manipulate_users", "system")
    @blp.arguments(GroupSchema)
    @blp.response(201, GroupSchema)
    @blp.alt_response(409, description="A group of that name exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a group"""
        return access_service().add_group(data["name"])


@blp.route("/<string:group_id>")
class GroupByIdViews(MethodView):
    @blp.action("read", "group", by="group_id")
    @blp.response(200, GroupSchema)
    def get(self, group_id: str) -> Any:
        """Get a group"""
        with db_session() as session:
            return access_service().group(session, group_id)

    @blp.action("manipulate_users", "group", by="group_id")
    @blp.response(204)
    @blp.alt_response(409, description="The group holds the last SuperUser permission on the system")
    def delete(self, group_id: str) -> None:
        """Remove a group (its permissions go with it)"""
        access_service().remove_group(group_id)


@blp.route("/<string:group_id>/users")
class MemberViews(MethodView):
    @blp.action("read", "group", by="group_id")
    @blp.response(200, MemberSchema(many=True))
    def get(self, group_id: str) -> Any:
        """List a group's members"""
        with db_session() as session:
            group = access_service().group(session, group_id)
            query = (
                select(User).join(GroupMember, GroupMember.user_id == User.id).where(GroupMember.group_id == group.id)
            )
            return session.scalars(listing.in_sql(query.order_by(User.name, User.id), {"name": User.name})).all()

    @blp.action("manipulate_users", "group", by="group_id")
    @blp.arguments(MemberSchema)
    @blp.response(201, MemberSchema)
    @blp.alt_response(409, description="The user is a member already")
    def post(self, data: dict[str, Any], group_id: str) -> Any:
        """Add a user to the group"""
        return access_service().add_member(group_id, data)


@blp.route("/<string:group_id>/users/<string:user_id>")
class MemberByIdViews(MethodView):
    @blp.action("manipulate_users", "group", by="group_id")
    @blp.response(204)
    def delete(self, group_id: str, user_id: str) -> None:
        """Remove a user from the group"""
        access_service().remove_member(group_id, user_id)
