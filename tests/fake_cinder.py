"""A small in-memory stand-in for the part of a cinderclient v3 Client the boundary uses.

It answers as Cinder 29 does where the boundary depends on it (metadata filters, 400 for a
delete Cinder will not do, 404 for a missing volume) and records every call, so that tests can
count requests. ``fail[(manager, method)]`` makes the next such call raise the given exception.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.connection import CinderConnection

PROJECT_ID = "0123456789abcdef0123456789abcdef"
DELETE_REFUSED = (
    "Invalid volume: Volume status must be available or error or error_restoring or error_extending or "
    "error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a "
    "transfer, or be disassociated from snapshots after volume transfer."
)
_clock = itertools.count()


@dataclass
class Volume:
    id: str
    status: str
    size: int
    metadata: dict[str, str] = field(default_factory=dict)
    name: str = ""
    description: str = ""
    volume_type: str = "__DEFAULT__"
    has_snapshots: bool = False
    created_at: str = field(default_factory=lambda: f"2026-01-01T00:00:{next(_clock):06d}")


@dataclass
class Message:
    resource_uuid: str
    user_message: str
    created_at: str


@dataclass
class Pool:
    """As cinderclient's detailed pool list hands it back: the capabilities moved up."""

    name: str
    total_capacity_gb: float | str
    free_capacity_gb: float | str
    allocated_capacity_gb: float = 0


@dataclass
class VolumeType:
    id: str
    name: str


class FakeCinder:
    def __init__(self) -> None:
        self.volumes_by_id: dict[str, Volume] = {}
        self.user_messages: list[Message] = []
        self.types = [VolumeType("11111111-1111-1111-1111-111111111111", "fake"), VolumeType("2" * 32, "rbd")]
        self.default_type: VolumeType | None = VolumeType("3" * 32, "__DEFAULT__")
        self.quota_set: dict[str, dict[str, int]] = {}
        self.pool_stats: list[Pool] = []
        self.calls: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail: dict[tuple[str, str], Exception] = {}
        self.volumes = _Manager(self, "volumes")
        self.messages = _Manager(self, "messages")
        self.quotas = _Manager(self, "quotas")
        self.volume_types = _Manager(self, "volume_types")
        self.pools = _Manager(self, "pools")
        self.client = _Adapter()

    def add(self, status: str, size: int = 1, metadata: dict[str, str] | None = None) -> Volume:
        volume = Volume(id=str(uuid.uuid4()), status=status, size=size, metadata=dict(metadata or {}))
        self.volumes_by_id[volume.id] = volume
        return volume

    def calls_to(self, manager: str, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for (m, name, args, kwargs) in self.calls if (m, name) == (manager, method)]

    def connection(self, microversion: str = "3.71") -> CinderConnection:
        return CinderConnection(
            client=self, microversion=microversion, server_min_version="3.0", server_max_version="3.71"
        )

    # volumes

    def volumes_list(self, detailed: bool = True, search_opts: dict[str, Any] | None = None) -> list[Volume]:
        wanted = (search_opts or {}).get("metadata") or {}
        return [v for v in self.volumes_by_id.values() if all(v.metadata.get(k) == val for k, val in wanted.items())]

    def volumes_get(self, volume_id: str) -> Volume:
        if volume_id not in self.volumes_by_id:
            raise cinder_exceptions.NotFound(404, f"Volume {volume_id} could not be found.")
        return self.volumes_by_id[volume_id]

    def volumes_create(self, size: int, **kwargs: Any) -> Volume:
        names = {t.name for t in self.types} | {t.id for t in self.types}
        if kwargs.get("volume_type") is not None and kwargs["volume_type"] not in names:
            raise cinder_exceptions.NotFound(404, f"Volume type with name {kwargs['volume_type']} could not be found.")
        volume = self.add("creating", size, kwargs.get("metadata"))
        volume.name, volume.description = kwargs.get("name", ""), kwargs.get("description", "")
        return volume

    def volumes_delete(self, volume_id: str) -> None:
        volume = self.volumes_get(volume_id)
        if volume.has_snapshots or volume.status not in ("available", "error", "error_extending"):
            raise cinder_exceptions.BadRequest(400, DELETE_REFUSED)
        volume.status = "deleting"

    def volumes_extend(self, volume_id: str, new_size: int) -> None:
        volume = self.volumes_get(volume_id)
        if new_size <= volume.size or volume.status not in ("available", "in-use"):
            raise cinder_exceptions.BadRequest(400, "New size for extend must be greater than current size.")
        volume.status = "extending"

    def volumes_set_metadata(self, volume_id: str, metadata: dict[str, str]) -> None:
        self.volumes_get(volume_id).metadata.update(metadata)

    def volumes_delete_metadata(self, volume_id: str, keys: list[str]) -> None:
        for key in keys:
            self.volumes_get(volume_id).metadata.pop(key, None)

    def volumes_retype(self, volume_id: str, volume_type: str, policy: str) -> None:
        """As Cinder's API: the volume ``retyping`` at once (the scheduler decides later)."""
        volume = self.volumes_get(volume_id)
        if volume.status not in ("available", "in-use") or volume.volume_type == volume_type:
            raise cinder_exceptions.BadRequest(400, "Retype needs volume to be in available or in-use state")
        volume.status = "retyping"

    # the rest

    def messages_list(self, search_opts: dict[str, Any] | None = None) -> list[Message]:
        resource = (search_opts or {}).get("resource_uuid")
        return [m for m in self.user_messages if resource in (None, m.resource_uuid)]

    def quotas_get(self, project_id: str, usage: bool = False) -> Any:
        assert usage, "the boundary needs the usage, not only the limits"
        assert project_id == PROJECT_ID
        return _QuotaSet(self.quota_set)

    def pools_list(self, detailed: bool = False) -> list[Pool]:
        assert detailed, "the boundary needs the capacities, which only the detailed list has"
        return list(self.pool_stats)

    def volume_types_list(self) -> list[VolumeType]:
        return list(self.types)

    def volume_types_default(self) -> VolumeType:
        if self.default_type is None:
            raise cinder_exceptions.NotFound(404, "Default volume type can not be found.")
        return self.default_type


class _Manager:
    def __init__(self, cinder: FakeCinder, name: str) -> None:
        self._cinder = cinder
        self._name = name

    def __getattr__(self, method: str) -> Any:
        implementation = getattr(self._cinder, f"{self._name}_{method}")

        def call(*args: Any, **kwargs: Any) -> Any:
            self._cinder.calls.append((self._name, method, args, kwargs))
            failure = self._cinder.fail.pop((self._name, method), None)
            if failure is not None:
                raise failure
            return implementation(*args, **kwargs)

        return call


class _Adapter:
    endpoint_override = "http://cinder.example:8776/v3"

    def get_project_id(self) -> str:
        return PROJECT_ID


class _QuotaSet:
    def __init__(self, quotas: dict[str, dict[str, int]]) -> None:
        for name, usage in quotas.items():
            setattr(self, name, dict(usage))

    def to_dict(self) -> dict[str, dict[str, int]]:
        """As cinderclient's ``Resource.to_dict``: the quota set as Cinder sent it."""
        return {name: dict(value) for name, value in vars(self).items()}
