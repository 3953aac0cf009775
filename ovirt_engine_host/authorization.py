"""Who may do what, decided in one place for the engine's and the plugins' endpoints.

Every view declares the action it performs and the type of object it performs it on
(``@blp.action("update", "disk", by="disk_id")``, see :class:`ovirt_engine_host.rest.Blueprint`).
Before the view runs, :func:`authorize_request` asks the ``ovirt_engine_permission`` hook (the
built-in :mod:`ovirt_engine_host.default_permissions` answers when no plugin does):

- ``deny``: 403, naming the user, the action and the object type;
- ``own``: the object the path names (``by``) must be the user's, else 404 as if it did not
  exist; lists are cut down to the user's objects (:func:`owned_only`); a body's reference to
  another's object is refused like an unknown one (:func:`require_visible`);
- ``allow``: the view runs.

A view that declares nothing is for administrators only (a test keeps every endpoint declared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import Select
from sqlalchemy.orm import Session

from ovirt_engine_host import references
from ovirt_engine_host.contract import Permission
from ovirt_engine_host.errors import Refused

ACTION_ATTRIBUTE = "_ovirt_action"
OPENAPI_EXTENSION = "x-ovirt-action"

Row = TypeVar("Row")


@dataclass(frozen=True)
class DeclaredAction:
    """What a view does: ``action`` on ``object_type``; ``by``: the path argument naming the object."""

    action: str
    object_type: str
    by: str | None = None


def current_user() -> Any:
    return g.get("current_user")


def _hooks() -> Any:
    return current_app.extensions["ovirt_engine"].hooks


def permission(action: str, object_type: str) -> Permission:
    """The current user's permission (no user: the engine itself, allowed)."""
    user = current_user()
    if user is None:
        return "allow"
    decided: Permission = _hooks().permission(user, action, object_type)
    return decided


def declared_action() -> DeclaredAction | None:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    found = getattr(method, ACTION_ATTRIBUTE, None)
    return found if isinstance(found, DeclaredAction) else None


def _owns(entity: Any) -> bool:
    user = current_user()
    return user is not None and getattr(entity, "owner_id", None) == user.id


def owned_only(query: Select[Row], model: Any) -> Select[Row]:
    """A list query cut down to what the current user may see of ``model``."""
    if g.get("ovirt_permission") == "own":
        return query.where(model.owner_id == current_user().id)
    return query


def require_visible(session: Session, kind: str, reference: Any, field: str | None = None) -> Any:
    """The object a body's reference names, refused alike whether it is missing or hidden."""
    found = references.resolve(session, kind, reference, field)
    decided = permission("read", kind)
    if decided == "deny" or (decided == "own" and not _owns(found)):
        described = references.KINDS[kind]
        raise Refused(400, f"{field or kind}: no {described.what} with id {getattr(found, 'id', reference)!r}")
    return found


def authorize_request() -> None:
    """A before-request hook (after authentication): the rule above, for every endpoint."""
    user = current_user()
    if user is None or request.endpoint is None:
        return
    declared = declared_action()
    if declared is None:
        if not user.administrator:
            raise Refused(403, f"{request.method} {request.path} is for administrators only")
        return
    decided = permission(declared.action, declared.object_type)
    what = declared.object_type.replace("_", " ")
    if decided == "deny":
        raise Refused(403, f"user {user.name} may not {declared.action} {what}s: an administrator may")
    g.ovirt_permission = decided
    if decided == "own" and declared.by and declared.object_type in references.KINDS:
        identifier = str((request.view_args or {}).get(declared.by, "")).split(";", 1)[0]  # oVirt's ;async
        session: Session = current_app.extensions["ovirt_engine"].session_factory()
        with session:
            found = references.find(session, declared.object_type, identifier)
            if found is not None and not _owns(found):
                raise Refused(404, f"{references.KINDS[declared.object_type].what} {identifier} not found")
