"""Cinder volume types, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.calls import boundary
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import VolumeTypeNotFound

__all__ = ["VolumeType", "VolumeTypeNotFound", "get_volume_type", "list_volume_types"]


@dataclass(frozen=True)
class VolumeType:
    id: str
    name: str
    description: str
    extra_specs: dict[str, str]


def _plain(volume_type: object) -> VolumeType:
    return VolumeType(
        id=str(getattr(volume_type, "id", "")),
        name=str(getattr(volume_type, "name", "")),
        description=str(getattr(volume_type, "description", None) or ""),
        extra_specs={str(k): str(v) for k, v in (getattr(volume_type, "extra_specs", None) or {}).items()},
    )


@boundary
def list_volume_types(connection: CinderConnection) -> list[VolumeType]:
    """The volume types the provider's project sees, by name."""
    return sorted((_plain(t) for t in connection.client.volume_types.list()), key=lambda t: t.name)


@boundary
def get_volume_type(connection: CinderConnection, volume_type_id: str) -> VolumeType:
    """One volume type; VolumeTypeNotFound (404) when Cinder has none of that id."""
    try:
        return _plain(connection.client.volume_types.get(volume_type_id))
    except cinder_exceptions.NotFound as error:
        raise VolumeTypeNotFound(volume_type_id=volume_type_id) from error
