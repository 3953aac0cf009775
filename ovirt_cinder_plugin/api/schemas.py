"""marshmallow schemas of the plugin's resources, named after oVirt 3.6's XML elements."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import marshmallow as ma

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
PROVIDERS_PATH = "/api/openstackvolumeproviders"
CEPHX_KEY_BYTES = 28  # 2 type + 8 creation time + 2 length + 16 secret
CEPHX_KEY_PATTERN = r"^[A-Za-z0-9+/]{38}==$"
"""The base64 of 28 bytes, as `ceph auth get-key` prints it."""
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


def _validate_cinder_url(value: str) -> None:
    if value:
        ma.validate.URL(schemes={"http", "https"}, require_tld=False)(value)
        return
    # an empty URL is the catalog's endpoint: the service checks that Keystone is configured


class ProviderSchema(Strict):
    xml_element = "openstack_volume_provider"
    xml_collection = "openstack_volume_providers"

    id = ma.fields.String(dump_only=True)
    href = ma.fields.Function(lambda p: f"{PROVIDERS_PATH}/{p.id}", dump_only=True)
    name = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=128),
            ma.validate.Regexp(NAME_PATTERN, error="only letters, digits, '_', '.' and '-'"),
        ],
    )
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    url = ma.fields.String(
        required=True,
        validate=[ma.validate.Regexp(EMPTY_OR_HTTP_URL_PATTERN), _validate_cinder_url],
        metadata={"description": "Cinder's URL as oVirt users enter it (http://host:8776), or its /v3 or "
                  "/v3/{project_id} endpoint; empty: the volumev3 endpoint of Keystone's catalog"},
    )  # fmt: skip
    requires_authentication = ma.fields.Boolean()
    username = ma.fields.String(validate=ma.validate.Length(max=255))
    password = ma.fields.String(load_only=True, validate=ma.validate.Length(max=1024))
    tenant_name = ma.fields.String(validate=ma.validate.Length(max=255))
    authentication_url = ma.fields.Url(
        schemes={"http", "https"}, require_tld=False, validate=ma.validate.Regexp(HTTP_URL_PATTERN)
    )
    properties = ma.fields.Method("dump_properties", "load_properties", metadata={OPENAPI_SCHEMA: PropertiesSchema})
    data_center = ma.fields.Method(
        "dump_data_center", "load_data_center", required=True, metadata={OPENAPI_SCHEMA: DataCenterReferenceSchema}
    )

    def dump_properties(self, provider: Any) -> dict[str, Any] | None:
        return dict_to_properties(json.loads(provider.properties or "{}"))

    def load_properties(self, value: Any) -> dict[str, str]:
        return properties_to_dict(PropertiesSchema().load(value))

    def dump_data_center(self, provider: Any) -> dict[str, str]:
        return {"id": provider.data_center_id, "href": f"/api/datacenters/{provider.data_center_id}"}

    def load_data_center(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = DataCenterReferenceSchema().load(value)
        return loaded

    @ma.post_dump
    def always_tenant_name(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data.setdefault("tenant_name", "")  # oVirt's schema requires the element
        return data


class ProviderUpdateSchema(ProviderSchema):
    """Every field optional (PUT changes what it names)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class ProviderDeleteArgs(Strict):
    force = ma.fields.Boolean(load_default=False)


class VolumeTypeSchema(ma.Schema):
    xml_element = "openstack_volume_type"
    xml_collection = "openstack_volume_types"

    id = ma.fields.String()
    href = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    properties = ma.fields.Raw()
    openstack_volume_provider = ma.fields.Raw()


def _validate_cephx_key(value: str) -> None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ma.ValidationError("not valid base64") from error
    if len(raw) != CEPHX_KEY_BYTES:
        raise ma.ValidationError(f"not a cephx key (base64 of {CEPHX_KEY_BYTES} bytes, as `ceph auth get-key` prints)")


class AuthenticationKeySchema(Strict):
    xml_element = "openstack_volume_authentication_key"
    xml_collection = "openstack_volume_authentication_keys"

    id = ma.fields.String(dump_only=True)
    href = ma.fields.Function(lambda k: f"{PROVIDERS_PATH}/{k.provider_id}/authenticationkeys/{k.id}", dump_only=True)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    uuid = ma.fields.UUID(required=True)
    usage_type = ma.fields.String(load_default="ceph", validate=ma.validate.OneOf(["ceph"]))
    value = ma.fields.String(
        required=True,
        load_only=True,
        validate=[ma.validate.Regexp(CEPHX_KEY_PATTERN, error="not the base64 of a cephx key"), _validate_cephx_key],
    )
    creation_date = ma.fields.DateTime(dump_only=True)
    openstack_volume_provider = ma.fields.Function(lambda k: provider_reference(k.provider), dump_only=True)

    @ma.post_load
    def uuid_as_text(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "uuid" in data:
            data["uuid"] = str(data["uuid"])
        return data


class AuthenticationKeyUpdateSchema(AuthenticationKeySchema):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)
