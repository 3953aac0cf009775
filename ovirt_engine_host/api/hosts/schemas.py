"""The schemas of ``/api/hosts``, named after oVirt 3.6's XML elements: what the views load and
dump, and what the OpenAPI document shows."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.actions import (
    ClusterSchema,
    cluster_of,
)
from ovirt_engine_host.api.common import OPENAPI_SCHEMA, ResourceSchema, name_field
from ovirt_engine_host.db.models import Host


class HostSchema(ResourceSchema):
    xml_element = "host"
    xml_collection = "hosts"
    collection_path = "/api/hosts"

    name = name_field(255, required=True)
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    status = ma.fields.Function(lambda host: {"state": host.status}, dump_only=True)
    cluster = ma.fields.Method(
        "cluster_dump", deserialize="cluster_load", required=True, metadata={OPENAPI_SCHEMA: ClusterSchema}
    )
    protocol = ma.fields.String(
        attribute="libvirt_uri",
        validate=ma.validate.Regexp(r"^[a-z][a-z0-9+]*://", error="a libvirt URI, e.g. qemu:///system"),
    )

    def cluster_dump(self, host: Host) -> dict[str, Any]:
        return cluster_of(host.data_center_id)

    def cluster_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = ClusterSchema().load(value)
        return loaded
