"""No cinderclient or keystoneauth exception leaves the Cinder boundary untranslated.

Every boundary function is called with a client whose every request raises, and must raise our
CinderError (caused by the original); a meta-test checks that no public function of
``ovirt_cinder_plugin.cinder`` escapes the :func:`~ovirt_cinder_plugin.cinder.calls.boundary`
decorator, and that every one that takes a connection has a case here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import socket
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from cinderclient import exceptions as cinder_exceptions
from keystoneauth1 import exceptions as ks_exceptions

import ovirt_cinder_plugin.cinder
from ovirt_cinder_plugin.cinder import attachments, capacity, errors, probe, quota, snapshots, volume_types, volumes
from ovirt_cinder_plugin.cinder.calls import BOUNDARY_MARK, boundary, translate
from ovirt_cinder_plugin.cinder.connection import (
    CinderConnection,
    CinderCredentials,
    _describe_versions,
    connect,
    discover_endpoint,
)

ENDPOINT = "http://cinder.example:8776/v3"
TRANSLATOR_MODULE = "ovirt_cinder_plugin.cinder.calls"  # defines the decorator; its helpers raise nothing


class RaisingClient:
    """A cinderclient stand-in: every attribute is a manager, every call raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> RaisingClient:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


# Each boundary function that talks to Cinder, called with a connection.
CALLS: dict[str, Callable[[CinderConnection], Any]] = {
    "volumes.create_volume": lambda c: volumes.create_volume(
        c, request_id="r", storage_domain_id="d", name="n", description="", size_gib=1, volume_type=None
    ),
    "volumes.delete_volume": lambda c: volumes.delete_volume(c, "v"),
    "volumes.extend_volume": lambda c: volumes.extend_volume(c, "v", 2),
    "volumes.retype_volume": lambda c: volumes.retype_volume(c, "v", "rbd"),
    "volumes.operation_states": lambda c: volumes.operation_states(c, "d", []),
    "quota.check_quota": lambda c: quota.check_quota(c, operation="create", size_gib=1, count=1, volume_type="rbd"),
    "quota.read_usage": quota.read_usage,
    "quota.volume_type_name": lambda c: quota.volume_type_name(c, "rbd"),
    "attachments.attach": lambda c: attachments.attach(c, "v", attachments.connector_for("h", "192.0.2.1")),
    "attachments.detach": lambda c: attachments.detach(c, "a"),
    "attachments.connection_data": lambda c: attachments.connection_data(
        c, "v", attachments.connector_for("h", "192.0.2.1")
    ),
    "volumes.list_volumes": volumes.list_volumes,
    "volumes.claim_volume": lambda c: volumes.claim_volume(c, "v", "d", "e"),
    "volume_types.list_volume_types": volume_types.list_volume_types,
    "volume_types.get_volume_type": lambda c: volume_types.get_volume_type(c, "t"),
    "volume_types.create_volume_type": lambda c: volume_types.create_volume_type(
        c, name="t", description="", extra_specs={"k": "v"}
    ),
    "volume_types.update_volume_type": lambda c: volume_types.update_volume_type(c, "t", name="u", extra_specs={}),
    "volume_types.delete_volume_type": lambda c: volume_types.delete_volume_type(c, "t"),
    "snapshots.create_snapshot": lambda c: snapshots.create_snapshot(
        c, volume_id="v", request_id="r", storage_domain_id="d", name="n", description=""
    ),
    "snapshots.delete_snapshot": lambda c: snapshots.delete_snapshot(c, "s"),
    "snapshots.snapshot_states": lambda c: snapshots.snapshot_states(c, "d", []),
    "capacity.read_capacity": capacity.read_capacity,
}

RAISED: list[tuple[Exception, type[errors.CinderError]]] = [
    (ks_exceptions.ConnectFailure("Unable to establish connection"), errors.ServiceUnreachable),
    (ks_exceptions.ConnectTimeout("timed out"), errors.ServiceUnreachable),
    (cinder_exceptions.ClientException(503, "Service Unavailable"), errors.CinderServerError),
    (cinder_exceptions.Unauthorized(401, "The request you have made requires authentication."), errors.TokenRefused),
    (cinder_exceptions.Forbidden(403, "Policy doesn't allow"), errors.CinderRefused),
    (cinder_exceptions.OverLimit(413, "VolumeLimitExceeded: Maximum number of volumes allowed"), errors.QuotaExceeded),
    (ks_exceptions.Unauthorized("The request you have made requires authentication."), errors.CinderError),
    (ks_exceptions.ServiceUnavailable(url="http://keystone.example/v3/auth/tokens"), errors.CinderServerError),
]


def raising_connection(error: Exception) -> CinderConnection:
    return CinderConnection(
        client=RaisingClient(error),
        microversion="3.71",
        server_min_version="3.0",
        server_max_version="3.71",
        endpoint=ENDPOINT,
    )


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize(("raised", "expected"), RAISED, ids=[type(r).__name__ for r, _ in RAISED])
def test_every_boundary_function_translates_client_exceptions(
    name: str, raised: Exception, expected: type[errors.CinderError]
) -> None:
    with pytest.raises(errors.CinderError) as caught:
        CALLS[name](raising_connection(raised))
    assert isinstance(caught.value, expected), (name, caught.value)
    assert caught.value.__cause__ is raised  # the original exception, with its traceback, stays reachable
    if isinstance(caught.value, errors.ServiceUnreachable | errors.TokenRefused):
        assert ENDPOINT in str(caught.value)


