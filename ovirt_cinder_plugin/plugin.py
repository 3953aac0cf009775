"""The plugin module the engine loads from the ``ovirt_engine.plugins`` entry point.

Hook implementations live here (and only here): they translate the engine's objects into calls
of the plugin's service layer. The hook specifications belong to the engine.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData

from ovirt_cinder_plugin.hostside import rbd_disks
from ovirt_cinder_plugin.hostside.install import hook_scripts
from ovirt_cinder_plugin.runtime import runtime_for
from ovirt_cinder_plugin.services.disks import DiskOperations
from ovirt_cinder_plugin.services.domain_status import domain_status
from ovirt_engine_host.contract import AccessRegistry, PluginServices, RestApi, StorageDomainType, hookimpl

STORAGE_DOMAIN_TYPE = "cinder"
GiB = 1024**3


@hookimpl
def ovirt_engine_storage_domain_types() -> list[StorageDomainType]:
    return [
        {
            "name": STORAGE_DOMAIN_TYPE,
            # oVirt 3.6 showed a Cinder domain as <type>volume</type>, <storage><type>cinder</type>
            "ovirt_type": "volume",
            "storage_type": "cinder",
            "disks": {
                "formats": ["raw"],
                "size_granularity": GiB,
                "size_rule": "Cinder volumes are sized in whole GiB",
                "shareable": False,  # multi-attach Cinder volumes are not supported (yet)
                "extra_fields": ["openstack_volume_type"],
            },
            "host": {"custom_property": rbd_disks.CUSTOM_PROPERTY, "hooks_dir": str(hook_scripts())},
        }
    ]


@hookimpl
def ovirt_engine_register_rest(api: RestApi, services: PluginServices) -> None:
    from ovirt_cinder_plugin.api.authentication_keys import routes as keys
    from ovirt_cinder_plugin.api.providers import routes as providers
    from ovirt_cinder_plugin.api.volume_types import routes as volume_types

    runtime = runtime_for(services)
    for resource in (providers, volume_types, keys):
        api.register_blueprint(resource.create_blueprint(services, runtime.providers))


PROVIDER_GROUP = "configure_openstack_volume_provider"


@hookimpl
def ovirt_engine_register_access(registry: AccessRegistry) -> None:
    """A provider is an administrative object right below the system; its authentication keys
    and volume types are managed through it, with the plugin's own action group, which a
    StorageAdmin holds (a SuperUser holds every group)."""
    from ovirt_cinder_plugin.db.models import Provider

    registry.action_group(
        PROVIDER_GROUP,
        "Add, change and remove OpenStack volume providers, their keys and volume types",
        ("StorageAdmin",),
    )
    registry.object_type(
        "openstack_volume_provider",
        Provider.id,
        Provider.name,
        administrative=True,
        what="OpenStack volume provider",
        collection="openstackvolumeproviders",
    )


def _disks(storage_domain: Any, services: Any) -> DiskOperations | None:
    """The disk operations serving this application, or None for another plugin's domain."""
    if storage_domain.type != STORAGE_DOMAIN_TYPE:
        return None
    return runtime_for(services).disks


@hookimpl
def ovirt_engine_create_disk(storage_domain: Any, disk: Any, resuming: bool, services: Any) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.create(storage_domain, disk, resuming) if operations else None


@hookimpl
def ovirt_engine_delete_disk(storage_domain: Any, disk: Any, services: Any) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.delete(storage_domain, disk) if operations else None


@hookimpl
def ovirt_engine_extend_disk(storage_domain: Any, disk: Any, new_size: int, services: Any) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.extend(storage_domain, disk, new_size) if operations else None


@hookimpl
def ovirt_engine_create_snapshot(
    storage_domain: Any, disk: Any, snapshot: Any, resuming: bool, services: Any
) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.snapshot(storage_domain, disk, snapshot, resuming) if operations else None


@hookimpl
def ovirt_engine_delete_snapshot(storage_domain: Any, snapshot: Any, services: Any) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.delete_snapshot(storage_domain, snapshot) if operations else None


@hookimpl
def ovirt_engine_clone_disk(
    storage_domain: Any, disk: Any, snapshot: Any, request_id: str, resuming: bool, services: Any
) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.clone(storage_domain, disk, snapshot, request_id, resuming) if operations else None


@hookimpl
def ovirt_engine_clone_volume(
    storage_domain: Any, disk: Any, source_volume_id: str, request_id: str, resuming: bool, services: Any
) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.clone_volume(storage_domain, disk, source_volume_id, request_id, resuming) if operations else None


@hookimpl
def ovirt_engine_copy_volume(
    storage_domain: Any, disk: Any, source_volume_id: str, request_id: str, resuming: bool, services: Any
) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.copy_volume(storage_domain, disk, source_volume_id, request_id, resuming) if operations else None


@hookimpl
def ovirt_engine_list_volumes(storage_domain: Any, services: Any) -> list[dict[str, Any]] | None:
    operations = _disks(storage_domain, services)
    return operations.list_volumes(storage_domain) if operations else None


@hookimpl
def ovirt_engine_register_volume(storage_domain: Any, volume_id: str, services: Any) -> dict[str, Any] | None:
    operations = _disks(storage_domain, services)
    return operations.register_volume(storage_domain, volume_id) if operations else None


@hookimpl
def ovirt_engine_delete_volume(
    storage_domain: Any, volume_id: str, request_id: str, services: Any
) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.delete_volume(storage_domain, volume_id, request_id) if operations else None


@hookimpl
def ovirt_engine_poll_operations(
    storage_domain: Any, operations: list[dict[str, Any]], services: Any
) -> list[dict[str, Any]] | None:
    disks = _disks(storage_domain, services)
    return disks.poll(storage_domain, operations) if disks else None


@hookimpl
def ovirt_engine_check_quota(storage_domain: Any, request: Any, services: Any) -> dict[str, Any] | None:
    operations = _disks(storage_domain, services)
    return operations.check_quota(storage_domain, request) if operations else None


@hookimpl
def ovirt_engine_retype_disk(storage_domain: Any, disk: Any, volume_type: str, services: Any) -> dict[str, str] | None:
    operations = _disks(storage_domain, services)
    return operations.retype(storage_domain, disk, volume_type) if operations else None


@hookimpl
def ovirt_engine_domain_status(storage_domain: Any, services: Any) -> dict[str, Any] | None:
    operations = _disks(storage_domain, services)
    return domain_status(operations, storage_domain) if operations else None


@hookimpl
def ovirt_engine_db_metadata() -> MetaData:
    from ovirt_cinder_plugin.db.models import Base

    return Base.metadata


@hookimpl
def ovirt_engine_migrations() -> dict[str, str]:
    from ovirt_cinder_plugin.db import BRANCH, VERSIONS_DIR

    return {"branch": BRANCH, "versions_dir": str(VERSIONS_DIR)}


@hookimpl
def ovirt_engine_prepare_disk(
    storage_domain: Any, disk: Any, host: Any, vm: Any, services: Any
) -> dict[str, Any] | None:
    if storage_domain.type != STORAGE_DOMAIN_TYPE:
        return None
    return runtime_for(services).host_access.prepare(storage_domain, disk, host, vm)


@hookimpl
def ovirt_engine_release_disk(storage_domain: Any, connection: dict[str, Any], services: Any) -> bool | None:
    if storage_domain.type != STORAGE_DOMAIN_TYPE:
        return None
    return runtime_for(services).host_access.release(storage_domain, connection)


@hookimpl
def ovirt_engine_host_secrets(data_center: Any, services: Any) -> list[dict[str, Any]]:
    return runtime_for(services).host_access.secrets(data_center)
