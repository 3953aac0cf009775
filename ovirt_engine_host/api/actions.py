"""oVirt's actions (``POST …/start``, ``…/activate``): an optional ``<action>`` body, and an
``<action>`` answer whose status says the action completed."""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma

from ovirt_engine_host.api.common import Reference


class ActionSchema(ma.Schema):
    xml_element = "action"

    host = ma.fields.Nested(Reference)
    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)


def completed() -> dict[str, Any]:
    return {"status": {"state": "complete"}}


def reference_of(data: dict[str, Any] | None) -> str | None:
    if not data:
        return None
    return str(data.get("id") or data.get("name"))


def cluster_reference(data: dict[str, Any]) -> str:
    """The data center named in ``cluster/data_center`` (the engine has no clusters: a host or
    a VM belongs to a data center, named where oVirt's schema puts it)."""
    reference = reference_of((data.get("cluster") or {}).get("data_center"))
    if reference is None:
        flask_smorest.abort(422, message="cluster.data_center: give the data center (id or name)")
        raise AssertionError("abort raises")
    return reference


class ClusterSchema(ma.Schema):
    data_center = ma.fields.Nested(Reference, required=True)


def cluster_of(data_center_id: str) -> dict[str, Any]:
    return {"data_center": {"id": data_center_id, "href": f"/api/datacenters/{data_center_id}"}}
