"""REST plumbing shared by the engine's and the plugins' resources.

- JSON by default, XML when ``Accept`` (or, without one, ``Content-Type``) asks for it: a
  resource's schema names its oVirt XML element (``xml_element``, and ``xml_collection`` for
  lists); views return plain data and the after-request hook turns the dumped JSON into
  schema-ordered XML (``ovirt_engine_host.representation``).
- Request bodies in XML are parsed safely (no DTD, no entities) into the same dict a JSON body
  gives, then validated by the same marshmallow schema: one set of rules for both.
- Errors, in the representation asked for: JSON ``{code, status, message, errors}`` or oVirt's
  ``<fault><reason/><detail/></fault>``.
- Every endpoint under ``/api`` but its documentation requires HTTP Basic or an SSO bearer token
  (``Authorization: Bearer``, from ``/ovirt-engine/sso/oauth/token``).
- Every collection (a response schema with ``many=True``) takes oVirt's ``max`` and ``search``
  (:mod:`ovirt_engine_host.listing`): in SQL when its view says how (``listing.in_sql``), else
  on the items the view returns. A view may return a :class:`~.api.row_lists.RowList` instead
  of objects: the answer is assembled from each row's cached representation.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

import flask_smorest
import marshmallow as ma
from flask import Flask, Request, Response, g, request
from flask_smorest.utils import get_appcontext
from marshmallow import missing
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ovirt_engine_host import listing
from ovirt_engine_host.api import row_lists
from ovirt_engine_host.authorization import ACTION_ATTRIBUTE, OPENAPI_EXTENSION, DeclaredAction
from ovirt_engine_host.representation import XmlRejected, from_xml, to_xml, to_xml_collection, wants_xml
from ovirt_engine_host.xml_text import NOT_IN_XML, xml_safe

XML_MIMETYPES = {"application/xml", "text/xml"}
LOG = logging.getLogger(__name__)
PUBLIC_PATHS = ("/api/openapi.json", "/api/docs")
PUBLIC_PREFIXES = ("/api/docs/",)
"""The documentation, with Swagger UI's assets under ``/api/docs/``: whole path segments, so
``/api/docsomething`` is not public."""


def _is_xml(mimetype: str | None) -> bool:
    return (mimetype or "").split(";")[0].strip() in XML_MIMETYPES


class BodyParser(FlaskParser):
    """webargs' Flask parser that also reads XML bodies (for schemas that name an element)."""

    def load_json(self, req: Request, schema: ma.Schema) -> Any:
        if not req.get_data(cache=True).strip():
            # oVirt's SDK sends its Content-Type on every request, a bodiless DELETE's too: no
            # body is an absent one, whatever the header says (as webargs treats empty JSON)
            return missing
        if _is_xml(req.mimetype):
            element: str | None = getattr(schema, "xml_element", None)
            if element is None:
                flask_smorest.abort(415, message="this resource accepts JSON bodies only")
                raise AssertionError("abort raises")
            try:
                return from_xml(req.get_data(cache=True), element)
            except XmlRejected as error:
                flask_smorest.abort(400, message=str(error))
        if req.content_length and not req.is_json:
            flask_smorest.abort(
                415, message=f"unsupported Content-Type {req.mimetype!r}: send application/json or application/xml"
            )
        data = super().load_json(req, schema)
        where = _text_xml_cannot_carry(data)
        if where is not None:  # what is stored is shown in JSON and in XML alike: refused before any write
            flask_smorest.abort(422, message=f"{where}: has characters that XML cannot carry (control characters)")
        return data


