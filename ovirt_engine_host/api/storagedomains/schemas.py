"""The schemas of ``/api/storagedomains``, named after oVirt 3.6's XML elements: what the views
load and dump, and what the OpenAPI document shows."""

from __future__ import annotations

import marshmallow as ma

from ovirt_engine_host.api.common import ResourceSchema
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state


def shown_type(name: str) -> tuple[str, str]:
    """(oVirt's domain type, its storage type) as the plugin that serves ``name`` registered
    them; a type no plugin serves any more is shown as it is stored."""
    registered = engine_state().hooks.storage_domain_type_info().get(name)
    return (registered["ovirt_type"], registered["storage_type"]) if registered else ("data", name)


class StorageDomainSchema(ResourceSchema):
    xml_element = "storage_domain"
    xml_collection = "storage_domains"
    collection_path = "/api/storagedomains"

    name = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    data_center = ma.fields.Method("reference_data_center", dump_only=True)
    type = ma.fields.Method("ovirt_type", dump_only=True)
    status = ma.fields.Method("state", dump_only=True)
    storage = ma.fields.Method("storage_of", dump_only=True)

    def ovirt_type(self, domain: StorageDomain) -> str:
        """oVirt's domain type, as the serving plugin registered it (a Cinder domain: ``volume``)."""
        return shown_type(domain.type)[0]

    def storage_of(self, domain: StorageDomain) -> dict[str, str]:
        return {"type": shown_type(domain.type)[1]}

    def reference_data_center(self, domain: StorageDomain) -> dict[str, str]:
        return {"id": domain.data_center_id, "href": f"/api/datacenters/{domain.data_center_id}"}

    def state(self, domain: StorageDomain) -> dict[str, str]:
        return {"state": domain.status}
