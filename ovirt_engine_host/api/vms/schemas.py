"""The schemas of ``/api/vms``, named after oVirt 3.6's XML elements: what the views load and dump,
and what the OpenAPI document shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.clusters.schemas import cluster_field, cluster_link, load_cluster
from ovirt_engine_host.api.common import MAX_BYTES, OPENAPI_SCHEMA, DropsEmpty, Reference, ResourceSchema, name_field
from ovirt_engine_host.api.disks.schemas import INTERFACES, DiskSchema
from ovirt_engine_host.db.models import Disk, DiskAttachment, Vm

MiB = 1024**2


class TopologySchema(ma.Schema):
    sockets = ma.fields.Integer(validate=ma.validate.Range(min=1, max=64), load_default=1)
    cores = ma.fields.Integer(validate=ma.validate.Equal(1, error="one core per socket"), load_default=1)
    threads = ma.fields.Integer(validate=ma.validate.Equal(1, error="one thread per core"), load_default=1)


class CpuSchema(ma.Schema):
    topology = ma.fields.Nested(TopologySchema, required=True)


class SnapshotReferences(ma.Schema):
    snapshot = ma.fields.List(ma.fields.Nested(Reference), required=True, validate=ma.validate.Length(equal=1))


class CloneOption(ma.Schema):
    clone = ma.fields.Boolean(load_default=False)


class VmCloneSchema(ma.Schema):
    """``POST /api/vms/{id}/clone``: ``<action><vm><name/></vm></action>``."""

    xml_element = "action"

    vm = ma.fields.Nested(lambda: NamedVm(), required=True)
    asynchronous = ma.fields.Boolean(data_key="async")
    status = ma.fields.Dict(dump_only=True)


class NamedVm(ma.Schema):
    name = name_field(255, required=True)


class VmSchema(ResourceSchema, DropsEmpty):
    xml_element = "vm"
    xml_collection = "vms"
    collection_path = "/api/vms"

    name = name_field(255, required=True)
    description = ma.fields.String(validate=ma.validate.Length(max=4000), load_default="")
    status = ma.fields.Method("state", dump_only=True)
    memory = ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=16 * MiB, max=MAX_BYTES), load_default=64 * MiB
    )
    cpu = ma.fields.Method("cpu_dump", deserialize="cpu_load", metadata={OPENAPI_SCHEMA: CpuSchema})
    host = ma.fields.Method("host_dump", dump_only=True)
    cluster = cluster_field(required=True)
    stop_reason = ma.fields.Function(lambda vm: vm.status_detail, dump_only=True)
    # a VM cloned from a snapshot: <snapshots><snapshot id="…"/></snapshots>
    snapshots = ma.fields.Nested(SnapshotReferences, load_only=True)
    # with a template: <disks><clone>true</clone></disks> makes independent copies, not thin ones
    disks = ma.fields.Nested(CloneOption, load_only=True)
    # a VM made from a template: <template id|name/> (its disks thin children of the template's);
    # Blank's (00000000-0000-0000-0000-000000000000): a VM made from nothing, as without a template
    template = ma.fields.Method("template_dump", deserialize="template_load", metadata={OPENAPI_SCHEMA: Reference})
    # runs on throw-away volumes, its writes gone at its stop (every VM of an automatic pool)
    stateless = ma.fields.Boolean(load_default=False)
    vmpool = ma.fields.Function(
        lambda vm: {"id": vm.pool_id, "href": f"/api/vmpools/{vm.pool_id}"} if vm.pool_id else None, dump_only=True
    )

    def template_dump(self, vm: Vm) -> dict[str, str] | None:
        return {"id": vm.template_id, "href": f"/api/templates/{vm.template_id}"} if vm.template_id else None

    def template_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = Reference().load(value)
        return loaded

    def state(self, vm: Vm) -> dict[str, str]:
        """oVirt's ``image_locked`` while a job holds the VM's disks (a snapshot, a preview)."""
        return {"state": "image_locked" if vm.locked_by_job_id else vm.status}

    def cpu_dump(self, vm: Vm) -> dict[str, Any]:
        return {"topology": {"sockets": vm.cpus, "cores": 1, "threads": 1}}

    def cpu_load(self, value: Any) -> int:
        return int(CpuSchema().load(value)["topology"]["sockets"])

    def host_dump(self, vm: Vm) -> dict[str, str] | None:
        return {"id": vm.host_id, "href": f"/api/hosts/{vm.host_id}"} if vm.host_id else None

    def cluster_dump(self, vm: Vm) -> dict[str, str]:
        return cluster_link(vm.cluster_id)

    def cluster_load(self, value: Any) -> dict[str, Any]:
        return load_cluster(value)


@dataclass
class AttachedDisk:
    """A disk as its VM sees it: the disk's fields, the attachment's interface, bootable, active."""

    disk: Disk
    attachment: DiskAttachment

    def __getattr__(self, name: str) -> Any:
        if name in {"interface", "bootable", "active"}:
            return getattr(self.attachment, name)
        return getattr(self.disk, name)


class VmDiskSchema(DiskSchema):
    active = ma.fields.Boolean(dump_only=True)
    vm = ma.fields.Function(lambda d: {"id": d.attachment.vm_id, "href": f"/api/vms/{d.attachment.vm_id}"})

    def make_href(self, disk: Any) -> str:
        return f"/api/vms/{disk.attachment.vm_id}/disks/{disk.id}"


class VmDiskAttachSchema(DiskSchema):
    """Attach the disk ``id``, or add a new disk (the fields of ``POST /api/disks``, validated by
    the same schema before the view runs)."""

    required_any = (("id", "provisioned_size"),)

    id = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    href = ma.fields.String(load_only=True)  # type: ignore[assignment]
    provisioned_size = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_BYTES))
    interface = ma.fields.String(validate=ma.validate.OneOf(INTERFACES), load_default="virtio_scsi")
    active = ma.fields.Boolean(load_default=True)


class DetachOnlySchema(ma.Schema):
    detach_only = ma.fields.Boolean(load_default=False)


class VmRemovalVmSchema(ma.Schema):
    disks = ma.fields.Nested(DetachOnlySchema)


class VmRemovalSchema(ma.Schema):
    """oVirt's optional body of a VM's removal: ``<action><vm><disks><detach_only>true``."""

    xml_element = "action"

    vm = ma.fields.Nested(VmRemovalVmSchema)
    asynchronous = ma.fields.Boolean(data_key="async")


class VmRemovalArgs(ma.Schema):
    """The same as query parameters (oVirt 4's ``?detach_only=true``), and ``async``."""

    asynchronous = ma.fields.Boolean(data_key="async", load_default=False)
    detach_only = ma.fields.Boolean(load_default=False)