def _text_xml_cannot_carry(value: Any, path: str = "") -> str | None:
    """Where a JSON body holds text that XML 1.0 cannot carry (a key or a value), or None."""
    if isinstance(value, str):
        return (path or "body") if NOT_IN_XML.search(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and NOT_IN_XML.search(key):
            return path or "body"
        found = _text_xml_cannot_carry(item, where)
        if found is not None:
            return found
    return None


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with XML bodies and XML responses, and the declaration of what
    each view does (:meth:`action`). Plugins get it as ``services.Blueprint``."""

    ARGUMENTS_PARSER = BodyParser()

    def action(self, group: str, object_type: str, *, by: str | None = None) -> Callable[..., Any]:
        """Declare what the view needs, for :mod:`ovirt_engine_host.authorization`: the action
        ``group`` (oVirt's: ``create_disk``, ``vm_basic_operations``…, or ``read`` to see the
        object) on ``object_type`` (oVirt's element name: ``disk``, ``vm``, ``system``…);
        ``by``: the path argument naming the object, or ``"body"`` when the request's body names
        it. The declaration is in the OpenAPI document too (``x-ovirt-action``)."""
        declared = DeclaredAction(group, object_type, by)
        document = self.doc(**{OPENAPI_EXTENSION: {"action_group": group, "object": object_type, "by": by}})

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            setattr(func, ACTION_ATTRIBUTE, declared)
            documented: Callable[..., Any] = document(func)
            return documented

        return decorator

    def response(self, status_code: int | str, schema: Any = None, **kwargs: Any) -> Callable[..., Any]:
        decorator = super().response(status_code, schema, **kwargs)
        element = _xml_element_of(schema)
        collection = bool(getattr(schema() if isinstance(schema, type) else schema, "many", False))

        def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
            inner = decorator(_listed(func, schema, element[0] if element else None) if collection else func)
            if collection:
                inner = self.doc(parameters=LIST_PARAMETERS)(inner)

            def view(*args: Any, **view_kwargs: Any) -> Any:
                g.ovirt_xml_element = element
                return inner(*args, **view_kwargs)

            view.__name__ = inner.__name__
            view.__doc__ = inner.__doc__
            view.__dict__.update(inner.__dict__)
            return view

        return wrap


LIST_PARAMETERS = [
    {
        "name": "max",
        "in": "query",
        "required": False,
        "description": "At most this many items, the first of the collection's order (-1: all).",
        "schema": {"type": "integer", "minimum": -1, "maximum": listing.MAX_LIMIT},
    },
    {
        "name": "search",
        "in": "query",
        "required": False,
        "description": "oVirt's search: field=value (or !=), joined by 'and'; '*' matches anything, "
        "case is ignored (name=web* and status=ok).",
        "schema": {"type": "string"},
    },
]


def _listed(func: Callable[..., Any], schema: Any, xml_collection: str | None) -> Callable[..., Any]:
    """A collection view taking ``max`` and ``search``: parsed before the view runs (a 400
    naming the parameter when they cannot be understood); applied on what the view returns,
    unless it applied them in SQL."""
    instance = schema() if isinstance(schema, type) else schema
    fields = getattr(instance, "search_fields", None) or listing.DEFAULT_SEARCH_FIELDS

    @functools.wraps(func)
    def view(*args: Any, **kwargs: Any) -> Any:
        g.ovirt_listing = listing.parse(request.args)
        g.ovirt_listing_applied = False
        result = func(*args, **kwargs)
        if isinstance(result, row_lists.RowList):
            return row_lists.render(result, instance, xml_collection, client_wants_xml())
        if g.ovirt_listing_applied or isinstance(result, Response):
            return result
        return listing.filter_items(result, g.ovirt_listing, fields)

    return view


def _xml_element_of(schema: Any) -> tuple[str, bool] | None:
    """(element, is_collection) for a response schema, or None when it has no XML form."""
    if schema is None:
        return None
    instance = schema() if isinstance(schema, type) else schema
    if getattr(instance, "many", False):
        collection = getattr(instance, "xml_collection", None)
        return (collection, True) if collection else None
    element = getattr(instance, "xml_element", None)
    return (element, False) if element else None


def client_wants_xml() -> bool:
    return wants_xml(request.headers.get("Accept"), request.headers.get("Content-Type"))


def convert_response_to_xml(response: Response) -> Response:
    """After a view: the JSON a schema dumped becomes XML when the client asked for XML."""
    element = g.pop("ovirt_xml_element", None)
    if element is None or not client_wants_xml() or response.mimetype != "application/json":
        return response
    dumped = get_appcontext().get("result_dump")
    if dumped is None:
        return response
    name, is_collection = element
    body = to_xml_collection(name, dumped) if is_collection else to_xml(name, dumped)
    response.set_data(body)
    response.mimetype = "application/xml"
    return response


def _flatten(errors: Any, path: str = "") -> list[str]:
    """webargs' nested {location: {field: [messages]}} as "field: message" lines."""
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            if key in {"json", "query", "form", "headers", "path", "_schema"} and not path:
                lines += _flatten(value, "")
            else:
                lines += _flatten(value, f"{path}.{key}" if path else str(key))
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _flatten(item, path)]
    return [f"{path}: {errors}" if path else str(errors)]


def fault(code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None) -> Response:
    """oVirt's ``<fault>`` in XML, or flask-smorest's error document in JSON."""
    headers = dict(headers or {})
    if code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="ovirt-engine"'
    reason = HTTP_STATUS_CODES.get(code, "Error")
    if client_wants_xml():
        detail = message if not errors else f"{message}: {json.dumps(errors, sort_keys=True)}"
        body = to_xml("fault", {"reason": reason, "detail": xml_safe(detail)})
        return Response(body, status=code, mimetype="application/xml", headers=headers)
    payload: dict[str, Any] = {"code": code, "status": reason, "message": message}
    if errors:
        payload["errors"] = errors
    return Response(json.dumps(payload), status=code, mimetype="application/json", headers=headers)


def render_http_error(error: HTTPException) -> Response:
    """flask-smorest's ``abort`` and werkzeug's errors; a validation error's message names each field."""
    data = getattr(error, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    message = (
        data.get("message") or ("; ".join(_flatten(errors)) if errors else None) or error.description or error.name
    )
    return fault(error.code or 500, str(message), errors, dict(data.get("headers") or {}))


def render_validation_error(error: ma.ValidationError) -> Response:
    """A schema that refused data inside a view (a nested body part loaded there): 422, as for bodies."""
    errors = error.normalized_messages()  # type: ignore[no-untyped-call]
    return fault(422, "; ".join(_flatten(errors)), errors)


def render_exception(error: Exception) -> Response:
    """The one error path for the service layer and the plugins: an exception that carries the
    contract's ``status`` (an HTTP status, 400-599) answers with it and its message; anything
    else is a bug of ours, logged with its traceback and answered 500 without details."""
    status = getattr(error, "status", None)
    if isinstance(status, int) and 400 <= status <= 599:
        return fault(status, str(error) or type(error).__name__)
    LOG.exception("unexpected error serving %s %s", request.method, request.path)
    return fault(500, "internal error: the engine's log has the details")


class Credentials(Protocol):
    """What :func:`require_authentication` checks credentials with (the engine's
    :class:`~ovirt_engine_host.access.logins.Logins`): each method answers the user, or raises
    an error carrying ``status`` (401, 429), which :func:`render_exception` answers."""

    def basic(self, name: str, password: str) -> Any: ...

    def bearer(self, token: str) -> Any: ...


def require_authentication(credentials: Credentials) -> Callable[[], None]:
    """A before-request hook: HTTP Basic or an SSO bearer token, for all of ``/api`` but its docs."""

    def check() -> None:
        public = request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES)
        if public or not request.path.startswith("/api"):
            return
        sent = request.authorization
        if sent is None or sent.type not in {"basic", "bearer"}:
            flask_smorest.abort(401, message="authentication required (HTTP Basic or an SSO bearer token)")
            return
        if sent.type == "bearer":
            g.current_user = credentials.bearer(sent.token or "")
        else:
            g.current_user = credentials.basic(sent.username or "", sent.password or "")

    return check


def install(app: Flask) -> None:
    """XML answers and the error handlers, for the engine's and the plugins' blueprints alike
    (after flask-smorest's ``Api``, whose own HTTP error handler these replace)."""
    app.after_request(convert_response_to_xml)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(ma.ValidationError, render_validation_error)
    app.register_error_handler(Exception, render_exception)


def represent(element: str, data: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    """A response outside a view's declared schema (e.g. a 202 carrying the job): ``data`` is
    already dumped; JSON, or XML as the client asked."""
    if client_wants_xml():
        return Response(to_xml(element, data), status=status, mimetype="application/xml", headers=headers)
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=headers)
