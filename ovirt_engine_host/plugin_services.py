"""What the engine offers its plugins (passed to ``ovirt_engine_register_rest`` as
``services``): plugins use these objects by attribute and never import the engine.

It sits below the REST layer (the service layer reaches it through ``state``): the engine's
``Blueprint`` class is handed in by ``create_app``, not imported from ``rest``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import flask_smorest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host import references
from ovirt_engine_host.contract import StorageDomainView
from ovirt_engine_host.db.models import DataCenter, Disk, EngineIdentity, StorageDomain
from ovirt_engine_host.security import SecretBox


class DataCenterService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def get(self, data_center_id: str) -> DataCenter | None:
        with self._sessions() as session:
            return session.get(DataCenter, data_center_id)

    def find(self, reference: Mapping[str, Any] | str) -> DataCenter | None:
        """By id or by name (oVirt accepts either in a reference): a ``{"id"|"name": …}``
        reference, or a bare string (an id, or else a name)."""
        with self._sessions() as session:
            found: DataCenter | None = references.find(session, "data_center", reference)
            return found


class StorageDomainService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def create(
        self,
        session: Session,
        *,
        data_center_id: str,
        name: str,
        type: str,
        backend_ref: str,
        description: str = "",
    ) -> StorageDomain:
        """Adds an active storage domain in the caller's transaction (so that a plugin's own row
        and the domain commit or roll back together)."""
        domain = StorageDomain(
            data_center_id=data_center_id,
            name=name,
            type=type,
            backend_ref=backend_ref,
            description=description,
            status="active",
        )
        session.add(domain)
        session.flush()
        return domain

    def by_backend_ref(self, session: Session, type: str, backend_ref: str) -> StorageDomain | None:
        return session.scalar(
            select(StorageDomain).where(StorageDomain.type == type, StorageDomain.backend_ref == backend_ref)
        )

    def rename(self, session: Session, domain: StorageDomainView, name: str) -> None:
        row = session.get(StorageDomain, domain.id)
        if row is not None:
            row.name = name
            session.flush()

    def remove(self, session: Session, domain: StorageDomainView) -> None:
        row = session.get(StorageDomain, domain.id)
        if row is not None:
            session.delete(row)
            session.flush()


@dataclass(frozen=True)
class EngineServices:
    session_factory: sessionmaker[Session]
    secret_box: SecretBox
    data_centers: DataCenterService
    storage_domains: StorageDomainService
    Blueprint: type[flask_smorest.Blueprint]
    """The engine's Blueprint class (``rest.Blueprint``: XML bodies and answers, declared actions)."""
    secret_listeners: list[Callable[[str], None]] = field(default_factory=list)
    _extensions: dict[str, Any] = field(default_factory=dict)
    _extensions_lock: threading.Lock = field(default_factory=threading.Lock)
    _identity: dict[str, str] = field(default_factory=dict)

    def extension(self, name: str, build: Callable[[], Any]) -> Any:
        """A plugin's state for this application (the contract's ``PluginServices.extension``)."""
        with self._extensions_lock:
            if name not in self._extensions:
                self._extensions[name] = build()
            return self._extensions[name]

    @property
    def engine_id(self) -> str:
        """This installation's id (the contract's ``PluginServices.engine_id``), read once."""
        with self._extensions_lock:
            if "engine_id" not in self._identity:
                with self.session_factory() as session:
                    found = session.scalar(select(EngineIdentity.id).limit(1))
                if found is None:
                    raise LookupError("the engine database has no identity: run `db upgrade`")
                self._identity["engine_id"] = found
            return self._identity["engine_id"]

    def host_secrets_changed(self, data_center_id: str) -> None:
        """A plugin's keys changed: the engine registers them on the data center's active hosts
        now, instead of at their next activation or VM start."""
        for listener in self.secret_listeners:
            listener(data_center_id)

    def disks_on_storage_domain(self, storage_domain_id: str) -> int:
        """How many engine disks live on the storage domain (a plugin refuses to drop a domain
        that still holds disks unless forced)."""
        with self.session_factory() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(Disk).where(Disk.storage_domain_id == storage_domain_id)
                )
                or 0
            )

    @classmethod
    def build(
        cls, session_factory: sessionmaker[Session], secret_box: SecretBox, blueprint: type[flask_smorest.Blueprint]
    ) -> EngineServices:
        return cls(
            session_factory=session_factory,
            secret_box=secret_box,
            data_centers=DataCenterService(session_factory),
            storage_domains=StorageDomainService(session_factory),
            Blueprint=blueprint,
        )
