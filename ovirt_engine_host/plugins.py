"""The plugin manager and the engine's typed facade over its hook calls (as tox does): the rest
of the engine calls these methods, never ``pm.hook`` directly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import pluggy
from sqlalchemy import MetaData

from ovirt_engine_host import PLUGIN_ENTRY_POINT_GROUP, contract, default_permissions
from ovirt_engine_host.contract import (
    AccessFacts,
    AccessRegistry,
    AccessTarget,
    BackendVolume,
    ConnectionInfo,
    DataCenterView,
    Decision,
    DiskView,
    DomainStatus,
    HostSecret,
    HostView,
    OperationHandle,
    OperationStatus,
    PluginServices,
    QuotaRequestView,
    QuotaVerdict,
    RestApi,
    SnapshotView,
    StorageDomainType,
    StorageDomainView,
    UserView,
    VmView,
)


def build_plugin_manager(disabled: Iterable[str] = (), extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """Specs first, then the installed plugins (entry point group ``ovirt_engine.plugins``), then
    a check that every implementation matches a spec. ``disabled`` names plugins not to load."""
    manager = pluggy.PluginManager(contract.PROJECT_NAME)
    manager.add_hookspecs(contract)
    manager.register(default_permissions, name="default_permissions")  # first registered: asked last
    for name in disabled:
        manager.set_blocked(name)
    for plugin in extra_plugins:
        manager.register(plugin)
    manager.load_setuptools_entrypoints(PLUGIN_ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager


class EngineHooks:
    """One typed method per hook spec. The arguments are typed by the contract's ``…View``
    protocols, so mypy checks that the engine's own objects (ORM rows, dataclasses) offer what
    the contract promises plugins. ``services`` (the engine's
    :class:`~ovirt_engine_host.plugin_services.EngineServices`) is passed to every storage hook, so that
    a plugin serves each application with its own database."""

    def __init__(self, manager: pluggy.PluginManager, services: Any = None) -> None:
        self.manager = manager
        self.services = services
        self._hook: Any = manager.hook
        self._types: dict[str, StorageDomainType] | None = None

    def plugin_names(self) -> list[str]:
        return sorted(name for name, plugin in self.manager.list_name_plugin() if plugin is not None)

    def storage_domain_types(self) -> set[str]:
        return set(self.storage_domain_type_info())

    def storage_domain_type_info(self) -> dict[str, StorageDomainType]:
        """Every plugin's storage-domain types by name (collected once: registrations do not change)."""
        if self._types is None:
            self._types = {t["name"]: t for types in self._hook.ovirt_engine_storage_domain_types() for t in types}
        return self._types

    def register_rest(self, api: RestApi, services: PluginServices) -> None:
        self._hook.ovirt_engine_register_rest(api=api, services=services)

    def db_metadata(self) -> list[MetaData]:
        return list(self._hook.ovirt_engine_db_metadata())

    def migration_dirs(self) -> list[str]:
        return [m["versions_dir"] for m in self._hook.ovirt_engine_migrations()]

    # -- storage operations (firstresult: None means no plugin serves the domain's type) --
    def _storage(self, name: str, **arguments: Any) -> Any:
        return getattr(self._hook, f"ovirt_engine_{name}")(services=self.services, **arguments)

    def create_disk(self, storage_domain: StorageDomainView, disk: DiskView, resuming: bool) -> OperationHandle | None:
        handle = self._storage("create_disk", storage_domain=storage_domain, disk=disk, resuming=resuming)
        return cast("OperationHandle | None", handle)

    def delete_disk(self, storage_domain: StorageDomainView, disk: DiskView) -> OperationHandle | None:
        return cast("OperationHandle | None", self._storage("delete_disk", storage_domain=storage_domain, disk=disk))

    def extend_disk(self, storage_domain: StorageDomainView, disk: DiskView, new_size: int) -> OperationHandle | None:
        handle = self._storage("extend_disk", storage_domain=storage_domain, disk=disk, new_size=new_size)
        return cast("OperationHandle | None", handle)

    def create_snapshot(
        self, storage_domain: StorageDomainView, disk: DiskView, snapshot: SnapshotView, resuming: bool
    ) -> OperationHandle | None:
        handle = self._storage(
            "create_snapshot", storage_domain=storage_domain, disk=disk, snapshot=snapshot, resuming=resuming
        )
        return cast("OperationHandle | None", handle)

    def delete_snapshot(self, storage_domain: StorageDomainView, snapshot: SnapshotView) -> OperationHandle | None:
        handle = self._storage("delete_snapshot", storage_domain=storage_domain, snapshot=snapshot)
        return cast("OperationHandle | None", handle)

    def clone_disk(
        self, storage_domain: StorageDomainView, disk: DiskView, snapshot: SnapshotView, request_id: str, resuming: bool
    ) -> OperationHandle | None:
        handle = self._storage(
            "clone_disk", storage_domain=storage_domain, disk=disk, snapshot=snapshot, request_id=request_id,
            resuming=resuming,
        )  # fmt: skip
        return cast("OperationHandle | None", handle)

    def clone_volume(
        self, storage_domain: StorageDomainView, disk: DiskView, source_volume_id: str, request_id: str, resuming: bool
    ) -> OperationHandle | None:
        handle = self._storage(
            "clone_volume", storage_domain=storage_domain, disk=disk, source_volume_id=source_volume_id,
            request_id=request_id, resuming=resuming,
        )  # fmt: skip
        return cast("OperationHandle | None", handle)

    def copy_volume(
        self, storage_domain: StorageDomainView, disk: DiskView, source_volume_id: str, request_id: str, resuming: bool
    ) -> OperationHandle | None:
        handle = self._storage(
            "copy_volume", storage_domain=storage_domain, disk=disk, source_volume_id=source_volume_id,
            request_id=request_id, resuming=resuming,
        )  # fmt: skip
        return cast("OperationHandle | None", handle)

    def list_volumes(self, storage_domain: StorageDomainView) -> list[BackendVolume] | None:
        return cast("list[BackendVolume] | None", self._storage("list_volumes", storage_domain=storage_domain))

    def register_volume(self, storage_domain: StorageDomainView, volume_id: str) -> BackendVolume | None:
        found = self._storage("register_volume", storage_domain=storage_domain, volume_id=volume_id)
        return cast("BackendVolume | None", found)

    def delete_volume(
        self, storage_domain: StorageDomainView, volume_id: str, request_id: str
    ) -> OperationHandle | None:
        handle = self._storage(
            "delete_volume", storage_domain=storage_domain, volume_id=volume_id, request_id=request_id
        )
        return cast("OperationHandle | None", handle)

    def poll_operations(
        self, storage_domain: StorageDomainView, operations: list[OperationHandle]
    ) -> list[OperationStatus] | None:
        statuses = self._storage("poll_operations", storage_domain=storage_domain, operations=operations)
        return cast("list[OperationStatus] | None", statuses)

    def check_quota(self, storage_domain: StorageDomainView, request: QuotaRequestView) -> QuotaVerdict | None:
        return cast("QuotaVerdict | None", self._storage("check_quota", storage_domain=storage_domain, request=request))

    def retype_disk(
        self, storage_domain: StorageDomainView, disk: DiskView, volume_type: str
    ) -> OperationHandle | None:
        handle = self._storage("retype_disk", storage_domain=storage_domain, disk=disk, volume_type=volume_type)
        return cast("OperationHandle | None", handle)

    def domain_status(self, storage_domain: StorageDomainView) -> DomainStatus | None:
        return cast("DomainStatus | None", self._storage("domain_status", storage_domain=storage_domain))

    # -- hosts -------------------------------------------------------------------------
    def prepare_disk(
        self, storage_domain: StorageDomainView, disk: DiskView, host: HostView, vm: VmView
    ) -> ConnectionInfo | None:
        info = self._storage("prepare_disk", storage_domain=storage_domain, disk=disk, host=host, vm=vm)
        return cast("ConnectionInfo | None", info)

    def release_disk(
        self, storage_domain: StorageDomainView, disk: DiskView, host: HostView, vm: VmView, connection: ConnectionInfo
    ) -> bool | None:
        released = self._storage(
            "release_disk", storage_domain=storage_domain, disk=disk, host=host, vm=vm, connection=connection
        )
        return cast("bool | None", released)

    def permission(self, user: UserView, action_group: str, target: AccessTarget, facts: AccessFacts) -> Decision:
        decided = self._hook.ovirt_engine_permission(user=user, action_group=action_group, target=target, facts=facts)
        return cast("Decision", decided or "deny")

    def register_access(self, registry: AccessRegistry) -> None:
        self._hook.ovirt_engine_register_access(registry=registry)

    def host_secrets(self, data_center: DataCenterView) -> list[HostSecret]:
        lists = self._hook.ovirt_engine_host_secrets(data_center=data_center, services=self.services)
        return [secret for found in lists for secret in found]
