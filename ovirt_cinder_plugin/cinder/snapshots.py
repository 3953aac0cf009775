"""Disk snapshots as Cinder snapshots: create and delete them, and poll many at once.

Every snapshot the plugin makes carries the same two metadata keys as its volumes: the engine's
request id (a retried create finds the snapshot of the first attempt) and the storage domain (one
filtered snapshot list answers for all of a domain's pending snapshots; Cinder lets projects
filter snapshots on metadata). A snapshot of an attached volume is taken with ``force``: crash
consistent, like pulling the plug, with no guest agent asked to freeze anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.calls import boundary
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import SnapshotInUse
from ovirt_cinder_plugin.cinder.volumes import DOMAIN_KEY, GIB, REQUEST_ID_KEY, tags

LOG = logging.getLogger(__name__)

SNAPSHOT_KINDS = frozenset({"create_snapshot", "delete_snapshot"})
DELETING_STATUSES = frozenset({"deleting"})


@boundary
def create_snapshot(
    connection: CinderConnection,
    *,
    volume_id: str,
    request_id: str,
    storage_domain_id: str,
    name: str,
    description: str,
    resuming: bool = True,
    engine_id: str | None = None,
) -> str:
    """Start a snapshot of ``volume_id`` and return its id; the same request id always gives the
    same snapshot (looked up first when ``resuming``)."""
    if resuming:
        found = connection.client.volume_snapshots.list(
            detailed=True, search_opts={"metadata": {REQUEST_ID_KEY: request_id}}
        )
        alive = [s for s in found if str(s.status) not in DELETING_STATUSES]
        if alive:
            LOG.info("snapshot %s already exists for request %s", alive[0].id, request_id)
            return str(alive[0].id)
    snapshot = connection.client.volume_snapshots.create(
        volume_id,
        force=True,
        name=name,
        description=description,
        metadata=tags(request_id, storage_domain_id, engine_id),
    )
    LOG.info("snapshotting volume %s as %s for request %s", volume_id, snapshot.id, request_id)
    return str(snapshot.id)


@boundary
def delete_snapshot(connection: CinderConnection, snapshot_id: str) -> None:
    """Start deleting a snapshot; one that is gone or already going is fine. Cinder refuses (400)
    while a volume made from it still depends on it: :class:`SnapshotInUse` with its words."""
    try:
        connection.client.volume_snapshots.delete(snapshot_id)
    except cinder_exceptions.NotFound:
        LOG.info("snapshot %s is already gone", snapshot_id)
        return
    except cinder_exceptions.BadRequest as error:
        try:
            status = str(connection.client.volume_snapshots.get(snapshot_id).status)
        except cinder_exceptions.NotFound:
            return
        if status in DELETING_STATUSES:
            return
        raise SnapshotInUse(snapshot_id=snapshot_id, cause=error.message) from error
    LOG.info("deleting snapshot %s", snapshot_id)


@boundary
def snapshot_states(
    connection: CinderConnection, storage_domain_id: str, handles: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Where each snapshot operation stands, in the order of ``handles``, from ONE snapshot list
    (the answers have the keys of the engine's ``OperationStatus``)."""
    for handle in handles:
        if handle["kind"] not in SNAPSHOT_KINDS:
            raise ValueError(f"unknown snapshot operation kind {handle['kind']!r}")
    listed = connection.client.volume_snapshots.list(
        detailed=True, search_opts={"metadata": {DOMAIN_KEY: storage_domain_id}}
    )
    snapshots = {str(s.id): s for s in listed}
    return [_state(handle, snapshots.get(str(handle["backend_id"]))) for handle in handles]


def _state(handle: Mapping[str, Any], snapshot: Any) -> dict[str, Any]:
    snapshot_id = str(handle["backend_id"])
    answer: dict[str, Any] = {"backend_id": snapshot_id, "actual_size": None}
    if snapshot is None:
        return {**answer, "state": "gone", "reason": f"Cinder has no snapshot {snapshot_id}", "backend_status": None}
    status = str(snapshot.status)
    answer["backend_status"] = status
    if status.startswith("error"):
        return {**answer, "state": "failed", "reason": f"Cinder reports the snapshot {status}"}
    if handle["kind"] == "delete_snapshot":
        if status == "available":
            reason = f"Cinder kept snapshot {snapshot_id} instead of deleting it"
            return {**answer, "state": "failed", "reason": reason}
        return {**answer, "state": "pending", "reason": None}
    if status == "available":
        return {**answer, "state": "done", "reason": None, "actual_size": int(snapshot.size) * GIB}
    return {**answer, "state": "pending", "reason": None}
