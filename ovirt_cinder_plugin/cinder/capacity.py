"""How much room a provider has: from Cinder's pool statistics where its user may read them (an
administrator), otherwise from its project's gigabytes quota and usage.

Pool statistics (``GET /scheduler-stats/get_pools?detail=True``) are what the backends report:
the real free space of the Ceph pool behind the ``rbd`` backend. Cinder's policy keeps them to
administrators, and a project user gets a 403; then the project's quota is all it can know, and
that is what it is limited by anyway. The answer says which of the two it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ovirt_cinder_plugin.cinder.calls import boundary, cinder_errors
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import CinderRefused
from ovirt_cinder_plugin.cinder.quota import UNLIMITED, read_usage

LOG = logging.getLogger(__name__)

GIB = 1 << 30
POOL_STATISTICS = "pool_statistics"
QUOTA = "quota"


@dataclass(frozen=True)
class Capacity:
    """Bytes: ``available`` may still be allocated, ``used`` is in use; ``None`` when unknown
    (an unlimited quota has no ``available``). ``source``: :data:`POOL_STATISTICS` or :data:`QUOTA`."""

    available: int | None
    used: int | None
    source: str


@boundary
def read_capacity(connection: CinderConnection) -> Capacity:
    """The pools' capacity when Cinder lets the provider read it and a pool reports numbers,
    else the project's quota (two requests at most: the pools, then the quota)."""
    pools = _pool_capacity(connection)
    return pools if pools is not None else _quota_capacity(connection)


def _pool_capacity(connection: CinderConnection) -> Capacity | None:
    """The sum over the pools that report a size (a ``fake`` backend's are ``infinite``):
    available = free, used = total - free. None when refused (not an administrator) or when no
    pool reports numbers."""
    try:
        with cinder_errors(connection):
            pools = connection.client.pools.list(detailed=True)
    except CinderRefused as error:
        LOG.debug("no pool statistics for the provider (%s): using its quota", error)
        return None
    sizes = [_sizes(pool) for pool in pools]
    sized = [(total, free) for total, free in sizes if total is not None and free is not None]
    if not sized:
        return None
    total = sum(total for total, _ in sized)
    free = sum(free for _, free in sized)
    return Capacity(available=_bytes(free), used=_bytes(max(total - free, 0.0)), source=POOL_STATISTICS)


def _sizes(pool: Any) -> tuple[float | None, float | None]:
    return _number(getattr(pool, "total_capacity_gb", None)), _number(getattr(pool, "free_capacity_gb", None))


def _number(value: Any) -> float | None:
    """A size in GiB as the pool reports it; ``infinite`` and ``unknown`` are no number."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _quota_capacity(connection: CinderConnection) -> Capacity:
    _, usage = read_usage(connection)
    found = usage.get("gigabytes")
    gigabytes: dict[str, Any] = found if isinstance(found, dict) else {}
    in_use = int(gigabytes.get("in_use") or 0) + int(gigabytes.get("reserved") or 0)
    limit = int(gigabytes.get("limit", UNLIMITED))
    available = None if limit == UNLIMITED else _bytes(max(limit - in_use, 0))
    return Capacity(available=available, used=_bytes(in_use), source=QUOTA)


def _bytes(gib: float) -> int:
    return round(gib * GIB)
