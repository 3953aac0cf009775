"""Cinder volume types, as plain data: listed, read, and managed (create, update, delete).

Managing types is an admin right in Cinder's default policy; a provider whose user lacks it is
answered :class:`~ovirt_cinder_plugin.cinder.errors.VolumeTypesForbidden`. A type is named by
its id or its name, as oVirt's references are: Cinder itself shows a type by id only, so a
reference that is no id is looked for among the listed types' names.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.calls import CLIENT_ERRORS, boundary
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import (
    VolumeTypeExists,
    VolumeTypeInUse,
    VolumeTypeNotFound,
    VolumeTypesForbidden,
)

__all__ = [
    "VolumeType",
    "VolumeTypeNotFound",
    "create_volume_type",
    "delete_volume_type",
    "get_volume_type",
    "list_volume_types",
    "update_volume_type",
]

LOG = logging.getLogger(__name__)
CONFLICT = 409  # cinderclient has no class of its own for Cinder's "a type of that name exists"


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


@contextmanager
def _managing() -> Iterator[None]:
    """Cinder's 403 on a type change is its policy refusing the provider's user, said so."""
    try:
        yield
    except cinder_exceptions.Forbidden as error:
        raise VolumeTypesForbidden(cause=error.message) from error


def _find(connection: CinderConnection, reference: str) -> Any:
    """The cinderclient type named by id or, failing that, by name."""
    try:
        return connection.client.volume_types.get(reference)
    except cinder_exceptions.NotFound:
        pass
    for candidate in connection.client.volume_types.list():
        if str(candidate.name) == reference:
            return candidate
    raise VolumeTypeNotFound(volume_type_id=reference)


@boundary
def list_volume_types(connection: CinderConnection) -> list[VolumeType]:
    """The volume types the provider's project sees, by name."""
    return sorted((_plain(t) for t in connection.client.volume_types.list()), key=lambda t: t.name)


@boundary
def get_volume_type(connection: CinderConnection, volume_type_id: str) -> VolumeType:
    """One volume type by id or name; VolumeTypeNotFound (404) when Cinder has none."""
    return _plain(_find(connection, volume_type_id))


@boundary
def create_volume_type(
    connection: CinderConnection, *, name: str, description: str, extra_specs: Mapping[str, str]
) -> VolumeType:
    """A new public volume type with its extra specs.

    Cinder takes the type and its extra specs in two requests (cinderclient's create has no
    extra specs); when the second is refused the type just made is deleted again, so that a
    refused create leaves no type behind.
    """
    with _managing():
        try:
            created = connection.client.volume_types.create(name, description=description or None)
        except cinder_exceptions.ClientException as error:
            if error.code == CONFLICT:
                raise VolumeTypeExists(name=name) from error
            raise
        if extra_specs:
            try:
                created.set_keys(dict(extra_specs))
            except CLIENT_ERRORS:
                _delete_quietly(connection, str(created.id))
                raise
    LOG.info("created volume type %s (%s) with extra specs %s", name, created.id, sorted(extra_specs))
    return dataclasses.replace(_plain(created), extra_specs=dict(extra_specs))


def _delete_quietly(connection: CinderConnection, volume_type_id: str) -> None:
    try:
        connection.client.volume_types.delete(volume_type_id)
    except CLIENT_ERRORS as error:
        LOG.warning("could not take back the half-made volume type %s: %s", volume_type_id, error)


@boundary
def update_volume_type(
    connection: CinderConnection,
    reference: str,
    *,
    name: str | None = None,
    description: str | None = None,
    extra_specs: Mapping[str, str] | None = None,
) -> VolumeType:
    """Change a type's name, description and (``extra_specs`` not None) its whole set of extra
    specs: keys new or changed are set, keys absent are unset.

    What Cinder is likeliest to refuse comes first, before anything changed: a name another type
    has (checked on the list), then the extra specs (Cinder refuses them while volumes use the
    type); the name and description change last.
    """
    with _managing():
        found = _find(connection, reference)
        current = _plain(found)
        rename = name is not None and name != current.name
        if rename and any(str(t.name) == name for t in connection.client.volume_types.list()):
            raise VolumeTypeExists(name=name)
        if extra_specs is not None:
            changed = {k: v for k, v in extra_specs.items() if current.extra_specs.get(k) != v}
            removed = sorted(set(current.extra_specs) - set(extra_specs))
            try:
                if changed:
                    found.set_keys(changed)
                if removed:
                    found.unset_keys(removed)
            except cinder_exceptions.BadRequest as error:
                if "in use" in str(error.message or "").lower():
                    raise VolumeTypeInUse(
                        action="change the extra specs of", volume_type=current.name, cause=error.message
                    ) from error
                raise
        redescribe = description is not None and description != current.description
        if rename or redescribe:
            try:
                connection.client.volume_types.update(
                    current.id, name=name if rename else None, description=description if redescribe else None
                )
            except cinder_exceptions.ClientException as error:
                if error.code == CONFLICT:
                    raise VolumeTypeExists(name=name) from error
                raise
        LOG.info("updated volume type %s (%s)", name or current.name, current.id)
        return _plain(connection.client.volume_types.get(current.id))


@boundary
def delete_volume_type(connection: CinderConnection, reference: str) -> VolumeType:
    """Delete a type (by id or name) and return what it was; VolumeTypeInUse (409, Cinder's own
    words) while volumes use it."""
    with _managing():
        found = _find(connection, reference)
        gone = _plain(found)
        try:
            connection.client.volume_types.delete(gone.id)
        except cinder_exceptions.NotFound as error:
            raise VolumeTypeNotFound(volume_type_id=reference) from error
        except cinder_exceptions.BadRequest as error:
            raise VolumeTypeInUse(action="delete", volume_type=gone.name, cause=error.message) from error
    LOG.info("deleted volume type %s (%s)", gone.name, gone.id)
    return gone
