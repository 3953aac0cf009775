"""The schemas of ``/api/datacenters``, named after oVirt 3.6's XML elements: what the views load
and dump, and what the OpenAPI document shows."""

from __future__ import annotations

import marshmallow as ma

from ovirt_engine_host.api.common import ResourceSchema, name_field


class DataCenterSchema(ResourceSchema):
    xml_element = "data_center"
    xml_collection = "data_centers"
    collection_path = "/api/datacenters"

    name = name_field(40, required=True)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    local = ma.fields.Boolean(load_default=False)
