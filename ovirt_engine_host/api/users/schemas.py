"""The schemas of ``/api/users``, named after oVirt 3.6's XML elements: what the views load and
dump, and what the OpenAPI document shows."""

from __future__ import annotations

import marshmallow as ma

from ovirt_engine_host.api.common import ResourceSchema, name_field


class UserSchema(ResourceSchema):
    xml_element = "user"
    xml_collection = "users"
    collection_path = "/api/users"

    user_name = name_field(255, required=True, attribute="name")
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=8, max=1024))
    administrator = ma.fields.Boolean(load_default=False, load_only=True)


class UserUpdateSchema(ma.Schema):
    xml_element = "user"

    password = ma.fields.String(load_only=True, validate=ma.validate.Length(min=8, max=1024))
    administrator = ma.fields.Boolean(load_only=True)
