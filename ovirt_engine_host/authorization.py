"""Who may do what, decided in one place for the engine's and the plugins' endpoints.

Every view declares the action group it needs and the object it acts on
(``@blp.action("delete_disk", "disk", by="disk_id")``, see :class:`ovirt_engine_host.rest.Blueprint`;
``read`` asks only to see the object). Before the view runs, :func:`authorize_request` reads, in
one SQL statement, whether the object exists, whether the user may see it and whether a role of
his holds the group on it or above it (:mod:`ovirt_engine_host.access.tree`), and asks the
``ovirt_engine_permission`` hook to decide (the built-in :mod:`ovirt_engine_host.default_permissions`
answers when no plugin does):

- ``hide``: 404, as if the object did not exist (no existence leak);
- ``deny``: 403, naming the user, the missing action group and the object;
- ``allow``: the view runs.

``by``: the path argument naming the object (its id or its name); none with the type ``system``:
the whole system; ``by=BODY``: the object is named in the request's body, and the view checks it
with :func:`require_permitted` once the body is read (the hook is asked then). A list (``read``
with no ``by``) is cut down in SQL to what the user may see (:func:`visible_only`).

Filtered mode: a user who holds no administrative role, or any user sending ``Filter: true``,
sees only what a permission shows him; an administrator otherwise sees everything (and still
acts only where his roles allow). A view that declares nothing is for administrators only (a
test keeps every endpoint declared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session

from ovirt_engine_host import references
from ovirt_engine_host.access.roles import READ, SYSTEM
from ovirt_engine_host.access.tree import AccessModel, Grants
from ovirt_engine_host.contract import AccessFacts, AccessTarget
from ovirt_engine_host.db.models import Event, Job
from ovirt_engine_host.errors import Refused

ACTION_ATTRIBUTE = "_ovirt_action"
OPENAPI_EXTENSION = "x-ovirt-action"
BODY = "body"
"""``by=BODY``: the object is named in the request body (checked by the view)."""
OPEN_TYPES = frozenset({"api"})
"""What every authenticated user may read: the API's front door."""
OWNED: dict[str, Any] = {"job": Job.owner_id, "event": Event.user_id}
"""Records that belong to the user they were made for (a job, an event): seen by him and, out
of filtered mode, by administrators; nobody is given a permission on them."""

Row = TypeVar("Row")


@dataclass(frozen=True)
class DeclaredAction:
    """What a view does: ``group`` (an action group, or ``read``) on an ``object_type``;
    ``by``: the path argument naming the object, or :data:`BODY`."""

    group: str
    object_type: str
    by: str | None = None


def current_user() -> Any:
    return g.get("current_user")


def access_model() -> AccessModel:
    model: AccessModel = current_app.extensions["ovirt_engine"].access
    return model


def _hooks() -> Any:
    return current_app.extensions["ovirt_engine"].hooks


def filtered() -> bool:
    """Whether this request sees only what permissions show (see the module's docstring)."""
    user = current_user()
    if user is None:
        return False
    return not user.administrator or request.headers.get("Filter", "").strip().lower() == "true"


def declared_action() -> DeclaredAction | None:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    found = getattr(method, ACTION_ATTRIBUTE, None)
    return found if isinstance(found, DeclaredAction) else None


# -- one object ---------------------------------------------------------------------------------


def facts(session: Session, group: str, object_type: str, identifier: str) -> tuple[AccessFacts, Any]:
    """(what the permissions say of one object, its id) in one SQL statement; the object is
    named by its id, or else by its name."""
    user = current_user()
    model = access_model()
    sees_all = not filtered()
    if object_type == SYSTEM:
        granted = model.covers(SYSTEM, model.acting(user.id, group)) if group != READ else model.always(True)
        return AccessFacts(True, True, bool(session.scalar(select(granted))), filtered()), SYSTEM
    if object_type in OWNED:
        owner = OWNED[object_type]
        table = owner.class_
        try:  # an event's id is a number: compared as one (PostgreSQL compares no integer with text)
            key = table.id.type.python_type(identifier)
        except ValueError:
            return AccessFacts(False, False, False, filtered()), None
        row = session.execute(select(table.id, owner).where(table.id == key)).first()
        mine = row is not None and (sees_all or row[1] == user.id)
        return AccessFacts(row is not None, mine, mine, filtered()), row[0] if row else None
    kind = model.types[object_type]
    visible = model.always(True) if sees_all else model.sees(object_type, user.id)
    granted = model.always(True) if group == READ else model.covers(object_type, model.acting(user.id, group))
    found = session.execute(
        select(kind.id_column, visible, granted).where(model.named(object_type, identifier)).limit(1)
    ).first()
    if found is None:
        return AccessFacts(False, False, False, filtered()), None
    return AccessFacts(True, bool(found[1]), bool(found[2]), filtered()), found[0]


