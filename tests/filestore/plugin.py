# mypy: disallow-untyped-decorators=False
# (flask-smorest's decorators are untyped, as for the real plugin's routes)
"""The filestore plugin: each storage domain is a directory (its ``backend_ref``), each disk a
sparse raw file ``<directory>/<disk id>.img``. Operations finish at once; the engine still runs
them as commands and polls them in one batch per domain."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from ovirt_engine_host.contract import (
    ConnectionInfo,
    OperationHandle,
    OperationStatus,
    PluginServices,
    QuotaVerdict,
    RestApi,
    StorageDomainType,
    StorageDomainView,
    hookimpl,
)

TYPE = "filestore"
MiB = 1024**2
HOOKS_DIR = Path(__file__).resolve().parent / "hooks"
CUSTOM_PROPERTY = "filestore_disks"


def image(storage_domain: StorageDomainView, disk_id: str) -> Path:
    return Path(storage_domain.backend_ref or "") / f"{disk_id}.img"


@hookimpl
def ovirt_engine_storage_domain_types() -> list[StorageDomainType]:
    return [
        {
            "name": TYPE,
            "ovirt_type": "data",
            "storage_type": "localfs",
            "disks": {
                "formats": ["raw"],
                "size_granularity": MiB,
                "size_rule": "filestore images are sized in whole MiB",
                "shareable": False,
                "extra_fields": [],
            },
            "host": {"custom_property": CUSTOM_PROPERTY, "hooks_dir": str(HOOKS_DIR)},
        }
    ]


class FilestoreSchema(ma.Schema):
    xml_element = "storage_domain"

    id = ma.fields.String(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    path = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))
    data_center = ma.fields.Dict(required=True, load_only=True)


@hookimpl
def ovirt_engine_register_rest(api: RestApi, services: PluginServices) -> None:
    blp = services.Blueprint("filestores", __name__, url_prefix="/api/filestores")

    @blp.route("")
    class FilestoreViews(MethodView):
        @blp.action("create", "storage_domain")
        @blp.arguments(FilestoreSchema)
        @blp.response(201, FilestoreSchema)
        def post(self, data: dict[str, Any]) -> Any:
            """Add a filestore storage domain (a directory of raw images)"""
            directory = Path(data["path"])
            if not directory.is_absolute():
                raise ma.ValidationError("an absolute directory", "path")
            data_center = services.data_centers.find(data["data_center"])
            if data_center is None:
                raise ma.ValidationError("no such data center", "data_center")
            directory.mkdir(parents=True, exist_ok=True)
            with services.session_factory() as session:
                domain = services.storage_domains.create(
                    session, data_center_id=data_center.id, name=data["name"], type=TYPE, backend_ref=str(directory)
                )
                session.commit()
                return {"id": domain.id, "name": domain.name}

    api.register_blueprint(blp)


def handle(kind: str, disk: Any) -> OperationHandle:
    return {"backend_id": disk.id if kind == "create_disk" else disk.active_volume_id, "kind": kind,
            "request_id": disk.id}  # fmt: skip


@hookimpl
def ovirt_engine_create_disk(storage_domain: StorageDomainView, disk: Any) -> OperationHandle | None:
    if storage_domain.type != TYPE:
        return None
    path = image(storage_domain, disk.id)
    if not path.exists():  # idempotent for the request id: a resumed create finds its image
        with path.open("wb") as stream:
            stream.truncate(disk.provisioned_size)
    return handle("create_disk", disk)


@hookimpl
def ovirt_engine_extend_disk(storage_domain: StorageDomainView, disk: Any, new_size: int) -> OperationHandle | None:
    if storage_domain.type != TYPE:
        return None
    os.truncate(image(storage_domain, disk.active_volume_id), new_size)
    return handle("extend_disk", disk)


@hookimpl
def ovirt_engine_delete_disk(storage_domain: StorageDomainView, disk: Any) -> OperationHandle | None:
    if storage_domain.type != TYPE:
        return None
    image(storage_domain, disk.active_volume_id).unlink(missing_ok=True)
    return handle("delete_disk", disk)


@hookimpl
def ovirt_engine_poll_operations(
    storage_domain: StorageDomainView, operations: list[OperationHandle]
) -> list[OperationStatus] | None:
    if storage_domain.type != TYPE:
        return None
    statuses: list[OperationStatus] = []
    for operation in operations:
        path = image(storage_domain, operation["backend_id"])
        exists = path.exists()
        statuses.append(
            {
                "backend_id": operation["backend_id"],
                "state": "done" if exists else "gone",
                "reason": None if exists else f"{path} does not exist",
                "actual_size": path.stat().st_size if exists else None,
                "backend_status": "present" if exists else None,
            }
        )
    return statuses


@hookimpl
def ovirt_engine_check_quota(storage_domain: StorageDomainView) -> QuotaVerdict | None:
    if storage_domain.type != TYPE:
        return None
    return {"allowed": True, "limit": None, "message": None, "in_use": None, "requested": None, "maximum": None}


@hookimpl
def ovirt_engine_prepare_disk(storage_domain: StorageDomainView, disk: Any) -> ConnectionInfo | None:
    if storage_domain.type != TYPE:
        return None
    return {"driver_volume_type": "file", "data": {"path": str(image(storage_domain, disk.active_volume_id))},
            "attachment_id": None}  # fmt: skip


@hookimpl
def ovirt_engine_release_disk(storage_domain: StorageDomainView) -> bool | None:
    return True if storage_domain.type == TYPE else None
