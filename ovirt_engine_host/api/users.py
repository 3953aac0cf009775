"""``/api/users``: the engine's users (HTTP Basic); passwords are write-only."""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ovirt_engine_host.api.common import ResourceSchema, get_or_404, name_field, require_administrator
from ovirt_engine_host.db.models import User
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import db_session

blp = Blueprint("users", __name__, url_prefix="/api/users", description="Users")


class UserSchema(ResourceSchema):
    xml_element = "user"
    xml_collection = "users"
    collection_path = "/api/users"

    user_name = name_field(255, required=True, attribute="name")
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=8, max=1024))
    administrator = ma.fields.Boolean(load_default=False, load_only=True)


@blp.route("")
class UserViews(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self) -> Any:
        """List users"""
        with db_session() as session:
            return session.scalars(select(User).order_by(User.name)).all()

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a user"""
        require_administrator()
        with db_session() as session:
            user = User(
                name=data["name"], password_hash=hash_password(data["password"]), administrator=data["administrator"]
            )
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                flask_smorest.abort(409, message=f"user_name: a user named {data['name']!r} exists")
            return user


@blp.route("/<string:user_id>")
class UserByIdViews(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: str) -> Any:
        """Get a user"""
        with db_session() as session:
            return get_or_404(session, User, user_id, "user")

    @blp.response(204)
    def delete(self, user_id: str) -> None:
        """Remove a user"""
        require_administrator()
        with db_session() as session:
            session.delete(get_or_404(session, User, user_id, "user"))
            session.commit()
