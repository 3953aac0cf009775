"""The provider service checks adds and updates alike, stores the discovered endpoint apart from
the URL given, and writes nothing when the check refuses. Cinder is replaced at our own boundary
(the connector); the real stack's answers are in tests/integration/test_provider_endpoints.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ovirt_cinder_plugin.cinder import errors
from ovirt_cinder_plugin.cinder.connection import CinderConnection, CinderCredentials
from ovirt_cinder_plugin.db.models import Provider
from ovirt_cinder_plugin.services.connections import fingerprint
from ovirt_cinder_plugin.services.providers import ProviderRefused, ProviderService, refusal_for
from ovirt_engine_host.db.models import StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, build_engine, stop_engine

GOOD_URL = "http://cinder.example:8776"
ENDPOINT = "http://cinder.example:8776/v3"


@dataclass
class FakeConnector:
    """Accepts the URL ``GOOD_URL`` (discovering ``ENDPOINT``) and refuses any other one."""

    refusal: errors.CinderError = field(
        default_factory=lambda: errors.NoCinderApi(url="elsewhere", found="Keystone's version document")
    )
    seen: list[CinderCredentials] = field(default_factory=list)

    def __call__(self, credentials: CinderCredentials) -> CinderConnection:
        self.seen.append(credentials)
        if credentials.url not in (GOOD_URL, ENDPOINT) or credentials.password == "wrong":
            raise self.refusal
        return CinderConnection(
            client=None, microversion="3.71", server_min_version="3.0", server_max_version="3.71", endpoint=ENDPOINT
        )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    built = build_engine(tmp_path, "")
    yield built
    stop_engine(built)


def service(engine: Engine, connector: FakeConnector) -> ProviderService:
    return ProviderService(engine_state(engine.app).services, connector=connector)


def body(engine: Engine, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "p1",
        "url": GOOD_URL,
        "requires_authentication": True,
        "username": "admin",
        "password": "secret",
        "tenant_name": "admin",
        "authentication_url": "http://keystone.example:5000/v3",
        "data_center": {"id": engine.data_center_id},
    }
    data.update(changes)
    return data


def stored(engine: Engine) -> list[tuple[str, str, str, bytes | None]]:
    with engine_state(engine.app).session_factory() as session:
        return [
            (p.url, p.endpoint, p.description, p.password_encrypted)
            for p in session.scalars(select(Provider).order_by(Provider.name))
        ]


def test_the_discovered_endpoint_is_kept_apart_from_the_url_given(sqlite_engine: Engine) -> None:
    provider = service(sqlite_engine, FakeConnector()).add(body(sqlite_engine))
    assert (provider.url, provider.endpoint) == (GOOD_URL, ENDPOINT)
    [(url, endpoint, _, _)] = stored(sqlite_engine)
    assert (url, endpoint) == (GOOD_URL, ENDPOINT)


def test_a_refused_add_writes_no_row(sqlite_engine: Engine) -> None:
    with pytest.raises(ProviderRefused) as refused:
        service(sqlite_engine, FakeConnector()).add(body(sqlite_engine, url="http://keystone.example:5000"))
    assert refused.value.status == 400
    assert refused.value.message.startswith("url: no Cinder v3 API at elsewhere")
    with engine_state(sqlite_engine.app).session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 0
        assert session.scalar(select(func.count()).select_from(StorageDomain)) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"url": "http://keystone.example:5000"},
        {"password": "wrong", "description": "with a wrong password"},
        {"url": "http://keystone.example:5000", "description": "changed along"},
        {"tenant_name": "other", "url": "http://127.0.0.1:9"},
    ],
)
def test_a_refused_update_changes_nothing(sqlite_engine: Engine, change: dict[str, Any]) -> None:
    connector = FakeConnector()
    providers = service(sqlite_engine, connector)
    provider = providers.add(body(sqlite_engine, description="before"))
    before = stored(sqlite_engine)
    with pytest.raises(ProviderRefused) as refused:
        providers.update(provider.id, dict(change))
    assert refused.value.status == 400
    assert stored(sqlite_engine) == before
    # the update was checked like an add: from the URL as given (or as changed), not the endpoint
    assert connector.seen[-1].url == change.get("url", GOOD_URL)


def test_an_update_of_the_connection_settings_is_checked_and_stores_the_endpoint(sqlite_engine: Engine) -> None:
    connector = FakeConnector()
    providers = service(sqlite_engine, connector)
    provider = providers.add(body(sqlite_engine))
    with engine_state(sqlite_engine.app).session_factory() as session:
        session.get(Provider, provider.id).endpoint = ""  # type: ignore[union-attr]  # as stored before c0002
        session.commit()
    providers.update(provider.id, {"password": "new-secret"})
    assert len(connector.seen) == 2
    [(_, endpoint, _, _)] = stored(sqlite_engine)
    assert endpoint == ENDPOINT
    providers.update(provider.id, {"description": "not a connection setting"})
    assert len(connector.seen) == 2


def test_cached_connections_go_to_the_stored_endpoint(sqlite_engine: Engine) -> None:
    connector = FakeConnector()
    providers = service(sqlite_engine, connector)
    provider = providers.add(body(sqlite_engine))
    with providers.session() as session:
        row = providers.get(session, provider.id)
        connection = providers.cached_connection(row)
        assert connection.endpoint == ENDPOINT
        assert connector.seen[-1].url == ENDPOINT
        assert providers.cached_connection(row) is connection
        key = fingerprint(row)
        row.endpoint = "http://moved.example:8776/v3"
        assert fingerprint(row) != key  # a changed endpoint is a new connection


def test_without_authentication_a_url_is_required(sqlite_engine: Engine) -> None:
    with pytest.raises(ProviderRefused) as refused:
        service(sqlite_engine, FakeConnector()).add(
            {
                "name": "p1",
                "url": "",
                "requires_authentication": False,
                "data_center": {"id": sqlite_engine.data_center_id},
            }
        )
    assert refused.value.status == 400
    assert refused.value.message.startswith("url: required when requires_authentication is false")


@pytest.mark.parametrize(
    ("error", "requires_authentication", "status", "field"),
    [
        (errors.AuthenticationFailed(auth_url="http://k/v3", username="u"), True, 400, "authentication_url"),
        (errors.ServiceUnreachable(service="Keystone", url="http://k/v3", cause="refused"), True, 502, None),
        (
            errors.ServiceUnreachable(service="Keystone", url="http://k/v3", cause="refused"),
            "brought",
            400,
            "authentication_url",
        ),
        (errors.ServiceUnreachable(service="Cinder", url="http://c:9", cause="refused"), True, 400, "url"),
        (errors.NoCinderApi(url="http://k:5000", found="Keystone's version document"), True, 400, "url"),
        (errors.UnsupportedApi(url="http://c/v3", cause="too old"), True, 400, "url"),
        (errors.TokenRefused(url="http://c/v3", cause="401"), False, 400, "requires_authentication"),
        (errors.TokenRefused(url="http://c/v3", cause="401"), True, 400, "authentication_url"),
        (errors.CinderServerError(service="Cinder", url="http://c/v3", cause="503"), True, 502, None),
        (errors.CinderRefused(cause="Malformed request url (HTTP 400)"), True, 400, "url"),
    ],
)
def test_refusals_name_the_field_to_change(
    error: errors.CinderError, requires_authentication: bool | str, status: int, field: str | None
) -> None:
    brought = frozenset({"authentication_url"}) if requires_authentication == "brought" else frozenset()
    refused = refusal_for(error, bool(requires_authentication), brought)
    assert refused.status == status
    assert str(error) in refused.message
    if field is not None:
        assert refused.message.startswith(f"{field}: ")
