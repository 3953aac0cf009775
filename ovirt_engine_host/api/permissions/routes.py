"""Permissions: ``/api/permissions`` (given on the system) and ``/api/{collection}/{id}/permissions``
on every object type of the access model (data centers, storage domains, disks, VMs, templates,
VM pools, hosts, and the plugins' types such as OpenStack volume providers): list, add
``<permission><role id|name/><user id|name/></permission>`` (or ``<group/>``), get, remove.
``/api/users/{id}/permissions`` and ``/api/groups/{id}/permissions`` list what a user or group
holds. Seeing the object lets one list its permissions; changing them takes
``manipulate_permissions`` on it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import Select, select

from ovirt_engine_host import listing
from ovirt_engine_host.access.roles import SYSTEM
from ovirt_engine_host.access.tree import AccessModel
from ovirt_engine_host.api.permissions.schemas import OBJECT_TYPES, PermissionSchema
from ovirt_engine_host.api.shared import access_service
from ovirt_engine_host.authorization import BODY, authorize, authorized_object_id, current_user, require_permitted
from ovirt_engine_host.db.models import Permission
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session, engine_state


def shown(permissions: list[Permission], collection_path: str) -> list[Permission]:
    for permission in permissions:
        permission.collection_path = collection_path  # type: ignore[attr-defined]
    return permissions


def object_id_of(object_type: str, identifier: str) -> str:
    """The object's id (a path may name it by name); it was found by the request's check."""
    if object_type == SYSTEM:
        return SYSTEM
    return authorized_object_id() or identifier


def listed(query: Select[Any]) -> Any:
    with db_session() as session:
        query = listing.in_sql(query.order_by(Permission.created, Permission.id), {})
        return list(session.scalars(query))


def add_routes(blp: Blueprint, object_type: str, path: str, what: str) -> None:
    """The four views of one object type's permissions at ``path``."""
    on_object = {"by": "object_id"} if object_type != SYSTEM else {}
    reading = "read" if object_type != SYSTEM else "manipulate_permissions"
    target = object_type

    class PermissionViews(MethodView):
        @blp.action(reading, target, **on_object)
        @blp.response(200, PermissionSchema(many=True))
        def get(self, object_id: str = SYSTEM) -> Any:
            found = object_id_of(target, object_id)
            query = select(Permission).where(Permission.object_type == target, Permission.object_id == found)
            return shown(listed(query), path.replace("<string:object_id>", object_id))

        @blp.action("manipulate_permissions", target, **on_object)
        @blp.arguments(PermissionSchema)
        @blp.response(201, PermissionSchema)
        @blp.alt_response(409, description="The permission exists")
        def post(self, data: dict[str, Any], object_id: str = SYSTEM) -> Any:
            found = object_id_of(target, object_id)
            permission = access_service().add_permission(target, found, data, current_user().administrator)
            return shown([permission], path.replace("<string:object_id>", object_id))[0]

    class PermissionByIdViews(MethodView):
        @blp.action(reading, target, **on_object)
        @blp.response(200, PermissionSchema)
        def get(self, permission_id: str, object_id: str = SYSTEM) -> Any:
            found = object_id_of(target, object_id)
            with db_session() as session:
                permission = access_service().permission(session, target, found, permission_id)
            return shown([permission], path.replace("<string:object_id>", object_id))[0]

        @blp.action("manipulate_permissions", target, **on_object)
        @blp.response(204)
        @blp.alt_response(409, description="The last SuperUser permission on the system")
        def delete(self, permission_id: str, object_id: str = SYSTEM) -> None:
            access_service().remove_permission(target, object_id_of(target, object_id), permission_id)

    PermissionViews.get.__doc__ = f"List the permissions given on {what}"
    PermissionViews.post.__doc__ = f"Give a role to a user or a group on {what}"
    PermissionByIdViews.get.__doc__ = f"Get a permission given on {what}"
    PermissionByIdViews.delete.__doc__ = f"Remove a permission given on {what}"
    blp.route(path, endpoint=f"{object_type}_permissions")(PermissionViews)
    blp.route(f"{path}/<string:permission_id>", endpoint=f"{object_type}_permission")(PermissionByIdViews)


def object_named(data: dict[str, Any]) -> tuple[str, Any]:
    """(object type, reference) of the object a holder's permission body names; none: the system."""
    known = engine_state().access.types
    named = {OBJECT_TYPES.get(key, key): value for key, value in data.items() if key not in {"role", "user", "group"}}
    unknown = sorted(set(named) - set(known))
    if unknown:
        raise Refused(422, f"{unknown[0]}: not an object permissions are given on")
    if len(named) > 1:
        raise Refused(422, f"{sorted(named)[1]}: a permission is given on one object")
    return next(iter(named.items()), (SYSTEM, SYSTEM))


def add_holder_routes(blp: Blueprint, holder: str, column: Any) -> None:
    """``/api/{users|groups}/{id}/permissions``: what a user or a group holds, and a role given
    to him on the object the body names (``manipulate_permissions`` on it)."""

    class HeldViews(MethodView):
        @blp.action("read", holder, by="holder_id")
        @blp.response(200, PermissionSchema(many=True))
        def get(self, holder_id: str) -> Any:
            found = authorized_object_id() or holder_id
            return shown(listed(select(Permission).where(column == found)), "/api/permissions")

        @blp.action("manipulate_permissions", "system", by=BODY)
        @blp.arguments(PermissionSchema)
        @blp.response(201, PermissionSchema)
        @blp.alt_response(409, description="The permission exists")
        def post(self, data: dict[str, Any], holder_id: str) -> Any:
            kind, reference = object_named(data)
            with db_session() as session:
                found = authorize(session, "read", holder, holder_id)
                if found is None:
                    raise Refused(404, f"{holder} {holder_id} not found")
                if kind == SYSTEM:
                    authorize(session, "manipulate_permissions", SYSTEM, SYSTEM)
                    object_id = SYSTEM
                else:
                    object_id = require_permitted(session, kind, reference, "manipulate_permissions")
            body = {"role": data["role"], holder: {"id": found}}
            permission = access_service().add_permission(kind, object_id, body, current_user().administrator)
            return shown([permission], "/api/permissions")[0]

    HeldViews.get.__doc__ = f"List the permissions a {holder} holds"
    HeldViews.post.__doc__ = f"Give a role to a {holder} on the object the body names (none: the system)"
    blp.route(f"/api/{holder}s/<string:holder_id>/permissions", endpoint=f"{holder}_held_permissions")(HeldViews)


def create_blueprint(model: AccessModel) -> Blueprint:
    """The permissions of every object type this application knows (the plugins' included)."""
    blp = Blueprint("permissions", __name__, description="Permissions: roles given on objects")
    add_routes(blp, SYSTEM, "/api/permissions", "the system")
    for object_type in model.types.values():
        if object_type.collection:
            add_routes(blp, object_type.name, f"/api/{object_type.collection}/<string:object_id>/permissions",
                       f"a {object_type.words}")  # fmt: skip
    add_holder_routes(blp, "user", Permission.user_id)
    add_holder_routes(blp, "group", Permission.group_id)
    return blp
