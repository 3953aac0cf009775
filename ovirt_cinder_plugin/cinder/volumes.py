"""Disks as Cinder volumes: create, delete, extend and retype them, and poll many operations at once.

Cinder works asynchronously: a request only starts an operation, whose outcome shows later in
the volume's status. The engine therefore keeps a handle per operation and asks
:func:`operation_states` for all handles of a storage domain together, in one volume list.

Every volume the plugin creates carries two metadata keys: the engine's request id, which makes a
retried create find the volume of the first attempt instead of making a second one, and the
storage domain, which lets one filtered list answer for all of a domain's volumes. Cinder lets
projects without admin rights filter on metadata (it is in its resource_filters.json; ``id`` is
not).

A retype also leaves a key, the type asked for: Cinder ends a retype it could not do (no backend
takes the volume) by putting the volume back as it was, indistinguishable in the list from one
that never began, so the poll compares the volume's type with the key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.calls import boundary, cinder_errors, supports
from ovirt_cinder_plugin.cinder.credentials import CinderConnection
from ovirt_cinder_plugin.cinder.errors import (
    CinderError,
    CinderRefused,
    RetypeRefused,
    SizeNotRepresentable,
    VolumeInUse,
    VolumeTypeUnknown,
)

LOG = logging.getLogger(__name__)

GIB = 1 << 30
REQUEST_ID_KEY = "ovirt_request_id"
DOMAIN_KEY = "ovirt_storage_domain"
ENGINE_KEY = "ovirt_engine"  # the engine installation that made (or registered) the volume
RETYPE_KEY = "ovirt_retype_to"  # the volume type the last retype asked for (by name)
RETYPE_POLICY = "on-demand"  # Cinder may migrate the volume when its backend cannot take the type
RETYPING = "retyping"

OPERATION_KINDS = frozenset(
    {"create_disk", "delete_disk", "extend_disk", "clone_disk", "clone_volume", "copy_volume", "delete_volume",
     "retype_disk"}
)  # fmt: skip
DELETE_KINDS = frozenset({"delete_disk", "delete_volume"})
# A volume in these statuses is usable: the create or extend that was asked for is over.
USABLE_STATUSES = frozenset({"available", "in-use"})
# A volume being deleted is as good as gone for a retried create, and a second delete is moot.
DELETING_STATUSES = frozenset({"deleting"})
# Cinder's messages API with filters (resource_uuid) came with 3.5.
MESSAGES_MICROVERSION = "3.5"


@boundary
def tags(request_id: str | None, storage_domain_id: str, engine_id: str | None) -> dict[str, str]:
    """The metadata the plugin puts on what it makes: the request, the domain, the engine."""
    found = {DOMAIN_KEY: storage_domain_id}
    if request_id:
        found[REQUEST_ID_KEY] = request_id
    if engine_id:
        found[ENGINE_KEY] = engine_id
    return found


@boundary
def size_in_gib(size_bytes: int, field: str = "provisioned_size") -> int:
    """The whole number of GiB of a size in bytes; Cinder cannot size a volume otherwise.

    Refusing instead of rounding up keeps the disk the engine records exactly as large as the
    volume, which is what the guest will see.
    """
    if isinstance(size_bytes, bool) or size_bytes <= 0 or size_bytes % GIB:
        raise SizeNotRepresentable(field=field, size=size_bytes)
    return size_bytes // GIB


@boundary
def create_volume(
    connection: CinderConnection,
    *,
    request_id: str,
    storage_domain_id: str,
    name: str,
    description: str,
    size_gib: int,
    volume_type: str | None,
    resuming: bool = True,
    snapshot_id: str | None = None,
    source_volume_id: str | None = None,
    engine_id: str | None = None,
) -> str:
    """Start creating a volume and return its id; the same request id always gives the same volume.

    The engine may repeat a create whose answer it did not get (a timeout, a restart): then
    (``resuming``) the volume of the first attempt is found by its request id metadata and
    nothing new is created. On the first attempt nothing can exist yet, and the look-up (a
    filtered list request) is skipped. ``volume_type`` is a name or an id (Cinder accepts both);
    None is Cinder's default type. ``snapshot_id``: a volume made from that snapshot (on RBD a
    copy-on-write child of it), of at least the snapshot's size; ``source_volume_id``: a volume
    made from that volume (Cinder's ``source_volid``; on RBD a copy-on-write child too).
    ``engine_id``: the engine installation, tagged with the request and the domain.
    """
    existing = _volume_of_request(connection, request_id) if resuming else None
    if existing is not None:
        LOG.info("volume %s already exists for request %s", existing, request_id)
        return existing
    try:
        volume = connection.client.volumes.create(
            size_gib,
            name=name,
            description=description,
            volume_type=volume_type,
            snapshot_id=snapshot_id,
            source_volid=source_volume_id,
            metadata=tags(request_id, storage_domain_id, engine_id),
        )
    except (cinder_exceptions.NotFound, cinder_exceptions.BadRequest) as error:
        if _names_missing_volume_type(error):
            raise VolumeTypeUnknown(volume_type=volume_type) from error
        raise
    LOG.info("creating volume %s (%d GiB, type %s) for request %s", volume.id, size_gib, volume_type, request_id)
    return str(volume.id)


def _volume_of_request(connection: CinderConnection, request_id: str) -> str | None:
    """The id of the volume a create with this request id made before, if it is not going away."""
    found = connection.client.volumes.list(detailed=True, search_opts={"metadata": {REQUEST_ID_KEY: request_id}})
    alive = [volume for volume in found if str(volume.status) not in DELETING_STATUSES]
    if not alive:
        return None
    oldest = min(alive, key=lambda volume: str(getattr(volume, "created_at", "") or ""))
    return str(oldest.id)


def _names_missing_volume_type(error: cinder_exceptions.ClientException) -> bool:
    """Whether Cinder refused a create because of its volume type.

    Cinder 29 answers 404 "Volume type with name X could not be found." (or "Volume type X could
    not be found." for an id); a create names no other resource, so any 404 means the type.
    """
    if isinstance(error, cinder_exceptions.NotFound):
        return True
    text = str(error.message or "").lower()
    return "volume type" in text and "not found" in text


@boundary
def delete_volume(connection: CinderConnection, volume_id: str) -> None:
    """Start deleting a volume; a volume that is gone or already being deleted is fine.

    Cinder answers 400 both for a volume it will not delete (snapshots, attached, busy) and for
    one it is already deleting, so a 400 is followed by a look at the volume to tell them apart.
    """
    try:
        connection.client.volumes.delete(volume_id)
    except cinder_exceptions.NotFound:
        LOG.info("volume %s is already gone", volume_id)
        return
    except cinder_exceptions.BadRequest as error:
        if _is_going(connection, volume_id):
            LOG.info("volume %s is already being deleted", volume_id)
            return
        raise VolumeInUse(volume_id=volume_id, cause=error.message) from error
    LOG.info("deleting volume %s", volume_id)


def _is_going(connection: CinderConnection, volume_id: str) -> bool:
    try:
        volume = connection.client.volumes.get(volume_id)
    except cinder_exceptions.NotFound:
        return True
    return str(volume.status) in DELETING_STATUSES


@boundary
def extend_volume(connection: CinderConnection, volume_id: str, new_size_gib: int) -> None:
    """Start growing a volume to ``new_size_gib``; nothing is sent when it is, or is becoming, that big.

    Cinder refuses an extend to the current size and one of a volume in ``extending``, so a
    repeated extend must not reach it. Attached volumes are extended too: the negotiated
    microversion is at least 3.42.
    """
    volume = connection.client.volumes.get(volume_id)
    if str(volume.status) == "extending" or int(volume.size) >= new_size_gib:
        LOG.info("volume %s: %s, %s GiB, not extended to %d", volume_id, volume.status, volume.size, new_size_gib)
        return
    connection.client.volumes.extend(volume_id, new_size_gib)
    LOG.info("extending volume %s from %s to %d GiB", volume_id, volume.size, new_size_gib)


@boundary
def retype_volume(connection: CinderConnection, volume_id: str, type_name: str) -> None:
    """Start moving a volume to the volume type ``type_name`` (a name, as Cinder lists volumes'
    types), migration policy on-demand; nothing is sent while it is being retyped or once it has
    that type, so that a repeated start does not reach Cinder (which refuses both).

    Cinder's immediate refusals (the type's size limits, multi-attach, the volume's state) raise
    RetypeRefused (409) with its reason, its quota QuotaExceeded (409); the key the poll reads is
    taken back then.
    """
    volume = connection.client.volumes.get(volume_id)
    status, current = str(volume.status), str(getattr(volume, "volume_type", None) or "")
    if status == RETYPING or current == type_name:
        LOG.info("volume %s: %s, type %s; not retyped to %s again", volume_id, status, current, type_name)
        if current == type_name and (getattr(volume, "metadata", None) or {}).get(RETYPE_KEY) != type_name:
            connection.client.volumes.set_metadata(volume_id, {RETYPE_KEY: type_name})
        return
    connection.client.volumes.set_metadata(volume_id, {RETYPE_KEY: type_name})
    try:
        with cinder_errors(connection):
            connection.client.volumes.retype(volume_id, type_name, RETYPE_POLICY)
    except CinderError as error:
        _forget_retype(connection, volume_id)
        if type(error) is CinderRefused:
            cause = getattr(error.__cause__, "message", None) or str(error)
            raise RetypeRefused(volume_id=volume_id, volume_type=type_name, cause=cause) from error
        raise
    LOG.info("retyping volume %s from %s to %s (migration policy %s)", volume_id, current, type_name, RETYPE_POLICY)


def _forget_retype(connection: CinderConnection, volume_id: str) -> None:
    try:
        with cinder_errors(connection):
            connection.client.volumes.delete_metadata(volume_id, [RETYPE_KEY])
    except CinderError as error:
        LOG.warning("cannot take back the retype key of volume %s: %s", volume_id, error)


@boundary
def operation_states(
    connection: CinderConnection, storage_domain_id: str, handles: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Where each operation stands, in the order of ``handles``, from ONE volume list request.

    ``handles``: {"backend_id": volume id, "kind": "create_disk" | "delete_disk" | "extend_disk",
    "request_id": ...}. Each answer: {"backend_id", "state", "reason", "actual_size",
    "backend_status"}, state one of "pending", "done", "failed", "gone" (Cinder has no such volume:
    success for a delete, a failure for the others - the engine decides). The engine polls often
    and for many disks, so a poll costs one list of the domain's volumes; only a failed volume
    costs one more request, to Cinder's messages for the reason.
    """
    for handle in handles:
        if handle["kind"] not in OPERATION_KINDS:
            raise ValueError(f"unknown operation kind {handle['kind']!r}")
    wanted = {str(handle["backend_id"]) for handle in handles}
    listed = connection.client.volumes.list(detailed=True, search_opts={"metadata": {DOMAIN_KEY: storage_domain_id}})
    volumes = {str(volume.id): volume for volume in listed if str(volume.id) in wanted}
    reasons: dict[str, str] = {}
    return [_operation_state(connection, handle, volumes.get(str(handle["backend_id"])), reasons) for handle in handles]


def _operation_state(
    connection: CinderConnection, handle: Mapping[str, Any], volume: Any, reasons: dict[str, str]
) -> dict[str, Any]:
    volume_id = str(handle["backend_id"])
    if volume is None:
        return _state(volume_id, "gone", f"Cinder has no volume {volume_id}", None, None)
    status = str(volume.status)
    if status.startswith("error"):
        if volume_id not in reasons:
            reasons[volume_id] = _failure_reason(connection, volume_id, status)
        return _state(volume_id, "failed", reasons[volume_id], None, status)
    if handle["kind"] in DELETE_KINDS:
        if status in USABLE_STATUSES:
            # Cinder's volume service puts a volume it could not delete (a busy RBD image) back.
            reason = f"Cinder kept volume {volume_id} ({status}) instead of deleting it"
            return _state(volume_id, "failed", reason, None, status)
        return _state(volume_id, "pending", None, None, status)
    if handle["kind"] == "retype_disk" and status in USABLE_STATUSES:
        return _retype_state(volume, status)
    if status in USABLE_STATUSES:
        return _state(volume_id, "done", None, int(volume.size) * GIB, status)
    return _state(volume_id, "pending", None, None, status)


def _retype_state(volume: Any, status: str) -> dict[str, Any]:
    """A usable volume after a retype: done when it has the type asked for, else Cinder gave up."""
    volume_id, current = str(volume.id), str(getattr(volume, "volume_type", None) or "")
    wanted = (getattr(volume, "metadata", None) or {}).get(RETYPE_KEY)
    if wanted is not None and current != wanted:
        reason = (
            f"Cinder kept volume {volume_id} {status} with type {current!r}: no backend took it as {wanted!r} "
            f"(migration policy {RETYPE_POLICY}), or its driver refused the retype"
        )
        return _state(volume_id, "failed", reason, None, status)
    return _state(volume_id, "done", None, int(volume.size) * GIB, status)


def _state(
    volume_id: str, state: str, reason: str | None, actual_size: int | None, backend_status: str | None
) -> dict[str, Any]:
    return {
        "backend_id": volume_id,
        "state": state,
        "reason": reason,
        "actual_size": actual_size,
        "backend_status": backend_status,
    }


def _failure_reason(connection: CinderConnection, volume_id: str, status: str) -> str:
    """Why Cinder failed a volume, in the words of its newest user message for it.

    The status alone ("error") says nothing; Cinder records the cause for users (e.g. "schedule
    allocate volume:Could not find any available weighted backend.") in its messages API.
    """
    fallback = f"Cinder reports the volume {status}"
    if not supports(connection, MESSAGES_MICROVERSION):
        return fallback
    try:
        with cinder_errors(connection):
            messages = connection.client.messages.list(search_opts={"resource_uuid": volume_id})
    except CinderError as error:
        LOG.warning("cannot read Cinder's messages about volume %s: %s", volume_id, error)
        return fallback
    newest = max(messages, key=lambda message: str(getattr(message, "created_at", "") or ""), default=None)
    text = getattr(newest, "user_message", None)
    return str(text) if text else fallback


@boundary
def list_volumes(connection: CinderConnection) -> list[dict[str, Any]]:
    """Every volume of the connection's project, in one detailed list request, as the contract's
    ``BackendVolume``; when some are in error, one more request (Cinder's messages) for why."""
    listed = connection.client.volumes.list(detailed=True)
    failed = {str(volume.id): str(volume.status) for volume in listed if str(volume.status).startswith("error")}
    reasons = _failure_reasons(connection, failed) if failed else {}
    return [_backend_volume(volume, reasons.get(str(volume.id))) for volume in listed]


def _failure_reasons(connection: CinderConnection, failed: Mapping[str, str]) -> dict[str, str]:
    """Why each failed volume (id -> status) failed, from ONE list of the project's messages (the
    newest about each volume), the status itself where Cinder recorded nothing."""
    reasons = {volume_id: f"Cinder reports the volume {status}" for volume_id, status in failed.items()}
    if not supports(connection, MESSAGES_MICROVERSION):
        return reasons
    try:
        with cinder_errors(connection):
            messages = connection.client.messages.list()
    except CinderError as error:
        LOG.warning("cannot read Cinder's messages about failed volumes: %s", error)
        return reasons
    newest: dict[str, tuple[str, str]] = {}
    for message in messages:
        volume_id, text = str(getattr(message, "resource_uuid", "")), getattr(message, "user_message", None)
        created = str(getattr(message, "created_at", "") or "")
        if volume_id in reasons and text and created >= newest.get(volume_id, ("", ""))[0]:
            newest[volume_id] = (created, str(text))
    return {**reasons, **{volume_id: text for volume_id, (_, text) in newest.items()}}


@boundary
def condition(status: str) -> str:
    """The contract's ``VolumeCondition`` of a Cinder status: usable, failed, or under way."""
    if status in USABLE_STATUSES:
        return "ok"
    return "error" if status.startswith("error") else "busy"


@boundary
def claim_volume(
    connection: CinderConnection, volume_id: str, storage_domain_id: str, engine_id: str
) -> dict[str, Any]:
    """Tag a volume as this engine's and the domain's (metadata only: the data is untouched)."""
    connection.client.volumes.set_metadata(volume_id, tags(None, storage_domain_id, engine_id))
    claimed = connection.client.volumes.get(volume_id)
    status = str(claimed.status)
    return _backend_volume(
        claimed, _failure_reason(connection, volume_id, status) if condition(status) == "error" else None
    )


def _backend_volume(volume: Any, reason: str | None) -> dict[str, Any]:
    metadata = dict(getattr(volume, "metadata", None) or {})
    return {
        "id": str(volume.id),
        "name": str(getattr(volume, "name", None) or ""),
        "description": str(getattr(volume, "description", None) or ""),
        "size": int(volume.size) * GIB,
        "volume_type": getattr(volume, "volume_type", None),
        "created": getattr(volume, "created_at", None),
        "status": str(volume.status),
        "attached": bool(getattr(volume, "attachments", None)) or str(volume.status) in {"in-use", "attaching"},
        "engine_id": metadata.get(ENGINE_KEY),
        "request_id": metadata.get(REQUEST_ID_KEY),
        "condition": condition(str(volume.status)),
        "reason": reason,
    }
