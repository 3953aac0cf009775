"""What a disk on a storage domain may be, by the rules the serving plugin registered with its
storage-domain type (:class:`~ovirt_engine_host.contract.DiskRules`): the engine checks a new
disk, an extend and a disk's extra fields with them before anything is written, in the plugin's
words, and knows no backend's rules itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ovirt_engine_host.contract import StorageDomainType
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.plugins import EngineHooks

EXTRA_FIELDS = {"openstack_volume_type": "volume_type"}
"""oVirt's optional disk fields that only some storage types take: API name -> disk attribute."""


def registered_type(hooks: EngineHooks, domain_type: str) -> StorageDomainType:
    registered = hooks.storage_domain_type_info().get(domain_type)
    if registered is None:
        raise Refused(400, f"storage_domain: no plugin serves storage domains of type {domain_type!r}")
    return registered


def check_size(registered: StorageDomainType, size: int, field: str = "provisioned_size") -> None:
    rules = registered["disks"]
    granularity = rules["size_granularity"]
    if size <= 0 or size % granularity:
        raise Refused(400, f"{field}: {rules['size_rule']}; {size} bytes is not a positive multiple of {granularity}")


def check_extra_field(registered: StorageDomainType, field: str) -> None:
    """The storage type takes ``field`` (one of :data:`EXTRA_FIELDS`), e.g. for a change of it."""
    if field not in registered["disks"]["extra_fields"]:
        raise Refused(400, f"{field}: {registered['storage_type']} disks take no {field}")


def check_new_disk(registered: StorageDomainType, spec: Mapping[str, Any]) -> None:
    """A new disk's format, size, sharing and extra fields, as its storage type allows them."""
    rules, storage_type = registered["disks"], registered["storage_type"]
    disk_format = spec.get("format") or rules["formats"][0]
    if disk_format not in rules["formats"]:
        allowed = ", ".join(repr(f) for f in rules["formats"])
        raise Refused(422, f"format: {storage_type} disks are {allowed}; {disk_format!r} is not supported")
    check_size(registered, int(spec["provisioned_size"]))
    if spec.get("shareable") and not rules["shareable"]:
        raise Refused(422, f"shareable: {storage_type} disks cannot be shared between VMs")
    for field, attribute in EXTRA_FIELDS.items():
        if spec.get(attribute) and field not in rules["extra_fields"]:
            raise Refused(400, f"{field}: {storage_type} disks take no {field}")
