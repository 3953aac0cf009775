"""The schemas of ``/api/groups`` (local groups) and their members."""

from __future__ import annotations

import marshmallow as ma

from ovirt_engine_host.api.common import Reference, ResourceSchema, name_field


class GroupSchema(ResourceSchema):
    xml_element = "group"
    xml_collection = "groups"
    collection_path = "/api/groups"

    name = name_field(255, required=True)


class MemberSchema(ResourceSchema):
    """A member: ``<user id|name/>`` to add; shown as the user."""

    xml_element = "user"
    xml_collection = "users"
    collection_path = "/api/users"

    user_name = ma.fields.String(attribute="name", dump_only=True)
    name = ma.fields.String(load_only=True)
    id = ma.fields.String()

    @ma.validates_schema
    def named(self, data: dict[str, str], **_: object) -> None:
        Reference().load({k: v for k, v in data.items() if k in {"id", "name"}})
