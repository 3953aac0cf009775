"""The schemas of ``/api/disks`` and ``/api/storagedomains/{id}/disks``, named after oVirt 3.6's
XML elements: what the views load and dump, and what the OpenAPI document shows."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma

from ovirt_engine_host.api.common import MAX_BYTES, OPENAPI_SCHEMA, DropsEmpty, Reference, RequiresAny, ResourceSchema
from ovirt_engine_host.api.storagedomains.schemas import shown_type
from ovirt_engine_host.db.models import Disk

INTERFACES = ("virtio", "virtio_scsi", "ide")


FORMATS = ("raw", "cow")


class StorageDomainReferences(ma.Schema):
    storage_domain = ma.fields.List(
        ma.fields.Nested(Reference), required=True, validate=ma.validate.Length(min=1, max=1)
    )


class DiskSchema(ResourceSchema, DropsEmpty, RequiresAny):
    xml_element = "disk"
    xml_collection = "disks"
    collection_path = "/api/disks"
    search_fields: ClassVar[dict[str, str]] = {
        "name": "alias", "alias": "alias", "status": "status", "storage": "storage_domain.name",
    }  # fmt: skip
    required_any: ClassVar[tuple[tuple[str, ...], ...]] = (("storage_domain", "storage_domains"),)

    name = ma.fields.Function(lambda disk: disk.alias, dump_only=True)
    image_id = ma.fields.String(attribute="active_volume_id", dump_only=True)  # the volume it runs on now
    alias = ma.fields.String(validate=ma.validate.Length(min=1, max=255), load_default="disk")
    description = ma.fields.String(validate=ma.validate.Length(max=4000), load_default="")
    storage_domain = ma.fields.Method(
        "reference_domain", deserialize="load_domain", metadata={OPENAPI_SCHEMA: Reference}
    )
    storage_domains = ma.fields.Nested(StorageDomainReferences, load_only=True)
    provisioned_size = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_BYTES))
    actual_size = ma.fields.Integer(dump_only=True)
    status = ma.fields.Method("state", dump_only=True)
    interface = ma.fields.String(validate=ma.validate.OneOf(INTERFACES), load_default="virtio")
    # oVirt's formats; which of them a storage type stores (and whether its disks may be shared)
    # is the serving plugin's rule, checked by the service layer (ovirt_engine_host.services.disk_rules)
    format = ma.fields.String(validate=ma.validate.OneOf(FORMATS))
    sparse = ma.fields.Boolean(load_default=True)
    bootable = ma.fields.Boolean(load_default=False)
    shareable = ma.fields.Boolean(load_default=False)
    storage_type = ma.fields.Method("storage_type_of", dump_only=True)
    openstack_volume_type = ma.fields.Method(
        "reference_volume_type", deserialize="load_reference", metadata={OPENAPI_SCHEMA: Reference}
    )

    def storage_type_of(self, disk: Disk) -> str:
        return shown_type(disk.storage_domain.type)[1]

    def reference_domain(self, disk: Disk) -> dict[str, str]:
        return {"id": disk.storage_domain_id, "href": f"/api/storagedomains/{disk.storage_domain_id}"}

    def reference_volume_type(self, disk: Disk) -> dict[str, str] | None:
        return {"name": disk.volume_type} if disk.volume_type else None

    def state(self, disk: Disk) -> dict[str, str]:
        return {"state": disk.status, **({"detail": disk.status_detail} if disk.status_detail else {})}

    def load_domain(self, value: Any) -> dict[str, str]:
        loaded: dict[str, str] = Reference().load(value)
        return loaded

    def load_reference(self, value: Any) -> str:
        reference = Reference().load(value)
        return str(reference.get("id") or reference["name"])


class StorageDomainDiskSchema(DiskSchema):
    """A disk added on the storage domain its path names: the body need not name one."""

    required_any = ()


class DiskUpdateSchema(ma.Schema):
    xml_element = "disk"

    alias = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    provisioned_size = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_BYTES))
    bootable = ma.fields.Boolean()
    interface = ma.fields.String(validate=ma.validate.OneOf(INTERFACES))
    openstack_volume_type = ma.fields.Method(
        deserialize="load_reference", data_key="openstack_volume_type", attribute="volume_type",
        metadata={OPENAPI_SCHEMA: Reference, "description": "another type retypes the disk (locked meanwhile)"},
    )  # fmt: skip

    def load_reference(self, value: Any) -> str:
        reference = Reference().load(value)
        return str(reference.get("id") or reference["name"])


class DeleteArgs(ma.Schema):
    asynchronous = ma.fields.Boolean(data_key="async", load_default=False)
