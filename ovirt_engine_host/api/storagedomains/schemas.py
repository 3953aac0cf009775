"""The schemas of ``/api/storagedomains``, named after oVirt 3.6's XML elements: what the views
load and dump, and what the OpenAPI document shows."""

from __future__ import annotations

import marshmallow as ma

from ovirt_engine_host.api.common import DropsEmpty, ResourceSchema
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state


def shown_type(name: str) -> tuple[str, str]:
    """(oVirt's domain type, its storage type) as the plugin that serves ``name`` registered
    them; a type no plugin serves any more is shown as it is stored."""
    registered = engine_state().hooks.storage_domain_type_info().get(name)
    return (registered["ovirt_type"], registered["storage_type"]) if registered else ("data", name)


def status_detail(domain: StorageDomain) -> str | None:
    """What the domain monitor knows beyond the state, as ``key=value`` parts joined by ``; ``:
    ``capacity_source`` (``pool_statistics`` or ``quota``: where ``available`` and ``used``
    come from), ``since`` (when the domain got its status), and while its backend is silent
    ``last_answer`` and ``error`` (last, it may hold anything). ``None`` when not monitored."""
    monitor = domain.monitor
    if monitor is None or (monitor.capacity_source is None and monitor.last_error is None):
        return None
    parts = [f"capacity_source={monitor.capacity_source}"] if monitor.capacity_source else []
    parts.append(f"since={monitor.status_since.isoformat()}")
    if monitor.last_error is not None:
        answered = monitor.last_answer_at.isoformat() if monitor.last_answer_at else "never"
        parts += [f"last_answer={answered}", f"error={monitor.last_error}"]
    return "; ".join(parts)


class StorageDomainSchema(DropsEmpty, ResourceSchema):
    """A storage domain, with what its monitor knows: ``status`` (``active``, or ``inactive``
    while its backend does not answer; the detail per :func:`status_detail`), ``available`` and
    ``used`` bytes (the backend's, as last heard; absent when unknown), ``committed`` bytes (the
    provisioned sizes of the engine's disks on it)."""

    xml_element = "storage_domain"
    xml_collection = "storage_domains"
    collection_path = "/api/storagedomains"

    name = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    data_center = ma.fields.Method("reference_data_center", dump_only=True)
    type = ma.fields.Method("ovirt_type", dump_only=True)
    status = ma.fields.Method("state", dump_only=True)
    storage = ma.fields.Method("storage_of", dump_only=True)
    available = ma.fields.Integer(dump_only=True, attribute="monitor.available")
    used = ma.fields.Integer(dump_only=True, attribute="monitor.used")
    committed = ma.fields.Integer(dump_only=True)

    def ovirt_type(self, domain: StorageDomain) -> str:
        """oVirt's domain type, as the serving plugin registered it (a Cinder domain: ``volume``)."""
        return shown_type(domain.type)[0]

    def storage_of(self, domain: StorageDomain) -> dict[str, str]:
        return {"type": shown_type(domain.type)[1]}

    def reference_data_center(self, domain: StorageDomain) -> dict[str, str]:
        return {"id": domain.data_center_id, "href": f"/api/datacenters/{domain.data_center_id}"}

    def state(self, domain: StorageDomain) -> dict[str, str]:
        detail = status_detail(domain)
        return {"state": domain.status, **({"detail": detail} if detail else {})}
