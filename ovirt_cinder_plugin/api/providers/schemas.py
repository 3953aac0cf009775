"""The schemas of ``/api/openstackvolumeproviders``, named after oVirt 3.6's XML elements."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma

from ovirt_cinder_plugin.api.common import (
    EMPTY_OR_HTTP_URL_PATTERN,
    HTTP_URL_PATTERN,
    NAME_PATTERN,
    OPENAPI_SCHEMA,
    PROVIDERS_PATH,
    DataCenterReferenceSchema,
    PropertiesSchema,
    Strict,
    dict_to_properties,
    properties_to_dict,
)


def _validate_cinder_url(value: str) -> None:
    if value:
        ma.validate.URL(schemes={"http", "https"}, require_tld=False)(value)
        return


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
