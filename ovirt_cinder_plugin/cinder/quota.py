"""Checking a project's Cinder quota before asking Cinder for volumes or gigabytes.

Cinder enforces its quotas itself, but only one create at a time and only once the request is
sent; the engine asks first so that a request for several disks is refused as a whole, with a
message that names the quota and the numbers, before any volume exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from ovirt_cinder_plugin.cinder.calls import boundary, cinder_errors, supports
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import CinderError, CinderRefused, VolumeTypeUnknown

LOG = logging.getLogger(__name__)

# GET /types/default came with 3.62.
DEFAULT_TYPE_MICROVERSION = "3.62"
UNLIMITED = -1
QuotaOperation = Literal["create", "extend", "snapshot", "retype"]


@dataclass(frozen=True)
class Demand:
    """What a request adds to one quota of the project."""

    quota: str
    added: int
    unit: str  # "volume", "snapshot" or "GiB"
    volume_type: str | None = None


@boundary
def check_quota(
    connection: CinderConnection,
    *,
    operation: QuotaOperation,
    size_gib: int,
    count: int,
    volume_type: str | None,
) -> dict[str, Any]:
    """Whether the project's quota lets ``count`` volumes of ``size_gib`` GiB be created, or grow.

    For "create", ``count`` volumes of ``size_gib`` each; for "extend", ``size_gib`` is the growth
    of each of ``count`` volumes (0 counts as one) and the number of volumes does not change; for
    "retype", ``count`` volumes of ``size_gib`` each join ``volume_type`` (its quotas only).
    The quotas are checked in order: volumes, gigabytes, then volumes_<type> and
    gigabytes_<type> of the volume type (by name; ``volume_type`` may be a name or an id, None is
    Cinder's default type). Usage counts what is reserved by requests under way; -1 is unlimited.

    Returns {"allowed", "limit", "message", "in_use", "requested", "maximum"}: when refused, the
    first quota that does not suffice (its name, e.g. "gigabytes_fake"), a message naming it and
    the numbers, the usage, what the request adds and the quota's limit; all None when allowed.
    Raises CinderError when Cinder cannot tell (unreachable, refused), VolumeTypeUnknown for a
    type Cinder does not have.
    """
    project_id = _project_id(connection)
    quota_set = connection.client.quotas.get(project_id, usage=True)
    type_name = volume_type_name(connection, volume_type)
    return verdict(project_id, quota_set.to_dict(), operation, size_gib, count, type_name)


@boundary
def read_usage(connection: CinderConnection) -> tuple[str, dict[str, Any]]:
    """(project id, its quota set with usage: ``{quota: {limit, in_use, reserved}}``)."""
    project_id = _project_id(connection)
    return project_id, connection.client.quotas.get(project_id, usage=True).to_dict()


@boundary
def verdict(
    project_id: str,
    usage: dict[str, Any],
    operation: QuotaOperation,
    size_gib: int,
    count: int,
    type_name: str | None,
) -> dict[str, Any]:
    """The verdict of :func:`check_quota` from a quota set already read (no request)."""
    for demand in demands(operation, size_gib, count, type_name):
        refusal = _refusal(project_id, demand, usage.get(demand.quota))
        if refusal is not None:
            return refusal
    return {"allowed": True, "limit": None, "message": None, "in_use": None, "requested": None, "maximum": None}


@boundary
def demands(operation: QuotaOperation, size_gib: int, count: int, type_name: str | None) -> list[Demand]:
    """What the request adds to each quota it touches."""
    if operation not in ("create", "extend", "snapshot", "retype"):
        raise ValueError(f"unknown operation {operation!r}")
    if operation == "retype":
        # the volumes exist already: only the new type's own quotas gain them
        if type_name is None:
            return []
        return [
            Demand(f"volumes_{type_name}", count, "volume", type_name),
            Demand(f"gigabytes_{type_name}", size_gib * count, "GiB", type_name),
        ]
    if operation == "snapshot":
        # Cinder counts a snapshot's size against gigabytes too (unless no_snapshot_gb_quota)
        found = [Demand("snapshots", count, "snapshot"), Demand("gigabytes", size_gib * count, "GiB")]
        if type_name is not None:
            found += [
                Demand(f"snapshots_{type_name}", count, "snapshot", type_name),
                Demand(f"gigabytes_{type_name}", size_gib * count, "GiB", type_name),
            ]
        return found
    volumes_added = count if operation == "create" else 0
    gigabytes_added = size_gib * (count if operation == "create" else max(count, 1))
    found = [Demand("volumes", volumes_added, "volume"), Demand("gigabytes", gigabytes_added, "GiB")]
    if type_name is not None:
        found += [
            Demand(f"volumes_{type_name}", volumes_added, "volume", type_name),
            Demand(f"gigabytes_{type_name}", gigabytes_added, "GiB", type_name),
        ]
    return found


def _project_id(connection: CinderConnection) -> str:
    """The project whose quota applies: Keystone's for the token, the noauth plugin's own otherwise.

    Both keystoneauth plugins answer through the session adapter cinderclient uses.
    """
    project_id = connection.client.client.get_project_id()
    if not project_id:
        raise CinderError(cause="the provider's credentials are not scoped to a project, which has the quota")
    return str(project_id)


@boundary
def volume_type_name(connection: CinderConnection, volume_type: str | None) -> str | None:
    """The name Cinder's per-type quotas use; None when the default type cannot be known."""
    if volume_type is None:
        return _default_volume_type_name(connection)
    for candidate in connection.client.volume_types.list():
        if volume_type in (str(candidate.id), str(candidate.name)):
            return str(candidate.name)
    raise VolumeTypeUnknown(volume_type=volume_type)


def _default_volume_type_name(connection: CinderConnection) -> str | None:
    if not supports(connection, DEFAULT_TYPE_MICROVERSION):
        return None
    try:
        with cinder_errors(connection):
            return str(connection.client.volume_types.default().name)
    except CinderRefused as error:
        # No default type, or a policy that hides it: that only costs the per-type checks.
        LOG.warning("cannot read Cinder's default volume type, skipping its quotas: %s", error)
        return None


def _refusal(project_id: str, demand: Demand, usage: Any) -> dict[str, Any] | None:
    """The refusal when ``demand`` does not fit the quota ``usage`` ({limit, in_use, reserved})."""
    if demand.added <= 0 or not isinstance(usage, dict):
        return None
    limit = int(usage.get("limit", UNLIMITED))
    if limit == UNLIMITED:
        return None
    reserved = int(usage.get("reserved") or 0)
    in_use = int(usage.get("in_use") or 0) + reserved
    if in_use + demand.added <= limit:
        return None
    of_type = f" of volume type {demand.volume_type!r}" if demand.volume_type else ""
    verb = "is" if in_use == 1 else "are"
    held = "in use or reserved" if reserved else "in use"
    message = (
        f"{demand.quota}: the quota of project {project_id} allows {_amount(limit, demand.unit)}{of_type}; "
        f"{_amount(in_use, demand.unit)} {verb} {held} and this request adds {_amount(demand.added, demand.unit)}"
    )
    return {
        "allowed": False,
        "limit": demand.quota,
        "message": message,
        "in_use": in_use,
        "requested": demand.added,
        "maximum": limit,
    }


def _amount(number: int, unit: str) -> str:
    if unit in ("volume", "snapshot") and number != 1:
        return f"{number} {unit}s"
    return f"{number} {unit}"
