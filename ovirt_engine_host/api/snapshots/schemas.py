"""The schemas of ``/api/vms/{id}/snapshots`` and of the snapshot actions, named after oVirt 3.6's
XML elements (``snapshot`` is a VM at a moment: its ``type`` and ``snapshot_status``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import OPENAPI_SCHEMA, DropsEmpty, Reference
from ovirt_engine_host.api.jobs.schemas import UtcDateTime


class DiskReference(ma.Schema):
    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    snapshot = ma.fields.Nested(Reference)


class DiskReferences(ma.Schema):
    disk = ma.fields.List(ma.fields.Nested(DiskReference), required=True, validate=ma.validate.Length(min=1))


class SnapshotSchema(DropsEmpty):
    xml_element = "snapshot"
    xml_collection = "snapshots"

    id = ma.fields.String(dump_only=True)
    href = ma.fields.Function(lambda s: f"/api/vms/{s.vm_id}/snapshots/{s.id}", dump_only=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    type = ma.fields.String(dump_only=True)
    vm = ma.fields.Function(lambda s: {"id": s.vm_id, "href": f"/api/vms/{s.vm_id}"}, dump_only=True)
    date = UtcDateTime(dump_only=True)
    snapshot_status = ma.fields.String(attribute="status", dump_only=True)
    disks = ma.fields.Method("dump_disks", deserialize="load_disks", metadata={OPENAPI_SCHEMA: DiskReferences})
    link = ma.fields.Function(
        lambda s: [{"rel": "disks", "href": f"/api/vms/{s.vm_id}/snapshots/{s.id}/disks"}], dump_only=True
    )

    def dump_disks(self, snapshot: Any) -> None:
        return None  # listed at …/snapshots/{id}/disks

    def load_disks(self, value: Any) -> list[str]:
        loaded: dict[str, Any] = DiskReferences().load(value)
        return [str(d["id"]) for d in loaded["disk"]]


class SnapshotDiskSchema(DropsEmpty):
    """A disk as the snapshot holds it."""

    xml_element = "disk"
    xml_collection = "disks"

    id = ma.fields.String(attribute="disk_id", dump_only=True)
    href = ma.fields.Function(lambda p: f"/api/disks/{p.disk_id}", dump_only=True)
    image_id = ma.fields.String(attribute="volume_id", dump_only=True)  # the volume it copies
    status = ma.fields.Function(lambda p: {"state": p.status}, dump_only=True)
    snapshot = ma.fields.Function(
        lambda p: {"id": p.snapshot_id, "href": f"/api/vms/{p.snapshot.vm_id}/snapshots/{p.snapshot_id}"},
        dump_only=True,
    )


class SnapshotActionSchema(ma.Schema):
    """``<action><snapshot id=…/></action>``, or a custom preview:
    ``<action><disks><disk id=…><snapshot id=…/></disk>…</disks></action>``."""

    xml_element = "action"

    snapshot = ma.fields.Nested(Reference)
    disks = ma.fields.Nested(DiskReferences)
    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)
