"""``/api/users``: the engine's users (HTTP Basic); passwords are write-only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host import listing
from ovirt_engine_host.api.users.schemas import UserSchema, UserUpdateSchema
from ovirt_engine_host.authorization import current_user, visible_only
from ovirt_engine_host.db.models import User
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.users import UserService
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("users", __name__, url_prefix="/api/users", description="Users")


def service() -> UserService:
    return UserService(engine_state().session_factory)


@blp.route("")
class UserViews(MethodView):
    @blp.action("read", "user")
    @blp.response(200, UserSchema(many=True))
    def get(self) -> Any:
        """List users"""
        with db_session() as session:
            return session.scalars(
                listing.in_sql(visible_only(select(User), "user").order_by(User.name, User.id), {"name": User.name})
            ).all()

    @blp.action("manipulate_users", "system")
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="A user of that name exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a user"""
        return service().add(data)


@blp.route("/<string:user_id>")
class UserByIdViews(MethodView):
    @blp.action("read", "user", by="user_id")
    @blp.response(200, UserSchema)
    def get(self, user_id: str) -> Any:
        """Get a user"""
        with db_session() as session:
            return UserService.get(session, user_id)

    @blp.action("manipulate_users", "user", by="user_id")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(409, description="The last administrator cannot be demoted")
    def put(self, data: dict[str, Any], user_id: str) -> Any:
        """Change a user's password or administrator flag"""
        return service().update(user_id, data)

    @blp.action("manipulate_users", "user", by="user_id")
    @blp.response(204)
    @blp.alt_response(409, description="The last administrator, or the account making the request")
    def delete(self, user_id: str) -> None:
        """Remove a user"""
        service().remove(user_id, getattr(current_user(), "id", None))
