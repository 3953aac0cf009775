"""Who may do what, decided in one place for the engine's and the plugins' endpoints.

Until roles and permissions exist, the rule is oVirt's simplest one:

- administrators may do everything;
- a blueprint declared ``administrative`` (providers, their keys and volume types, hosts, data
  centers, users) may be read by every user and changed only by administrators (403);
- disks and VMs belong to the user who created them: other users neither see them in lists nor
  reach them by id (404, as if they did not exist), and a disk they do not own cannot be attached.

The rule runs before every view (:func:`authorize_request`) from what the request names: the
blueprint, the method and the ``vm_id`` / ``disk_id`` in its path; lists ask :func:`owned_only`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import Select
from sqlalchemy.orm import Session

from ovirt_engine_host import references
from ovirt_engine_host.errors import Refused

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWNED_PATH_ARGUMENTS = {"vm_id": "vm", "disk_id": "disk"}
"""Path arguments that name an owned entity, and the reference kind that resolves them."""

Row = TypeVar("Row")


def current_user() -> Any:
    return g.get("current_user")


def is_administrator() -> bool:
    return bool(getattr(current_user(), "administrator", False))


def may_see(entity: Any) -> bool:
    """Whether the current user may see an owned entity (a disk, a VM)."""
    user = current_user()
    return user is None or user.administrator or getattr(entity, "owner_id", None) == user.id


def owned_only(query: Select[Row], model: Any) -> Select[Row]:
    """A list query cut down to what the current user may see."""
    user = current_user()
    if user is None or user.administrator:
        return query
    return query.where(model.owner_id == user.id)


def require_visible(session: Session, kind: str, reference: Any, field: str | None = None) -> Any:
    """The owned entity a reference names, refused alike whether it is missing or someone else's."""
    found = references.resolve(session, kind, reference, field)
    if not may_see(found):
        described = references.KINDS[kind]
        raise Refused(400, f"{field or kind}: no {described.what} with id {getattr(found, 'id', reference)!r}")
    return found


def require_administrator(what: str) -> None:
    if not is_administrator():
        raise Refused(403, f"only administrators may {what}")


def authorize_request() -> None:
    """A before-request hook (after authentication): the rule above, for every endpoint."""
    user = current_user()
    if user is None or user.administrator or request.endpoint is None:
        return
    blueprint = current_app.blueprints.get(request.blueprint or "")
    if request.method not in READ_METHODS and getattr(blueprint, "administrative", False):
        require_administrator(f"{request.method} {request.path}: the administrator flag is missing")
    arguments = request.view_args or {}
    for argument, kind in OWNED_PATH_ARGUMENTS.items():
        value = arguments.get(argument)
        if not value:
            continue
        identifier = str(value).split(";", 1)[0]  # oVirt's matrix parameters (…;async)
        session: Session = current_app.extensions["ovirt_engine"].session_factory()
        with session:
            found = references.find(session, kind, identifier)
            if found is not None and not may_see(found):
                raise Refused(404, f"{references.KINDS[kind].what} {identifier} not found")
