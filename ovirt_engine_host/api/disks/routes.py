"""``/api/disks`` and ``/api/storagedomains/{id}/disks``: add, list, get, update (and extend),
remove. Adding and extending answer at once with the disk ``locked``; removing waits until the
backend volume is gone (bounded), or answers 202 with the job at once for ``;async`` (oVirt's
matrix parameter) or ``?async=true``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import Select, select

from ovirt_engine_host import listing
from ovirt_engine_host.api.disks.schemas import DeleteArgs, DiskSchema, DiskUpdateSchema, StorageDomainDiskSchema
from ovirt_engine_host.api.jobs.schemas import removal_answer
from ovirt_engine_host.api.row_lists import RowList
from ovirt_engine_host.api.shared import add_disk, owner_id, split_matrix, storage_domain_of
from ovirt_engine_host.authorization import BODY, authorize, visible_only
from ovirt_engine_host.db.models import Disk, StorageDomain
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.services.disks import DiskService
from ovirt_engine_host.services.unregistered import UnregisteredDisks
from ovirt_engine_host.state import db_session, engine_state

blp = Blueprint("disks", __name__, url_prefix="/api", description="Disks")


def service() -> DiskService:
    return DiskService(engine_state())


LISTED_COLUMNS = (
    Disk.id, Disk.alias, Disk.description, Disk.storage_domain_id, Disk.provisioned_size, Disk.actual_size,
    Disk.status, Disk.status_detail, Disk.format, Disk.sparse, Disk.bootable, Disk.shareable, Disk.interface,
    Disk.volume_type, Disk.active_volume_id,
)  # fmt: skip
"""What :class:`DiskSchema` shows of a disk (with its storage domain's type): a list reads
these columns only (a test compares such a list with the schema's dump of the full rows)."""
BOOLEAN_COLUMNS = {"sparse", "bootable", "shareable"}
STORAGE_FIELDS = {"provisioned_size", "openstack_volume_type"}
SEARCH_COLUMNS = {"name": Disk.alias, "alias": Disk.alias, "status": Disk.status, "storage": StorageDomain.name}


def listed_disk(row: tuple[Any, ...]) -> SimpleNamespace:
    """The object :class:`DiskSchema` dumps, from a row of :func:`list_disks` (a DBAPI tuple)."""
    values = dict(zip((column.key for column in LISTED_COLUMNS), row, strict=False))
    for name in BOOLEAN_COLUMNS:
        values[name] = bool(values[name])
    return SimpleNamespace(**values, storage_domain=SimpleNamespace(type=row[len(LISTED_COLUMNS)]))


def list_disks(query: Select[*tuple[Any, ...]]) -> RowList:
    """A disk list in SQL whatever its length: the request's ``max``/``search`` and the user's
    permission, ordered by alias then id (stable)."""
    query = visible_only(query, "disk").join(StorageDomain, StorageDomain.id == Disk.storage_domain_id)
    return RowList(listing.in_sql(query.order_by(Disk.alias, Disk.id), SEARCH_COLUMNS), listed_disk)


@blp.route("/disks")
class DiskViews(MethodView):
    @blp.action("read", "disk")
    @blp.response(200, DiskSchema(many=True))
    def get(self) -> Any:
        """List disks"""
        return list_disks(select(*LISTED_COLUMNS, StorageDomain.type))

    @blp.action("create_disk", "storage_domain", by=BODY)
    @blp.arguments(DiskSchema)
    @blp.response(201, DiskSchema)
    @blp.alt_response(409, description="A quota refuses the disk")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a disk (it is ``locked`` until the backend volume is ready)"""
        return add_disk(data, storage_domain_of(data))


class DomainDiskListArgs(ma.Schema):
    unregistered = ma.fields.Boolean(load_default=False)


@blp.route("/storagedomains/<string:storage_domain_id>/disks")
class StorageDomainDiskViews(MethodView):
    @blp.action("read", "storage_domain", by="storage_domain_id")
    @blp.arguments(DomainDiskListArgs, location="query")
    @blp.response(200, DiskSchema(many=True))
    def get(self, args: dict[str, Any], storage_domain_id: str) -> Any:
        """List the disks of a storage domain (``unregistered=true``: the volumes it may register)"""
        if args["unregistered"]:
            with db_session() as session:
                authorize(session, "manipulate_storage_domain", "storage_domain", storage_domain_id)
            return UnregisteredDisks(engine_state()).offered(storage_domain_id)
        return list_disks(
            select(*LISTED_COLUMNS, StorageDomain.type).where(Disk.storage_domain_id == storage_domain_id)
        )

    @blp.action("create_disk", "storage_domain", by="storage_domain_id")
    @blp.arguments(StorageDomainDiskSchema)
    @blp.response(201, DiskSchema)
    def post(self, data: dict[str, Any], storage_domain_id: str) -> Any:
        """Add a disk on this storage domain"""
        return add_disk(data, storage_domain_id, checked=True)


@blp.route("/disks/<string:disk_id>")
class DiskByIdViews(MethodView):
    @blp.action("read", "disk", by="disk_id")
    @blp.response(200, DiskSchema)
    def get(self, disk_id: str) -> Any:
        """Get a disk"""
        disk_id, _ = split_matrix(disk_id)
        with db_session() as session:
            return DiskService.get(session, disk_id)

    @blp.action("edit_disk_properties", "disk", by="disk_id")
    @blp.arguments(DiskUpdateSchema)
    @blp.response(200, DiskSchema)
    @blp.alt_response(409, description="A quota, a running VM or the backend refuses the extend or the retype")
    def put(self, data: dict[str, Any], disk_id: str) -> Any:
        """Update a disk; a larger size extends it, another openstack_volume_type retypes it

        The disk is ``locked`` while its volume grows or changes type.
        """
        disk_id, _ = split_matrix(disk_id)
        if STORAGE_FIELDS & data.keys():  # an extend or a retype changes the disk's storage
            with db_session() as session:
                authorize(session, "configure_disk_storage", "disk", disk_id)
        return service().update(disk_id, data, owner_id())

    @blp.action("delete_disk", "disk", by="disk_id")
    @blp.arguments(DeleteArgs, location="query")
    @blp.response(204)
    @blp.alt_response(202, description="Accepted: the job removing the disk (asynchronous, or still running)")
    def delete(self, args: dict[str, Any], disk_id: str) -> Any:
        """Remove a disk and its backend volume"""
        disk_id, matrix = split_matrix(disk_id)
        wait = not (args["asynchronous"] or "async" in matrix)
        removal = service().remove(disk_id, wait, owner_id())
        return removal_answer(None if removal.done else removal.job)
