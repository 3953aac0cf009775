"""What the plugin's resources share: strict schemas, references, oVirt's ``properties``, the
providers' URL."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"


PROVIDERS_PATH = "/api/openstackvolumeproviders"


HTTP_URL_PATTERN = r"^https?://"


EMPTY_OR_HTTP_URL_PATTERN = r"^(https?://|$)"


OPENAPI_SCHEMA = "openapi_schema"
"""Field metadata that the engine's OpenAPI document reads: the schema a method field loads."""


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class PropertySchema(Strict):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    value = ma.fields.String(required=True, validate=ma.validate.Length(max=4096))


class PropertiesSchema(Strict):
    property = ma.fields.List(ma.fields.Nested(PropertySchema), load_default=list)


class DataCenterReferenceSchema(Strict):
    required_any = (("id", "name"),)  # the engine's OpenAPI document shows it as anyOf

    id = ma.fields.String()
    name = ma.fields.String()
    href = ma.fields.String(load_only=True)

    @ma.validates_schema
    def id_or_name(self, data: dict[str, Any], **_: Any) -> None:
        for group in self.required_any:
            if not any(data.get(name) for name in group):
                raise ma.ValidationError("give the " + " or the ".join(group), group[0])


def provider_reference(provider: Any) -> dict[str, str]:
    """A provider as referenced from its volume types and keys. oVirt's schema requires
    ``tenant_name`` in every provider element, references included."""
    return {
        "id": provider.id,
        "href": f"{PROVIDERS_PATH}/{provider.id}",
        "name": provider.name,
        "tenant_name": provider.tenant_name or "",
    }


def properties_to_dict(properties: dict[str, Any] | None) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (properties or {}).get("property", [])}


def dict_to_properties(values: dict[str, str]) -> dict[str, Any] | None:
    if not values:
        return None
    return {"property": [{"name": k, "value": v} for k, v in sorted(values.items())]}
