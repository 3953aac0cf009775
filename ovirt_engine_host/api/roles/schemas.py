"""The schemas of ``/api/roles``, named after oVirt 3.6's XML elements (``role``, ``permits``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import OPENAPI_SCHEMA, ResourceSchema, name_field


class PermitSchema(ma.Schema):
    """An action group as oVirt shows it: ``<permit id="create_disk"><name>create_disk</name>``."""

    xml_element = "permit"
    xml_collection = "permits"

    id = ma.fields.String(required=True)
    name = ma.fields.String(dump_only=True)
    administrative = ma.fields.Boolean(dump_only=True)

    @ma.pre_load
    def by_name(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and "name" in data:  # an action group's id is its name
            named = {key: value for key, value in data.items() if key != "name"}
            return {**named, "id": named.get("id") or data["name"]}
        return data

    @ma.post_load
    def only_id(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"id": data["id"]}


class Permits(ma.Schema):
    permit = ma.fields.List(ma.fields.Nested(PermitSchema), load_default=list)


class RoleSchema(ResourceSchema):
    xml_element = "role"
    xml_collection = "roles"
    collection_path = "/api/roles"

    name = name_field(126, required=True)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    administrative = ma.fields.Boolean(load_default=False)
    mutable = ma.fields.Boolean(dump_only=True)
    permits = ma.fields.Method("permits_dump", deserialize="permits_load", metadata={OPENAPI_SCHEMA: Permits})

    def permits_dump(self, role: Any) -> dict[str, Any]:
        return {"permit": [{"id": p, "name": p, "administrative": role.administrative} for p in role.permits]}

    def permits_load(self, value: Any) -> list[str]:
        loaded = Permits().load(value if isinstance(value, dict) else {"permit": value})
        return [permit["id"] for permit in loaded["permit"]]


class RoleUpdateSchema(ma.Schema):
    xml_element = "role"

    name = name_field(126)
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    administrative = ma.fields.Boolean()
