"""oVirt's actions (``POST …/start``, ``…/activate``): an optional ``<action>`` body, and an
``<action>`` answer whose status says the action completed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import Reference
from ovirt_engine_host.errors import Refused


class ActionSchema(ma.Schema):
    xml_element = "action"

    host = ma.fields.Nested(Reference)
    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)


def completed() -> dict[str, Any]:
    return {"status": {"state": "complete"}}


def cluster_reference(data: dict[str, Any]) -> dict[str, str]:
    """The data center named in ``cluster/data_center`` (the engine has no clusters: a host or
    a VM belongs to a data center, named where oVirt's schema puts it)."""
    reference: dict[str, str] | None = (data.get("cluster") or {}).get("data_center")
    if not reference:
        raise Refused(422, "cluster.data_center: give the data center (id or name)")
    return reference


class ClusterSchema(ma.Schema):
    data_center = ma.fields.Nested(Reference, required=True)


def cluster_of(data_center_id: str) -> dict[str, Any]:
    return {"data_center": {"id": data_center_id, "href": f"/api/datacenters/{data_center_id}"}}
