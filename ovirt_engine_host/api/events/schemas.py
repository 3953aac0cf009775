"""The schemas of ``/api/events``, named after oVirt 3.6's XML elements: what the views load and
dump, and what the OpenAPI document shows.

An event's object is shown as oVirt shows it, a reference named after its type (``<vm id=…>``).
oVirt 3.6's ``Event`` carries VMs, storage domains, hosts, templates and data centers;
the other types (a disk, a VM pool, a permission, a Cinder provider…) are shown in JSON only, and a user who
is the object of a change is ``target_user`` (``user`` is who made it)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import has_request_context

from ovirt_engine_host import listing
from ovirt_engine_host.api.common import DropsEmpty, ResourceSchema
from ovirt_engine_host.api.jobs.schemas import UtcDateTime
from ovirt_engine_host.db.models import Event
from ovirt_engine_host.representation import api_schema
from ovirt_engine_host.rest import client_wants_xml

COLLECTIONS = {
    "data_center": "/api/datacenters", "storage_domain": "/api/storagedomains", "host": "/api/hosts",
    "vm": "/api/vms", "template": "/api/templates", "vm_pool": "/api/vmpools", "disk": "/api/disks",
    "user": "/api/users", "openstack_volume_provider": "/api/openstackvolumeproviders", "role": "/api/roles",
    "group": "/api/groups",
}  # fmt: skip
"""Where an object of each type is, for the reference's ``href`` (a type not here, nested under
another object, is referred to by its id only)."""


def reference(object_type: str, object_id: str) -> dict[str, str]:
    """oVirt's reference to an object: its id, and its ``href`` when it has a URL of its own."""
    collection = COLLECTIONS.get(object_type)
    return {"id": object_id, **({"href": f"{collection}/{object_id}"} if collection else {})}


def _reference_field(object_type: str) -> ma.fields.Function:
    """The field showing the event's object when it is of ``object_type`` (else nothing)."""

    def dump(event: Event) -> dict[str, str] | None:
        if event.object_type != object_type or not event.object_id:
            return None
        return reference(object_type, event.object_id)

    return ma.fields.Function(dump, dump_only=True)


def _user(event: Event) -> dict[str, str] | None:
    if event.user_id is None:
        return None
    return {**reference("user", event.user_id), **({"user_name": event.user_name} if event.user_name else {})}


class EventSchema(ResourceSchema, DropsEmpty):
    xml_element = "event"
    xml_collection = "events"
    collection_path = "/api/events"

    description = ma.fields.String(dump_only=True)
    code = ma.fields.Integer(dump_only=True)
    severity = ma.fields.String(dump_only=True, metadata={"description": "normal, warning or error"})
    time = UtcDateTime(dump_only=True)
    correlation_id = ma.fields.String(dump_only=True)
    user = ma.fields.Function(_user, dump_only=True, metadata={"description": "Who made the change."})
    vm = _reference_field("vm")
    storage_domain = _reference_field("storage_domain")
    host = _reference_field("host")
    template = _reference_field("template")
    data_center = _reference_field("data_center")
    disk = _reference_field("disk")
    vm_pool = _reference_field("vm_pool")
    snapshot = _reference_field("snapshot")
    target_user = _reference_field("user")
    openstack_volume_provider = _reference_field("openstack_volume_provider")
    openstack_volume_type = _reference_field("openstack_volume_type")
    openstack_volume_authentication_key = _reference_field("openstack_volume_authentication_key")
    role = _reference_field("role")
    group = _reference_field("group")
    permission = _reference_field("permission")

    @ma.post_dump
    def only_what_xml_carries(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """In XML, the references oVirt's ``Event`` has no element for are left out."""
        if not (has_request_context() and client_wants_xml()):
            return data
        event = api_schema().element_complex_type(self.xml_element)
        carried = event.children.keys() | event.attributes.keys()
        return {key: value for key, value in data.items() if key in carried}


class EventListArgs(ma.Schema):
    from_ = ma.fields.Integer(
        data_key="from", load_default=None, validate=ma.validate.Range(min=0, max=listing.MAX_LIMIT),
        metadata={"description": "Only the events after this one (their ids are greater): oVirt's from."},
    )  # fmt: skip