def decide(group: str, object_type: str, object_id: str | None, known: AccessFacts) -> str:
    """The hook's decision on one object (``allow``, ``deny`` or ``hide``)."""
    kind = access_model().types.get(object_type)
    target = AccessTarget(object_type, object_id, kind is not None and kind.administrative)
    decision: str = _hooks().permission(current_user(), group, target, known)
    return decision


def refuse(decision: str, group: str, object_type: str, identifier: str) -> None:
    """The refusal of a decision: 404 as if missing, or 403 naming user, group and object."""
    what = object_type.replace("_", " ")
    if decision == "hide":
        raise Refused(404, f"{what} {identifier} not found")
    if decision != "allow":
        user = current_user()
        named = "the system" if object_type == SYSTEM else f"{what} {identifier}"
        raise Refused(403, f"user {user.name} lacks the action group {group} on {named}")


def authorize(session: Session, group: str, object_type: str, identifier: str) -> Any:
    """Decide for one object named by id or name; refuse (404/403) or return its id."""
    known, object_id = facts(session, group, object_type, identifier)
    if not known.exists:
        return None  # the view answers its own 404, in its own words
    refuse(decide(group, object_type, object_id, known), group, object_type, identifier)
    return object_id


def require_permitted(session: Session, kind: str, reference: Any, group: str, field: str | None = None) -> str:
    """The id of the object a body's reference names (by id or name), checked like a path's in
    the same one statement: missing, or hidden from the user, is a 400 naming the field; seen
    but the group is not his, a 403."""
    field = field or kind
    described = references.KINDS[kind]
    value = references.reference_value(reference)
    if value is None:
        raise Refused(422, f"{field}: give the {described.what}'s id or name")
    by, text = value
    user = current_user()
    known, object_id = facts(session, group, kind, text) if user is not None else (None, text)
    decision = decide(group, kind, object_id, known) if known is not None and known.exists else "hide"
    if known is not None and (decision == "hide" or not (known.visible or decision == "allow")):
        raise Refused(400, f"{field}: no {described.what} with {by} {text!r}")
    refuse(decision if known is not None else "allow", group, kind, text)
    return str(object_id)


# -- lists --------------------------------------------------------------------------------------


def visible_condition(object_type: str) -> ColumnElement[bool] | None:
    """The condition a list of ``object_type`` is cut down by (None: the user sees all)."""
    user = current_user()
    if user is None or not filtered():
        return None
    if object_type in OWNED:
        owned: ColumnElement[bool] = OWNED[object_type] == user.id
        return owned
    return access_model().sees(object_type, user.id)


def visible_only(query: Select[Row], object_type: str) -> Select[Row]:
    """A list query cut down in SQL to what the current user may see of ``object_type``."""
    condition = visible_condition(object_type)
    return query if condition is None else query.where(condition)


def _holds_somewhere(session: Session, group: str) -> bool:
    model = access_model()
    grants: Grants = model.acting(current_user().id, group)
    return bool(session.scalar(select(exists(model.permissions_where(grants.held(grants.own))))))


# -- the before-request hook --------------------------------------------------------------------


def authorize_request() -> None:
    """A before-request hook (after authentication): the rules above, for every endpoint."""
    user = current_user()
    if user is None or request.endpoint is None:
        return
    declared = declared_action()
    if declared is None:
        if not user.administrator:
            raise Refused(403, f"{request.method} {request.path} is for administrators only")
        return
    if declared.object_type in OPEN_TYPES:
        return
    model = access_model()
    kind = model.types.get(declared.object_type)
    if declared.group == READ and declared.by is None:
        if kind is not None and kind.administrative and not user.administrator and declared.object_type != "user":
            raise Refused(403, f"user {user.name} may not list {kind.words}s: it is an administrative resource")
        return  # a list: the view cuts it down (visible_only)
    session: Session = current_app.extensions["ovirt_engine"].session_factory()
    with session:
        if declared.by == BODY:
            if not _holds_somewhere(session, declared.group):
                raise Refused(403, f"user {user.name} lacks the action group {declared.group} on any object")
            return
        identifier = SYSTEM
        if declared.by is not None:
            identifier = str((request.view_args or {}).get(declared.by, "")).split(";", 1)[0]  # oVirt's ;async
        g.ovirt_object_id = authorize(session, declared.group, declared.object_type, identifier)


def authorized_object_id() -> str | None:
    """The id of the object the request's path named, as its check found it (a path may name
    it by name): the view needs not look it up again."""
    found: str | None = g.get("ovirt_object_id")
    return found
