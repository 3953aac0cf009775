"""Pieces of views that several resources' routes share: the requesting user, oVirt's matrix
parameters in a path, adding a disk (``/api/disks``, a storage domain's and a VM's disks), and the
access service (roles, groups and permissions).

A resource's ``routes.py`` imports these from here, never from another resource's routes."""

from __future__ import annotations

from typing import Any

from flask import g

from ovirt_engine_host.authorization import require_permitted
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.services.access import AccessService
from ovirt_engine_host.services.disks import DiskService
from ovirt_engine_host.state import db_session, engine_state


def owner_id() -> str | None:
    return getattr(g.current_user, "id", None)


def split_matrix(path_value: str) -> tuple[str, set[str]]:
    """oVirt's matrix parameters: ``{id};async`` names the disk ``{id}`` with ``async`` set."""
    first, *parameters = path_value.split(";")
    return first, {p.split("=", 1)[0] for p in parameters if p and p.split("=", 1)[-1] not in {"false", "0"}}


def storage_domain_of(data: dict[str, Any]) -> dict[str, str] | str:
    """The storage domain a new disk names: ``storage_domain``, or oVirt's ``storage_domains``."""
    if "storage_domain" in data:
        reference: dict[str, str] = data.pop("storage_domain")
        return reference
    references = data.pop("storage_domains", None)
    if references:
        first: dict[str, str] = references["storage_domain"][0]
        return first
    raise Refused(422, "storage_domain: a disk needs its storage domain")


def add_disk(data: dict[str, Any], storage_domain: dict[str, str] | str, checked: bool = False) -> Any:
    """A new disk on ``storage_domain`` (``checked``: the path named the domain, and the
    request's declaration checked ``create_disk`` on it already)."""
    if not checked:
        with db_session() as session:
            require_permitted(session, "storage_domain", storage_domain, "create_disk", "storage_domain")
    data.pop("storage_domains", None)
    data.pop("storage_domain", None)
    spec = {**data, "volume_type": data.pop("openstack_volume_type", None)}
    return DiskService(engine_state()).add(spec, storage_domain, owner_id())


def access_service() -> AccessService:
    """The roles, groups and permissions of this application (its action groups included)."""
    state = engine_state()
    return AccessService(state.session_factory, state.access.groups)
