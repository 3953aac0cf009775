"""The plugin's disk operations: what the storage hooks do for a ``cinder`` storage domain.

Each operation resolves the domain's provider (``backend_ref``), takes the provider's cached
Cinder connection and calls the Cinder boundary (:mod:`ovirt_cinder_plugin.cinder.volumes`).
Errors keep the boundary's ``status`` and ``transient`` attributes, which the engine reads.
"""

from __future__ import annotations

from typing import Any

from ovirt_cinder_plugin import rbd_images
from ovirt_cinder_plugin.cinder import attachments, quota, snapshots, volumes
from ovirt_cinder_plugin.cinder.connection import CinderConnection
from ovirt_cinder_plugin.cinder.errors import CinderError, SecretMissing
from ovirt_cinder_plugin.db.models import Provider
from ovirt_cinder_plugin.services.providers import ProviderService
from ovirt_cinder_plugin.services.quota_ledger import QuotaLedger


class ProviderMissing(CinderError):
    """The storage domain's provider row is gone (removed while the domain was in use)."""

    status = 404
    template = "storage domain {storage_domain} has no OpenStack volume provider {provider_id}"


class DiskOperations:
    def __init__(self, providers: ProviderService) -> None:
        self.providers = providers
        self.quotas = QuotaLedger()

    def connection(self, storage_domain: Any) -> CinderConnection:
        with self.providers.session() as session:
            provider = session.get(Provider, storage_domain.backend_ref or "")
            if provider is None:
                raise ProviderMissing(storage_domain=storage_domain.name, provider_id=storage_domain.backend_ref)
            return self.providers.cached_connection(provider)

    def create(self, storage_domain: Any, disk: Any, resuming: bool) -> dict[str, str]:
        size = volumes.size_in_gib(disk.provisioned_size)
        try:
            volume_id = volumes.create_volume(
                self.connection(storage_domain),
                request_id=disk.id,
                storage_domain_id=storage_domain.id,
                engine_id=self.providers.services.engine_id,
                name=disk.name,
                description=disk.description or "",
                size_gib=size,
                volume_type=disk.volume_type,
                resuming=resuming,
            )
        except CinderError:
            self.quotas.forget(storage_domain.backend_ref or "")  # what the ledger reserved did not happen
            raise
        return {"backend_id": volume_id, "kind": "create_disk", "request_id": disk.id}

    def delete(self, storage_domain: Any, disk: Any) -> dict[str, str]:
        volume_id = disk.active_volume_id
        volumes.delete_volume(self.connection(storage_domain), volume_id)
        return {"backend_id": volume_id, "kind": "delete_disk", "request_id": disk.id}

    def extend(self, storage_domain: Any, disk: Any, new_size: int) -> dict[str, str]:
        volume_id = disk.active_volume_id
        volumes.extend_volume(self.connection(storage_domain), volume_id, volumes.size_in_gib(new_size))
        return {"backend_id": volume_id, "kind": "extend_disk", "request_id": disk.id}

    def retype(self, storage_domain: Any, disk: Any, volume_type: str) -> dict[str, str]:
        """Cinder's retype of the disk's active volume to ``volume_type`` (a name or an id: the
        poll compares names, as Cinder lists volumes with their type's name)."""
        volume_id = disk.active_volume_id
        connection = self.connection(storage_domain)
        type_name = quota.volume_type_name(connection, volume_type) or volume_type
        volumes.retype_volume(connection, volume_id, type_name)
        return {"backend_id": volume_id, "kind": "retype_disk", "request_id": disk.id}

    def snapshot(self, storage_domain: Any, disk: Any, snapshot: Any, resuming: bool) -> dict[str, str]:
        snapshot_id = snapshots.create_snapshot(
            self.connection(storage_domain),
            volume_id=snapshot.volume_id,
            request_id=snapshot.id,
            storage_domain_id=storage_domain.id,
            engine_id=self.providers.services.engine_id,
            name=f"{disk.name} {snapshot.description}"[:255],
            description=snapshot.description,
            resuming=resuming,
        )
        return {"backend_id": snapshot_id, "kind": "create_snapshot", "request_id": snapshot.id}

    def delete_snapshot(self, storage_domain: Any, snapshot: Any) -> dict[str, str]:
        snapshots.delete_snapshot(self.connection(storage_domain), snapshot.backend_id)
        return {"backend_id": snapshot.backend_id, "kind": "delete_snapshot", "request_id": snapshot.id}

    def clone(self, storage_domain: Any, disk: Any, snapshot: Any, request_id: str, resuming: bool) -> dict[str, str]:
        """A new volume made from a disk snapshot (an RBD copy-on-write child of it)."""
        volume_id = self._volume_from(storage_domain, disk, request_id, resuming, snapshot_id=snapshot.backend_id)
        return {"backend_id": volume_id, "kind": "clone_disk", "request_id": request_id}

    def clone_volume(
        self, storage_domain: Any, disk: Any, source_volume_id: str, request_id: str, resuming: bool
    ) -> dict[str, str]:
        """A new volume made from another (Cinder's ``source_volid``: on RBD a copy-on-write child
        of a snapshot Cinder takes of the source, which Cinder itself keeps while the child lives)."""
        volume_id = self._volume_from(storage_domain, disk, request_id, resuming, source_volume_id=source_volume_id)
        return {"backend_id": volume_id, "kind": "clone_volume", "request_id": request_id}

    def _volume_from(self, storage_domain: Any, disk: Any, request_id: str, resuming: bool, **source: str) -> str:
        """A volume of the disk's size and type made from a snapshot or a volume (``source``)."""
        return volumes.create_volume(
            self.connection(storage_domain),
            request_id=request_id,
            storage_domain_id=storage_domain.id,
            engine_id=self.providers.services.engine_id,
            name=disk.name,
            description=disk.description or "",
            size_gib=volumes.size_in_gib(disk.provisioned_size),
            volume_type=disk.volume_type,
            resuming=resuming,
            **source,
        )

    def copy_volume(
        self, storage_domain: Any, disk: Any, source_volume_id: str, request_id: str, resuming: bool
    ) -> dict[str, str]:
        """An independent copy: Cinder's clone of the volume, flattened once it is available
        (:meth:`poll` reports it done only then)."""
        handle = self.clone_volume(storage_domain, disk, source_volume_id, request_id, resuming)
        return {**handle, "kind": "copy_volume"}

    def make_independent(self, storage_domain: Any, volume_id: str) -> None:
        """Flatten the volume's RBD image with the provider's cephx key (``rbd_images``)."""
        connection = self.connection(storage_domain)
        data = attachments.connection_data(
            connection, volume_id, attachments.connector_for("ovirt-engine", "127.0.0.1")
        )
        with self.providers.session() as session:
            provider = session.get(Provider, storage_domain.backend_ref or "")
            keys = [k for k in (provider.keys if provider else []) if k.uuid == data.get("secret_uuid")]
            key = self.providers.services.secret_box.decrypt(keys[0].value_encrypted) if keys else None
        if data.get("auth_enabled") and key is None:
            raise SecretMissing(uuid=str(data.get("secret_uuid")), provider=storage_domain.backend_ref)
        rbd_images.flatten(data, key)

    def list_volumes(self, storage_domain: Any) -> list[dict[str, Any]]:
        return volumes.list_volumes(self.connection(storage_domain))

    def register_volume(self, storage_domain: Any, volume_id: str) -> dict[str, Any]:
        return volumes.claim_volume(
            self.connection(storage_domain), volume_id, storage_domain.id, self.providers.services.engine_id
        )

    def delete_volume(self, storage_domain: Any, volume_id: str, request_id: str) -> dict[str, str]:
        volumes.delete_volume(self.connection(storage_domain), volume_id)
        return {"backend_id": volume_id, "kind": "delete_volume", "request_id": request_id}

    def poll(self, storage_domain: Any, operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """At most one volume list and one snapshot list for all pending operations of a domain."""
        connection = self.connection(storage_domain)
        answers: list[dict[str, Any] | None] = [None] * len(operations)
        for is_snapshot, states in ((False, volumes.operation_states), (True, snapshots.snapshot_states)):
            positions = [i for i, o in enumerate(operations) if (o["kind"] in snapshots.SNAPSHOT_KINDS) == is_snapshot]
            if positions:
                for position, state in zip(
                    positions, states(connection, storage_domain.id, [operations[i] for i in positions]), strict=True
                ):
                    answers[position] = state
        for operation, answer in zip(operations, answers, strict=True):
            if operation["kind"] == "copy_volume" and answer is not None and answer["state"] == "done":
                try:  # an independent copy is done once it no longer depends on its source
                    self.make_independent(storage_domain, str(operation["backend_id"]))
                except (CinderError, rbd_images.FlattenFailed) as error:
                    answer.update(state="failed", reason=str(error))
        return [answer for answer in answers if answer is not None]

    def check_quota(self, storage_domain: Any, request: Any) -> dict[str, Any]:
        return self.quotas.check(
            storage_domain.backend_ref or "",
            self.connection(storage_domain),
            operation=request.operation,
            size_gib=volumes.size_in_gib(request.size_delta),
            count=request.count,
            volume_type=request.volume_type,
        )
