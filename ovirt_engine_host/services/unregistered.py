"""Disks the backend holds that the engine does not know (oVirt's "unregistered disks"), and
their registration.

The backend lists every volume of the domain (one request, :func:`ovirt_engine_list_volumes`);
the engine offers those it knows nothing of — no disk runs on it, had it, or was made from it —
that nothing else uses: not attached, and tagged by no other engine installation. A volume this
engine made whose create answer was lost (it carries this engine's id and a request id, and no
disk row) is offered too, with a note: nothing the engine made stays invisible. Registering
checks the volume again, lets the plugin tag it as this engine's (metadata only), and writes the
disk: the volume's name, description, size, type and creation date, ``ok``, raw, VirtIO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from ovirt_engine_host.contract import BackendVolume
from ovirt_engine_host.db.models import Disk, DiskVolume, StorageDomain
from ovirt_engine_host.errors import Refused, backend_refusal
from ovirt_engine_host.services.disks import DiskService
from ovirt_engine_host.state import EngineState

ORPHAN_NOTE = "made by this engine for request {request_id}, whose answer was lost"


@dataclass
class UnregisteredDisk:
    """What :class:`~ovirt_engine_host.api.disks.schemas.DiskSchema` shows of a volume offered for
    registration (``status``: the backend's word; ``status_detail``: an orphan's note)."""

    id: str
    alias: str
    description: str
    provisioned_size: int
    actual_size: int
    status: str
    status_detail: str | None
    volume_type: str | None
    created: datetime | None
    storage_domain_id: str
    storage_domain: StorageDomain
    format: str = "raw"
    sparse: bool = True
    bootable: bool = False
    shareable: bool = False
    interface: str = "virtio"

    @property
    def active_volume_id(self) -> str:
        return self.id


class UnregisteredDisks:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    def offered(self, storage_domain: Mapping[str, Any] | str) -> list[UnregisteredDisk]:
        with self.state.session_factory() as session:
            domain = DiskService.storage_domain(session, storage_domain)
            offered = self._offered(session, domain, self._volumes(domain))
            return [self._shown(volume, domain, note) for volume, note in offered]

    def register(self, storage_domain: Mapping[str, Any] | str, volume_id: str, owner_id: str | None) -> Disk:
        with self.state.session_factory() as session:
            domain = DiskService.storage_domain(session, storage_domain)
            if volume_id in self._known(session):
                raise Refused(409, f"disk: volume {volume_id} is registered already")
            found = {v["id"]: v for v in self._volumes(domain)}.get(volume_id)
            if found is None:
                raise Refused(404, f"disk: the storage domain {domain.name} has no volume {volume_id}")
            theirs = found["engine_id"]
            if theirs and theirs != self.state.services.engine_id:
                raise Refused(409, f"disk: volume {volume_id} belongs to another engine ({theirs})")
            if found["attached"]:
                raise Refused(409, f"disk: volume {volume_id} is in use ({found['status']}): detach it first")
            if found["status"] != "available":
                raise Refused(409, f"disk: volume {volume_id} is {found['status']}, not available")
            try:
                claimed = self.state.hooks.register_volume(domain, volume_id)
            except Exception as error:
                raise backend_refusal(error) from error
            if claimed is None:
                raise Refused(400, f"storage_domain: no plugin serves storage domains of type {domain.type!r}")
            disk = Disk(
                id=claimed["id"], alias=claimed["name"] or claimed["id"], description=claimed["description"],
                storage_domain_id=domain.id, provisioned_size=claimed["size"], actual_size=claimed["size"],
                status="ok", format="raw", sparse=True, interface="virtio", volume_type=claimed["volume_type"],
                active_volume_id=claimed["id"], owner_id=owner_id, created=_moment(claimed["created"]),
            )  # fmt: skip
            session.add(disk)
            session.flush()
            session.add(DiskVolume(id=disk.id, disk_id=disk.id))
            session.commit()
        with self.state.session_factory() as session:
            return DiskService.get(session, volume_id)  # loaded with its storage domain, as shown

    # -- what is offered ------------------------------------------------------------------
    def _volumes(self, domain: StorageDomain) -> list[BackendVolume]:
        try:
            listed = self.state.hooks.list_volumes(domain)
        except Exception as error:
            raise backend_refusal(error) from error
        if listed is None:
            raise Refused(400, f"storage_domain: no plugin serves storage domains of type {domain.type!r}")
        return listed

    def _offered(
        self, session: Session, domain: StorageDomain, volumes: list[BackendVolume]
    ) -> list[tuple[BackendVolume, str | None]]:
        known = self._known(session)
        ours = self.state.services.engine_id
        offered = []
        for volume in sorted(volumes, key=lambda v: (v["name"], v["id"])):
            if volume["id"] in known or volume["attached"] or volume["engine_id"] not in {None, ours}:
                continue
            orphan = volume["engine_id"] == ours and volume["request_id"]
            offered.append((volume, ORPHAN_NOTE.format(request_id=volume["request_id"]) if orphan else None))
        return offered

    @staticmethod
    def _known(session: Session) -> set[str]:
        """Every volume id the engine knows: its disks', and the volumes they have or had."""
        query = union(select(Disk.id), select(Disk.active_volume_id), select(DiskVolume.id))
        return set(session.scalars(query))

    @staticmethod
    def _shown(volume: BackendVolume, domain: StorageDomain, note: str | None) -> UnregisteredDisk:
        return UnregisteredDisk(
            id=volume["id"], alias=volume["name"] or volume["id"], description=volume["description"],
            provisioned_size=volume["size"], actual_size=volume["size"], status=volume["status"],
            status_detail=note, volume_type=volume["volume_type"], created=_moment(volume["created"]),
            storage_domain_id=domain.id, storage_domain=domain,
        )  # fmt: skip


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
