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
import marshmallow as ma
from flask import Flask, current_app
from flask.views import MethodView
from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from ovirt_engine_host.db.models import Host, StorageDomain, User, Vm
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("api", __name__, url_prefix="/api", description="The API's entry point")

DISTRIBUTION = "ovirt-cinder-plugin"
VENDOR = "ovirt-cinder-plugin project"
COLLECTION_RULE = re.compile(r"/api/(?P<name>[A-Za-z0-9_-]+)/?")
"""A collection's URL rule: one path segment under ``/api`` (a trailing slash is not canonical)."""
VERSION_PARTS = ("major", "minor", "build", "revision")


class LinkSchema(ma.Schema):
    rel = ma.fields.String(dump_only=True)
    href = ma.fields.String(dump_only=True)


class VersionSchema(ma.Schema):
    major = ma.fields.Integer(dump_only=True)
    minor = ma.fields.Integer(dump_only=True)
    build = ma.fields.Integer(dump_only=True)
    revision = ma.fields.Integer(dump_only=True)


class ProductInfoSchema(ma.Schema):
    name = ma.fields.String(dump_only=True)
    vendor = ma.fields.String(dump_only=True)
    version = ma.fields.Nested(VersionSchema, dump_only=True)
    full_version = ma.fields.String(dump_only=True)


class CountsSchema(ma.Schema):
    """oVirt's ``ApiSummary`` item: a collection's ``total`` and, where it means something, ``active``."""

    total = ma.fields.Integer(dump_only=True)
    active = ma.fields.Integer(dump_only=True)


class UserCountsSchema(ma.Schema):
    total = ma.fields.Integer(dump_only=True)


class SummarySchema(ma.Schema):
    vms = ma.fields.Nested(CountsSchema, dump_only=True, metadata={"description": "active: every VM not down"})
    hosts = ma.fields.Nested(CountsSchema, dump_only=True, metadata={"description": "active: hosts up"})
    users = ma.fields.Nested(UserCountsSchema, dump_only=True)
    storage_domains = ma.fields.Nested(
        CountsSchema, dump_only=True, metadata={"description": "active: storage domains active"}
    )


class ApiSchema(ma.Schema):
    xml_element = "api"

    link = ma.fields.List(ma.fields.Nested(LinkSchema), dump_only=True)
    product_info = ma.fields.Nested(ProductInfoSchema, dump_only=True)
    summary = ma.fields.Nested(SummarySchema, dump_only=True)
    time = ma.fields.AwareDateTime(dump_only=True)


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
