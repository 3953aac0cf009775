"""``/api/roles`` (list, get, add, update and remove custom roles; the predefined ones are
read-only) and ``/api/roles/{id}/permits`` (a role's action groups: list, add, remove)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.roles.schemas import PermitSchema, RoleSchema, RoleUpdateSchema
from ovirt_engine_host.api.shared import access_service
from ovirt_engine_host.authorization import visible_only
from ovirt_engine_host.db.models import Role
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("roles", __name__, url_prefix="/api/roles", description="Roles and their action groups")


@blp.route("")
class RoleViews(MethodView):
    @blp.action("read", "role")
    @blp.response(200, RoleSchema(many=True))
    def get(self) -> Any:
        """List roles"""
        with db_session() as session:
            query = listing.in_sql(visible_only(select(Role), "role").order_by(Role.name, Role.id), {"name": Role.name})
            return access_service().roles(session, query)

    @blp.action("manipulate_roles", "system")
    @blp.arguments(RoleSchema)
    @blp.response(201, RoleSchema)
    @blp.alt_response(409, description="A role of that name exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a custom role with its action groups (``permits``)"""
        return access_service().add_role(data)


@blp.route("/<string:role_id>")
class RoleByIdViews(MethodView):
    @blp.action("read", "role", by="role_id")
    @blp.response(200, RoleSchema)
    def get(self, role_id: str) -> Any:
        """Get a role"""
        with db_session() as session:
            access = access_service()
            return access.shown(session, access.role(session, role_id))

    @blp.action("manipulate_roles", "role", by="role_id")
    @blp.arguments(RoleUpdateSchema)
    @blp.response(200, RoleSchema)
    @blp.alt_response(409, description="A predefined role, or a role of that name exists")
    def put(self, data: dict[str, Any], role_id: str) -> Any:
        """Change a custom role"""
        return access_service().update_role(role_id, data)

    @blp.action("manipulate_roles", "role", by="role_id")
    @blp.response(204)
    @blp.alt_response(409, description="A predefined role, or a role still given to someone")
    def delete(self, role_id: str) -> None:
        """Remove a custom role"""
        access_service().remove_role(role_id)


def _permit(name: str) -> SimpleNamespace:
    return SimpleNamespace(id=name, name=name, administrative=False)


@blp.route("/<string:role_id>/permits")
class PermitViews(MethodView):
    @blp.action("read", "role", by="role_id")
    @blp.response(200, PermitSchema(many=True))
    def get(self, role_id: str) -> Any:
        """List a role's action groups"""
        with db_session() as session:
            access = access_service()
            return [_permit(p) for p in access.shown(session, access.role(session, role_id)).permits]

    @blp.action("manipulate_roles", "role", by="role_id")
    @blp.arguments(PermitSchema)
    @blp.response(201, PermitSchema)
    @blp.alt_response(409, description="A predefined role, or the role holds the group")
    def post(self, data: dict[str, Any], role_id: str) -> Any:
        """Add an action group to a custom role"""
        return _permit(access_service().add_permit(role_id, data["id"]))


@blp.route("/<string:role_id>/permits/<string:permit>")
class PermitByIdViews(MethodView):
    @blp.action("manipulate_roles", "role", by="role_id")
    @blp.response(204)
    @blp.alt_response(409, description="A predefined role, or the role's last action group")
    def delete(self, role_id: str, permit: str) -> None:
        """Remove an action group from a custom role"""
        access_service().remove_permit(role_id, permit)
