"""The schemas of ``/api/vmpools``, named after oVirt 3.6's XML elements (``vmpool``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.clusters.schemas import cluster_field, cluster_link, load_cluster
from ovirt_engine_host.api.common import OPENAPI_SCHEMA, DropsEmpty, Reference, ResourceSchema, name_field
from ovirt_engine_host.db.models import VmPool
from ovirt_engine_host.services.pools import POOL_TYPES

MAX_POOL_SIZE = 1000


class VmPoolSchema(ResourceSchema, DropsEmpty):
    xml_element = "vmpool"
    xml_collection = "vmpools"
    collection_path = "/api/vmpools"

    name = name_field(255, required=True)
    description = ma.fields.String(validate=ma.validate.Length(max=4000), load_default="")
    size = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_POOL_SIZE), required=True)
    # its VMs' cluster: the one named, or the first of its template's data center
    cluster = cluster_field()
    template = ma.fields.Method(
        "template_dump", deserialize="template_load", required=True, metadata={OPENAPI_SCHEMA: Reference}
    )
    prestarted_vms = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0), load_default=0)
    max_user_vms = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1), load_default=1)
    type = ma.fields.String(validate=ma.validate.OneOf(POOL_TYPES), load_default="automatic")

    def cluster_dump(self, pool: VmPool) -> dict[str, str]:
        return cluster_link(pool.cluster_id)

    def cluster_load(self, value: Any) -> dict[str, Any]:
        return load_cluster(value)

    def template_dump(self, pool: VmPool) -> dict[str, str]:
        return {"id": pool.template_id, "href": f"/api/templates/{pool.template_id}"}

    def template_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = Reference().load(value)
        return loaded


class VmPoolUpdateSchema(VmPoolSchema):
    """``PUT``: any field; a missing one stays as it is."""

    name = name_field(255)
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    size = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_POOL_SIZE))
    template = ma.fields.Method("template_dump", deserialize="template_load", metadata={OPENAPI_SCHEMA: Reference})
    prestarted_vms = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0))
    max_user_vms = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))
    type = ma.fields.String(validate=ma.validate.OneOf(POOL_TYPES))


class AllocateVmSchema(ma.Schema):
    """``POST /api/vmpools/{id}/allocatevm``: an empty ``<action/>``; the answer names the VM."""

    xml_element = "action"

    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)
    vm = ma.fields.Dict(dump_only=True)
