"""Removing a provider whose storage domain still has disks is refused (409) unless forced.

The engine gains disks in a later issue; here the engine's disk count reaches the plugin through
the services facade (``disks_on_storage_domain``), and Cinder is replaced at our own boundary
(the connector), so no service is needed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ovirt_cinder_plugin.cinder.connection import CinderConnection, CinderCredentials
from ovirt_cinder_plugin.db.models import Provider
from ovirt_cinder_plugin.services.providers import ProviderRefused, ProviderService
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import build_engine


def accepting_connector(credentials: CinderCredentials) -> CinderConnection:
    return CinderConnection(client=None, microversion="3.71", server_min_version="3.0", server_max_version="3.71")


@dataclasses.dataclass(frozen=True)
class ServicesWithDisks:
    base: Any
    disks: dict[str, int]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def disks_on_storage_domain(self, storage_domain_id: str) -> int:
        return self.disks.get(storage_domain_id, 0)


def test_remove_with_disks_needs_force(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    state = engine_state(engine.app)
    disks: dict[str, int] = {}
    service = ProviderService(ServicesWithDisks(state.services, disks), connector=accepting_connector)
    provider = service.add(
        {"name": "p1", "url": "http://127.0.0.1:8776/v3", "data_center": {"id": engine.data_center_id}}
    )
    with state.session_factory() as session:
        domain = state.services.storage_domains.by_backend_ref(session, "cinder", provider.id)
        assert domain is not None
        domain_id = domain.id
    disks[domain_id] = 2

    with pytest.raises(ProviderRefused) as refused:
        service.remove(provider.id, force=False)
    assert refused.value.status == 409
    assert "2 disk(s)" in refused.value.message
    with state.session_factory() as session:
        assert session.get(Provider, provider.id) is not None

    service.remove(provider.id, force=True)
    with state.session_factory() as session:
        assert session.get(Provider, provider.id) is None
        assert session.get(StorageDomain, domain_id) is None
