"""The schema of a permission, named after oVirt 3.6's XML: ``<permission><role/><user/>`` (or
``<group/>``) and the object it is given on (``<data_center/>``, ``<disk/>``…; none: the system)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import Reference

XML_NAMES = {"vm_pool": "vmpool"}
"""Where oVirt's element for an object type differs from the type's name."""
OBJECT_TYPES = {element: kind for kind, element in XML_NAMES.items()}
"""An element of a permission's body → the object type it names."""


class PermissionSchema(ma.Schema):
    """A permission. Given through a user or a group (``/api/users/{id}/permissions``), the body
    names the object too (``<data_center id/>``, ``<disk id/>``…, none: the system): those
    elements are kept as they come and checked against the application's object types."""

    xml_element = "permission"
    xml_collection = "permissions"

    class Meta:
        unknown = ma.INCLUDE

    id = ma.fields.String(dump_only=True)
    href = ma.fields.Method("make_href", dump_only=True)
    role = ma.fields.Nested(Reference, required=True)
    user = ma.fields.Nested(Reference)
    group = ma.fields.Nested(Reference)

    def make_href(self, permission: Any) -> str:
        return f"{permission.collection_path}/{permission.id}"

    @ma.post_dump(pass_original=True)
    def references(self, data: dict[str, Any], permission: Any, **_: Any) -> dict[str, Any]:
        data["role"] = {"id": permission.role_id, "href": f"/api/roles/{permission.role_id}"}
        data.pop("user", None)
        data.pop("group", None)
        if permission.user_id:
            data["user"] = {"id": permission.user_id, "href": f"/api/users/{permission.user_id}"}
        if permission.group_id:
            data["group"] = {"id": permission.group_id, "href": f"/api/groups/{permission.group_id}"}
        if permission.object_type != "system":
            element = XML_NAMES.get(permission.object_type, permission.object_type)
            data[element] = {"id": permission.object_id}
        return data
