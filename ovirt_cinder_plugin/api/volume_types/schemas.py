"""The schemas of ``/api/openstackvolumeproviders/{id}/volumetypes``, named after oVirt 3.6's XML
elements. The write schemas take Cinder's own limits (its JSON schemas for types and extra
specs), so that a body Cinder would refuse is refused before any request reaches it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_cinder_plugin.api.common import OPENAPI_SCHEMA, Strict, properties_to_dict

CINDER_TEXT_MAX = 255
"""Cinder's limit for a type's name and description, and for an extra spec's key and value."""

EXTRA_SPEC_KEY_PATTERN = r"^[a-zA-Z0-9\-_:.]{1,255}$"
"""The keys Cinder's extra-specs API takes (no spaces)."""


class VolumeTypeSchema(ma.Schema):
    xml_element = "openstack_volume_type"
    xml_collection = "openstack_volume_types"

    id = ma.fields.String()
    href = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    properties = ma.fields.Raw()
    openstack_volume_provider = ma.fields.Raw()


class ExtraSpecSchema(Strict):
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(
            EXTRA_SPEC_KEY_PATTERN, error="Cinder's extra spec keys are 1-255 letters, digits, '-', '_', ':' or '.'"
        ),
    )
    value = ma.fields.String(required=True, validate=ma.validate.Length(max=CINDER_TEXT_MAX))


class ExtraSpecsSchema(Strict):
    property = ma.fields.List(ma.fields.Nested(ExtraSpecSchema), load_default=list)

    @ma.validates_schema(skip_on_field_errors=True)
    def unique_names(self, data: dict[str, Any], **_: Any) -> None:
        names = [spec["name"] for spec in data.get("property", [])]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ma.ValidationError(f"extra spec {twice[0]!r} is given twice", "property")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


class VolumeTypeCreateSchema(Strict):
    """A new Cinder volume type: ``properties`` are its extra specs (``volume_backend_name``, ...)."""

    xml_element = "openstack_volume_type"

    name = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=CINDER_TEXT_MAX), _not_blank])
    description = ma.fields.String(validate=ma.validate.Length(max=CINDER_TEXT_MAX))
    properties = ma.fields.Method(
        deserialize="load_properties", metadata={OPENAPI_SCHEMA: ExtraSpecsSchema, "description":
        "Cinder's extra specs of the type; on an update they replace the type's (absent keys are unset)"},
    )  # fmt: skip

    def load_properties(self, value: Any) -> dict[str, str]:
        return properties_to_dict(ExtraSpecsSchema().load(value if value is not None else {}))


class VolumeTypeUpdateSchema(VolumeTypeCreateSchema):
    """Every field optional (PUT changes what it names)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)
