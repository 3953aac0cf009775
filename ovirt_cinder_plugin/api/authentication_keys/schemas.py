"""The schemas of ``/api/openstackvolumeproviders/{id}/authenticationkeys`` (cephx keys,
write-only), named after oVirt 3.6's XML elements."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import marshmallow as ma

from ovirt_cinder_plugin.api.common import PROVIDERS_PATH, Strict, provider_reference

CEPHX_KEY_BYTES = 28  # 2 type + 8 creation time + 2 length + 16 secret


CEPHX_KEY_PATTERN = r"^[A-Za-z0-9+/]{38}==$"
"""The base64 of 28 bytes, as `ceph auth get-key` prints it."""


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
