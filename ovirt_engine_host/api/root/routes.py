"""``/api``: the API's entry point, oVirt's ``<api>`` document, where every oVirt client starts.

It links every collection the application serves, the engine's and the plugins' alike: the links
come from the registered URL rules (each ``/api/<name>`` of a REST blueprint that answers GET),
so a plugin's resource appears without the engine knowing it. Then the product (name, vendor,
the installed distribution's version), a summary of what the engine manages (one SQL count per
number, no rows loaded) and the engine's time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import flask_smorest
from flask import Flask, current_app
from flask.views import MethodView
from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from ovirt_engine_host.api.root.schemas import COLLECTION_RULE, DISTRIBUTION, VENDOR, VERSION_PARTS, ApiSchema
from ovirt_engine_host.db.models import Host, StorageDomain, User, Vm
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("api", __name__, url_prefix="/api", description="The API's entry point")


"""A collection's URL rule: one path segment under ``/api`` (a trailing slash is not canonical)."""


def collection_links(app: Flask) -> list[dict[str, str]]:
    """A link per collection, ``rel`` being its name as oVirt spells it (``storagedomains``):
    each ``/api/<name>`` rule that answers GET and belongs to a REST blueprint (flask-smorest's,
    which the engine's and the plugins' resources use), so the docs and their assets are not
    collections."""
    names = set()
    for rule in app.url_map.iter_rules():
        found = COLLECTION_RULE.fullmatch(rule.rule)
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if found and "GET" in (rule.methods or ()) and isinstance(blueprint, flask_smorest.Blueprint):
            names.add(found["name"])
    return [{"rel": name, "href": f"/api/{name}"} for name in sorted(names)]


def product_info(name: str) -> dict[str, Any]:
    """The installed distribution's version, its leading release numbers as oVirt's
    major/minor/build/revision (``0.1.0`` is 0, 1, 0, 0; a ``.dev3`` suffix stays in ``full_version``)."""
    full_version = version(DISTRIBUTION)
    release = re.match(r"[0-9]+(?:\.[0-9]+)*", full_version)
    numbers = [int(part) for part in release.group().split(".")] if release else []
    numbers = (numbers + [0] * len(VERSION_PARTS))[: len(VERSION_PARTS)]
    return {
        "name": name,
        "vendor": VENDOR,
        "version": dict(zip(VERSION_PARTS, numbers, strict=True)),
        "full_version": full_version,
    }


def _count(model: type[Any], where: ColumnElement[bool] | None = None) -> ScalarSelect[int]:
    query = select(func.count()).select_from(model)
    return (query if where is None else query.where(where)).scalar_subquery()


def summary(session: Session) -> dict[str, dict[str, int]]:
    """The counts of oVirt's ``ApiSummary``, in one statement of one ``count(*)`` per number."""
    counts = session.execute(
        select(
            _count(Vm),
            _count(Vm, Vm.status != "down"),
            _count(Host),
            _count(Host, Host.status == "up"),
            _count(User),
            _count(StorageDomain),
            _count(StorageDomain, StorageDomain.status == "active"),
        )
    ).one()
    vms, active_vms, hosts, active_hosts, users, domains, active_domains = counts
    return {
        "vms": {"total": vms, "active": active_vms},
        "hosts": {"total": hosts, "active": active_hosts},
        "users": {"total": users},
        "storage_domains": {"total": domains, "active": active_domains},
    }


@blp.route("")
class ApiViews(MethodView):
    @blp.action("read", "api")
    @blp.response(200, ApiSchema)
    def get(self) -> Any:
        """The API's entry point: a link to every collection, the product, a summary, the time"""
        with db_session() as session:
            counts = summary(session)
        return {
            "link": collection_links(current_app),
            "product_info": product_info(current_app.config["API_TITLE"]),
            "summary": counts,
            "time": datetime.now(UTC),
        }
