"""The schemas of ``/api/templates``, named after oVirt 3.6's XML elements (a template is a
``VmBase``, as a VM is)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import OPENAPI_SCHEMA, DropsEmpty, Reference, ResourceSchema, name_field
from ovirt_engine_host.db.models import Template


class TemplateSchema(ResourceSchema, DropsEmpty):
    xml_element = "template"
    xml_collection = "templates"
    collection_path = "/api/templates"

    name = name_field(255, required=True)
    description = ma.fields.String(validate=ma.validate.Length(max=4000), load_default="")
    status = ma.fields.Function(lambda template: {"state": template.status}, dump_only=True)
    memory = ma.fields.Integer(dump_only=True)
    cpu = ma.fields.Function(
        lambda template: {"topology": {"sockets": template.cpus, "cores": 1, "threads": 1}}, dump_only=True
    )
    # a template is in a data center, not a cluster: <cluster><data_center id=…/></cluster>; Blank in none
    cluster = ma.fields.Method("cluster_dump", dump_only=True)
    creation_time = ma.fields.DateTime(attribute="created", dump_only=True)
    # the VM it is made of: <vm id|name/> when adding; its id and href when shown
    vm = ma.fields.Method("vm_dump", deserialize="vm_load", required=True, metadata={OPENAPI_SCHEMA: Reference})

    def cluster_dump(self, template: Template) -> dict[str, Any] | None:
        data_center_id = template.data_center_id
        if data_center_id is None:
            return None
        return {"data_center": {"id": data_center_id, "href": f"/api/datacenters/{data_center_id}"}}

    def vm_dump(self, template: Template) -> dict[str, str] | None:
        vm_id = template.source_vm_id
        return {"id": vm_id, "href": f"/api/vms/{vm_id}"} if vm_id else None

    def vm_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = Reference().load(value)
        return loaded