class RaisingSession:
    """A keystoneauth session stand-in for discovery: every request raises ``error``."""

    auth = None

    def __init__(self, error: Exception) -> None:
        self.error = error
        self._discovery_cache: dict[str, Any] = {}

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    def get_endpoint_data(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ks_exceptions.ConnectFailure("Unable to establish connection"), errors.ServiceUnreachable),
        (ks_exceptions.SSLError("certificate verify failed"), errors.ServiceUnreachable),
        (ks_exceptions.NotFound(), errors.NoCinderApi),
        (ks_exceptions.ServiceUnavailable(), errors.CinderServerError),
    ],
)
def test_discovery_failures_are_translated(raised: Exception, expected: type[errors.CinderError]) -> None:
    with pytest.raises(errors.CinderError) as caught:
        discover_endpoint(RaisingSession(raised), CinderCredentials(url=ENDPOINT))  # type: ignore[arg-type]
    assert type(caught.value) is expected
    assert ENDPOINT in str(caught.value)


def test_a_catalog_without_cinder_is_no_cinder_api() -> None:
    credentials = CinderCredentials(auth_url="http://keystone.example/v3", username="u", password="p")
    session = RaisingSession(ks_exceptions.EndpointNotFound("Could not find requested endpoint in Service Catalog."))
    with pytest.raises(errors.NoCinderApi) as caught:
        discover_endpoint(session, credentials)  # type: ignore[arg-type]
    assert str(caught.value).startswith("no Cinder v3 API at the volumev3 endpoint of Keystone's catalog")


def test_connect_to_a_closed_port_is_service_unreachable() -> None:
    with pytest.raises(errors.ServiceUnreachable) as caught:
        connect(CinderCredentials(url=f"http://127.0.0.1:{closed_port()}", timeout=2))
    assert isinstance(caught.value.__cause__, ks_exceptions.ConnectionError)


def test_the_probe_reports_a_refusal_and_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    for name in ("OS_AUTH_URL", "OS_VOLUME_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OVIRT_STACK_CINDER_URL", f"http://127.0.0.1:{closed_port()}/v3")
    assert probe.main() == 1
    assert "probe: cannot reach Cinder at http://127.0.0.1:" in capsys.readouterr().err


def test_keystone_s_version_document_is_named() -> None:
    keystone = [
        {
            "id": "v3.14",
            "status": "stable",
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
        }
    ]
    assert _describe_versions(keystone) == (
        "Keystone's version document with v3.14 (stable, application/vnd.openstack.identity-v3+json)"
    )
    cinder_v2 = [{"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": ""}]
    assert _describe_versions(cinder_v2) == "a version document with v2.0 (DEPRECATED)"
    assert _describe_versions([]) == "a version document listing no API version"


def test_the_decorator_leaves_other_exceptions_alone() -> None:
    ours = errors.VolumeTypeNotFound(volume_type_id="t")

    @boundary
    def raises(error: Exception) -> None:
        raise error

    with pytest.raises(KeyError):
        raises(KeyError("id"))
    with pytest.raises(errors.VolumeTypeNotFound) as caught:
        raises(ours)
    assert caught.value is ours
    assert ours.status == 404


def test_a_cinder_401_is_a_refused_token() -> None:
    translated = translate(cinder_exceptions.Unauthorized(401, "no"), service_url=ENDPOINT)
    assert isinstance(translated, errors.TokenRefused)
    assert str(translated) == f"Cinder at {ENDPOINT} refused the provider's token: no (HTTP 401)"


# the meta-test


def package_modules() -> Iterator[ModuleType]:
    package = ovirt_cinder_plugin.cinder
    for info in pkgutil.iter_modules(package.__path__):
        yield importlib.import_module(f"{package.__name__}.{info.name}")


def public_functions(module: ModuleType) -> Iterator[tuple[str, Any]]:
    for name, value in vars(module).items():
        if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__:
            yield f"{module.__name__.rsplit('.', 1)[1]}.{name}", value


def test_no_public_function_of_the_boundary_escapes_the_decorator() -> None:
    undecorated = [
        name
        for module in package_modules()
        if module.__name__ != TRANSLATOR_MODULE
        for name, function in public_functions(module)
        if not getattr(function, BOUNDARY_MARK, False)
    ]
    assert undecorated == []


def test_every_boundary_function_taking_a_connection_has_a_translation_case() -> None:
    with_connection = {
        name
        for module in package_modules()
        if module.__name__ != TRANSLATOR_MODULE
        for name, function in public_functions(module)
        if "connection" in inspect.signature(function).parameters
    }
    assert with_connection == set(CALLS)


def test_the_meta_test_sees_the_modules() -> None:
    names = {module.__name__.rsplit(".", 1)[1] for module in package_modules()}
    assert {"volumes", "quota", "attachments", "volume_types", "connection", "probe"} <= names


def closed_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])
