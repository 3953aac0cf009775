"""Every change made through the API becomes an event of the audit log (``/api/events``).

An after-request hook (:class:`AuditHook`, installed by ``create_app``) records one event for
each ``POST``, ``PUT`` and ``DELETE`` under ``/api`` by an authenticated user, whatever the
outcome: refusals are what an auditor looks for first. It writes in a short session of its
own, after the request's own writes were committed or rolled back, so a refused request leaves
its event and nothing else. GETs change nothing and are not recorded.

What is recorded: the user; the method and the path (never the query string nor the body:
they may carry a password or a key); the status (severity ``normal`` for 2xx and 3xx,
``warning`` for 4xx, ``error`` for 5xx); the object, from the endpoint's declaration (its
type, and the path argument naming it) or, for a ``201``, from the answer (the new object's
type, id and name); the correlation id, oVirt's ``Correlation-Id`` header, else the id of the
job the answer points at. The description is made of the user's name, the object's name or
id, the method, the path and the status only.

The change (its verb) is read from the method and the route: ``DELETE`` of the object's own
URL removes it, ``PUT`` on it updates it, a ``POST`` answered ``201`` (or a refused ``POST``
naming no object) adds one, anything else on an object (an action such as ``start``, a
sub-collection such as a VM's disks) changes it. A VM's snapshot and a permission on an object
are objects of their own (``DELETE /api/vms/{id}/permissions/{id}`` removes a permission).

Codes, stable (a base per object type plus the verb, plus 50 when refused or failed):

====================================  =====  ======  ======  ======
object type                           add    update  remove  change
====================================  =====  ======  ======  ======
data_center                           2001   2002    2003    2004
storage_domain                        2101   2102    2103    2104
host                                  2201   2202    2203    2204
disk                                  2301   2302    2303    2304
vm                                    2401   2402    2403    2404
template                              2501   2502    2503    2504
vm_pool                               2601   2602    2603    2604
user                                  2701   2702    2703    2704
openstack_volume_provider             2801   2802    2803    2804
openstack_volume_type                 2901   2902    2903    2904
openstack_volume_authentication_key   3001   3002    3003    3004
snapshot                              3101   3102    3103    3104
role                                  3201   3202    3203    3204
group                                 3301   3302    3303    3304
permission                            3401   3402    3403    3404
cluster                               3501   3502    3503    3504
any other, or none                    3701   3702    3703    3704
====================================  =====  ======  ======  ======

Refused (4xx) or failed (5xx): the same code + 50 (2051: a data center could not be added).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request
from flask_smorest.utils import get_appcontext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access import events
from ovirt_engine_host.authorization import DeclaredAction, declared_action
from ovirt_engine_host.references import KINDS
from ovirt_engine_host.xml_text import xml_safe

LOG = logging.getLogger(__name__)

AUDITED_METHODS = frozenset({"POST", "PUT", "DELETE"})
OBJECT_CODES: Mapping[str, int] = {
    "data_center": 2000, "storage_domain": 2100, "host": 2200, "disk": 2300, "vm": 2400, "template": 2500,
    "vm_pool": 2600, "user": 2700, "openstack_volume_provider": 2800, "openstack_volume_type": 2900,
    "openstack_volume_authentication_key": 3000, "snapshot": 3100, "role": 3200, "group": 3300, "permission": 3400,
    "cluster": 3500,
}  # fmt: skip
OTHER_OBJECT_CODE = 3700
VERB_OFFSETS: Mapping[str, int] = {"add": 1, "update": 2, "remove": 3, "change": 4}
REFUSED_OFFSET = 50
VERBED = {"add": "added", "update": "updated", "remove": "removed", "change": "changed"}
NOT_OBJECTS = frozenset({"system", "api", "action", "job", "fault"})
"""Declared or answered types that are no object of a change (the whole system, an answer's
envelope): such a change names no object unless the answer does."""
NAME_KEYS = ("name", "alias", "user_name")
"""Where an answer holds its object's name (a disk's alias, a user's name): nothing else of an
answer is read."""
SUB_OBJECTS: Mapping[str, str] = {"snapshots": "snapshot", "permissions": "permission"}
"""Sub-collections whose items are objects of their own: ``…/permissions/<permission_id>``."""
_LAST_ARGUMENT = re.compile(r"/(?P<collection>[a-z_]+)/<(?:[^:>]+:)?(?P<argument>[^>]+)>/?$")
CORRELATION_HEADER = "Correlation-Id"
JOB_PATH = "/api/jobs/"
MAX_ID = 255


@dataclass(frozen=True)
class Change:
    """What a request did: ``verb`` (``add``, ``update``, ``remove``, ``change``) on an object
    (type, id and name, each possibly unknown)."""

    verb: str
    object_type: str | None = None
    object_id: str | None = None
    name: str | None = None


def severity(status: int) -> str:
    return "error" if status >= 500 else "warning" if status >= 400 else "normal"


def code(change: Change, status: int) -> int:
    base = OBJECT_CODES.get(change.object_type or "", OTHER_OBJECT_CODE)
    return base + VERB_OFFSETS[change.verb] + (REFUSED_OFFSET if status >= 400 else 0)


def _ends_at(rule: str, argument: str) -> bool:
    """Whether a URL rule (``/api/vms/<string:vm_id>``) ends with the path argument ``argument``."""
    return re.search(rf"<(?:[^:>]+:)?{re.escape(argument)}>/?$", rule) is not None


def _short(value: Any) -> str | None:
    """An id or a name as an event holds it: text XML can carry (a path may hold anything), bounded."""
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return None
    return xml_safe(str(value))[:MAX_ID]


def _sub_object(rule: str, view_args: Mapping[str, Any], by: str | None) -> tuple[str, str] | None:
    """(type, id) when the route ends on an item of :data:`SUB_OBJECTS` (not the declared object)."""
    found = _LAST_ARGUMENT.search(rule)
    if found is None or found["argument"] == by or found["collection"] not in SUB_OBJECTS:
        return None
    identifier = _short(str(view_args.get(found["argument"], "")).split(";", 1)[0])
    return (SUB_OBJECTS[found["collection"]], identifier) if identifier else None


def change_of(
    method: str, rule: str, view_args: Mapping[str, Any], declared: DeclaredAction | None,
    answered: str | None, dumped: Any, status: int,
) -> Change:  # fmt: skip
    """The change a request made: ``declared`` is the endpoint's declaration, ``answered`` the
    element its success answer has (``None`` for none or a list), ``dumped`` the answer as
    dumped (read for a new object's id and name only)."""
    declared_type = declared.object_type if declared and declared.object_type not in NOT_OBJECTS else None
    by = declared.by if declared else None
    path_id = _short(str(view_args[by]).split(";", 1)[0]) if by and by in view_args else None
    document = dumped if isinstance(dumped, Mapping) else {}
    name = next((_short(document[key]) for key in NAME_KEYS if _short(document.get(key))), None)
    sub_object = _sub_object(rule, view_args, by) if method in {"DELETE", "PUT"} else None
    if sub_object is not None:
        return Change("remove" if method == "DELETE" else "update", *sub_object, name)
    if path_id is not None and _ends_at(rule, by or "") and method in {"DELETE", "PUT"}:
        return Change("remove" if method == "DELETE" else "update", declared_type, path_id, name)
    created = method == "POST" and status == 201
    if path_id is not None and not created:
        return Change("change", declared_type, path_id, name)
    answered_type = answered if answered not in NOT_OBJECTS else None
    if created and answered_type:
        return Change("add", answered_type, _short(document.get("id")), name)
    return Change("add", answered_type or (declared_type if by is None else None))


def describe(actor: str, change: Change, method: str, path: str, status: int) -> str:
    """One sentence of names and ids: ``admin added data center dc2: POST /api/datacenters (201)``."""
    where = f"{method} {path} ({status})"
    if change.object_type is None:
        outcome = "made a change" if status < 400 else "could not make a change" if status < 500 else "failed a change"
        return xml_safe(f"{actor} {outcome}: {where}")
    what = KINDS[change.object_type].what if change.object_type in KINDS else change.object_type.replace("_", " ")
    label = change.name or change.object_id
    target = f"{what} {label}" if label else what
    if status < 400:
        return xml_safe(f"{actor} {VERBED[change.verb]} {target}: {where}")
    failed = "could not" if status < 500 else "failed to"
    return xml_safe(f"{actor} {failed} {change.verb} {target}: {where}")


def correlation_id(header: str | None, response: Response, dumped: Any) -> str | None:
    """oVirt's ``Correlation-Id`` header, else the job the answer points at (its ``Location``
    or a ``job`` it holds), else None."""
    given = (header or "").strip()
    if given:
        return xml_safe(given)[:MAX_ID]
    location = response.headers.get("Location", "")
    if location.startswith(JOB_PATH):
        return location[len(JOB_PATH) :].split("/", 1)[0][:MAX_ID] or None
    job = dumped.get("job") if isinstance(dumped, Mapping) else None
    return _short(job.get("id")) if isinstance(job, Mapping) else None


class AuditHook:
    """The after-request hook: records the event of a change (see the module's docstring) in
    its own session, and prunes the log now and then (:class:`~.events.Pruner`). A failure to
    record is logged and the answer goes out: the change is made already."""

    def __init__(self, session_factory: sessionmaker[Session], keep: int) -> None:
        self._sessions = session_factory
        self._pruner = events.Pruner(keep)

    def __call__(self, response: Response) -> Response:
        user = g.get("current_user")
        if request.method not in AUDITED_METHODS or user is None or not request.path.startswith("/api"):
            return response
        status, dumped = response.status_code, get_appcontext().get("result_dump")
        element = g.get("ovirt_xml_element")  # rest.Blueprint.response's: (element, is a list)
        answered = element[0] if isinstance(element, tuple) and not element[1] else None
        rule = request.url_rule.rule if request.url_rule else ""
        change = change_of(request.method, rule, request.view_args or {}, declared_action(), answered, dumped, status)
        description = describe(user.name, change, request.method, request.path, status)
        correlation = correlation_id(request.headers.get(CORRELATION_HEADER), response, dumped)
        try:
            with self._sessions() as session:
                events.record(
                    session, code(change, status), description, severity=severity(status), user=user,
                    object_type=change.object_type, object_id=change.object_id, correlation_id=correlation,
                )  # fmt: skip
                self._pruner.recorded(session)
                session.commit()
        except SQLAlchemyError:
            LOG.exception("audit: could not record %s %s (%s)", request.method, request.path, status)
        return response


def install(app: Flask, session_factory: sessionmaker[Session], keep: int) -> None:
    """Records every change made through ``app``'s API, keeping the newest ``keep`` events.
    Installed after ``rest.install``, it runs before the answer becomes XML (Flask runs the
    after-request hooks last registered first), while the answer's element is still known."""
    app.after_request(AuditHook(session_factory, keep))
