"""The schemas of ``/api/hosts``, named after oVirt 3.6's XML elements: what the views load and
dump, and what the OpenAPI document shows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma

from ovirt_engine_host.api.clusters.schemas import cluster_field, cluster_link, load_cluster
from ovirt_engine_host.api.common import ResourceSchema, name_field
from ovirt_engine_host.db.models import Host

LIBVIRT_DRIVERS = frozenset(
    {"qemu", "test", "xen", "libxl", "lxc", "vbox", "bhyve", "ch", "vz", "esx", "vpx", "hyperv", "openvz"}
)
LIBVIRT_TRANSPORTS = frozenset({"unix", "ssh", "tcp", "tls", "ext", "libssh", "libssh2"})


def libvirt_uri(value: str) -> None:
    """libvirt's connection URI, ``driver[+transport]://[user@][host][:port]/path[?params]``:
    refused before the host is stored (an activation would fail on it much later)."""
    parts = urlsplit(value)
    driver, _, transport = parts.scheme.partition("+")
    problem = (
        "no driver" if not parts.scheme or "://" not in value
        else f"unknown driver {driver!r}" if driver not in LIBVIRT_DRIVERS
        else f"unknown transport {transport!r}" if transport and transport not in LIBVIRT_TRANSPORTS
        else "no path (qemu:///system, test:///default)" if len(parts.path) < 2
        else None
    )  # fmt: skip
    if problem is not None:
        raise ma.ValidationError(f"a libvirt URI, driver[+transport]://[host]/path, e.g. qemu:///system: {problem}")


class HostSchema(ResourceSchema):
    xml_element = "host"
    xml_collection = "hosts"
    collection_path = "/api/hosts"

    name = name_field(255, required=True)
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    status = ma.fields.Function(lambda host: {"state": host.status}, dump_only=True)
    cluster = cluster_field(required=True)
    protocol = ma.fields.String(attribute="libvirt_uri", validate=libvirt_uri)

    def cluster_dump(self, host: Host) -> dict[str, str]:
        return cluster_link(host.cluster_id)

    def cluster_load(self, value: Any) -> dict[str, Any]:
        return load_cluster(value)
