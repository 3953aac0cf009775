"""The status of a ``cinder`` storage domain for the engine's domain monitor: whether the
provider's Keystone and Cinder answer, and the domain's capacity
(:mod:`ovirt_cinder_plugin.cinder.capacity`).

Any failure to get an answer, connecting (Keystone) or asking (Cinder), is "not reachable" with
the boundary's message, which never holds a secret; the engine decides when that makes the
domain inactive. Nothing is changed in Cinder.
"""

from __future__ import annotations

import logging
from typing import Any

from ovirt_cinder_plugin.cinder import capacity
from ovirt_cinder_plugin.cinder.errors import CinderError
from ovirt_cinder_plugin.services.disks import DiskOperations

LOG = logging.getLogger(__name__)


def domain_status(disks: DiskOperations, storage_domain: Any) -> dict[str, Any]:
    """The contract's ``DomainStatus`` of the domain, from at most two Cinder requests."""
    try:
        found = capacity.read_capacity(disks.connection(storage_domain))
    except CinderError as error:
        LOG.info("storage domain %s: no answer from its provider: %s", storage_domain.name, error)
        return {"reachable": False, "reason": str(error), "available": None, "used": None, "source": None}
    return {
        "reachable": True,
        "reason": None,
        "available": found.available,
        "used": found.used,
        "source": found.source,
    }
