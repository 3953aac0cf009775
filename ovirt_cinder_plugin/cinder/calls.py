"""Calling Cinder: one place that turns cinderclient and keystoneauth exceptions into ours.

Every function of the boundary runs its requests inside :func:`cinder_errors`, so that the rest
of the plugin sees only :class:`~ovirt_cinder_plugin.cinder.errors.CinderError` and can answer
with its ``status`` and tell a passing failure (``transient``) from a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cinderclient import api_versions
from cinderclient import exceptions as cinder_exceptions
from cinderclient.apiclient import exceptions as apiclient_exceptions
from keystoneauth1 import exceptions as ks_exceptions

from ovirt_cinder_plugin.cinder.connection import CinderConnection
from ovirt_cinder_plugin.cinder.errors import (
    CinderError,
    CinderRefused,
    CinderServerError,
    QuotaExceeded,
    ServiceUnreachable,
)

CATALOG_ENDPOINT = "the volumev3 endpoint of Keystone's catalog"

# What cinderclient and keystoneauth raise; anything else is a bug of ours and is not hidden.
CLIENT_ERRORS: tuple[type[Exception], ...] = (
    cinder_exceptions.ClientException,
    cinder_exceptions.ConnectionError,
    apiclient_exceptions.ClientException,
    ks_exceptions.ClientException,
)

# The network failed (refused, timed out, TLS, Keystone unreachable while re-authenticating).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    ks_exceptions.ConnectionError,
    ks_exceptions.DiscoveryFailure,
    cinder_exceptions.ConnectionError,
    apiclient_exceptions.ConnectionRefused,
)


def service_url(connection: CinderConnection) -> str:
    """The Cinder endpoint a connection talks to, for messages (the catalog's when not configured)."""
    adapter = getattr(connection.client, "client", None)
    return str(getattr(adapter, "endpoint_override", None) or CATALOG_ENDPOINT)


def supports(connection: CinderConnection, microversion: str) -> bool:
    """Whether the negotiated microversion is at least ``microversion``."""
    return bool(api_versions.APIVersion(connection.microversion) >= api_versions.APIVersion(microversion))


def translate(error: Exception, *, service_url: str) -> CinderError | None:
    """Our exception for a cinderclient or keystoneauth one; None for anything else.

    Cinder's 413 is always a quota (per-volume size, volume count, gigabytes, per type), so it
    becomes QuotaExceeded with Cinder's own words; other 4xx are refusals that a retry repeats;
    5xx and the network are transient.
    """
    if isinstance(error, CONNECTION_ERRORS):
        return ServiceUnreachable(service="Cinder", url=service_url, cause=error)
    if isinstance(error, cinder_exceptions.OverLimit):
        return QuotaExceeded(message=error.message)
    if isinstance(error, cinder_exceptions.ClientException):
        if error.code >= 500:
            return CinderServerError(service="Cinder", url=service_url, cause=error)
        if error.code == 401:
            return CinderError(cause=f"Cinder at {service_url} refused the provider's token: {error}")
        return CinderRefused(cause=error)
    if isinstance(error, ks_exceptions.HttpError):
        # Raised by the auth plugin when it (re-)authenticates against Keystone.
        if error.http_status >= 500:
            return CinderServerError(service="Keystone", url=error.url or "its auth URL", cause=error)
        return CinderError(cause=f"Keystone refused to authenticate the provider: {error}")
    if isinstance(error, CLIENT_ERRORS):
        return CinderError(cause=error)
    return None


@contextmanager
def cinder_errors(connection: CinderConnection) -> Iterator[None]:
    """Run cinderclient calls; their exceptions leave as CinderError, with the original traceback.

    A CinderError raised inside (a more precise translation by the caller) passes unchanged.
    """
    try:
        yield
    except CLIENT_ERRORS as error:
        translated = translate(error, service_url=service_url(connection))
        if translated is None:
            raise
        raise translated.with_traceback(error.__traceback__) from error
