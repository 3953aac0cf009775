"""Calling Cinder: the one place that turns cinderclient and keystoneauth exceptions into ours.

Every public function of the boundary package is decorated with :func:`boundary` (as nova's
``translate_volume_exception``), so that the rest of the plugin sees only
:class:`~ovirt_cinder_plugin.cinder.errors.CinderError` and can answer with its ``status`` and
tell a passing failure (``transient``) from a refusal. Inside a boundary function,
:func:`cinder_errors` translates a few requests early where the function itself reacts to the
translated error (a refusal it can live with); both use :func:`translate`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from cinderclient import api_versions
from cinderclient import exceptions as cinder_exceptions
from cinderclient.apiclient import exceptions as apiclient_exceptions
from keystoneauth1 import exceptions as ks_exceptions

from ovirt_cinder_plugin.cinder.credentials import CinderConnection, CinderCredentials
from ovirt_cinder_plugin.cinder.errors import (
    CinderError,
    CinderRefused,
    CinderServerError,
    QuotaExceeded,
    ServiceUnreachable,
    TokenRefused,
)

P = ParamSpec("P")
R = TypeVar("R")

CATALOG_ENDPOINT = "the volumev3 endpoint of Keystone's catalog"
# The attribute :func:`boundary` sets on what it wraps (read by the test that no function escapes).
BOUNDARY_MARK = "__cinder_boundary__"

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
    """The Cinder endpoint a connection talks to, for messages (the catalog's when not known)."""
    if connection.endpoint:
        return connection.endpoint
    adapter = getattr(connection.client, "client", None)
    return str(getattr(adapter, "endpoint_override", None) or CATALOG_ENDPOINT)


def supports(connection: CinderConnection, microversion: str) -> bool:
    """Whether the negotiated microversion is at least ``microversion``."""
    return bool(api_versions.APIVersion(connection.microversion) >= api_versions.APIVersion(microversion))


def translate(error: Exception, *, service_url: str) -> CinderError | None:
    """Our exception for a cinderclient or keystoneauth one; None for anything else.

    Cinder's 413 is always a quota (per-volume size, volume count, gigabytes, per type), so it
    becomes QuotaExceeded with Cinder's own words; a 401 is a token Cinder does not accept; other
    4xx are refusals that a retry repeats; 5xx and the network are transient.
    """
    if isinstance(error, CONNECTION_ERRORS):
        return ServiceUnreachable(service="Cinder", url=service_url, cause=error)
    if isinstance(error, cinder_exceptions.OverLimit):
        return QuotaExceeded(message=error.message)
    if isinstance(error, cinder_exceptions.ClientException):
        if error.code >= 500:
            return CinderServerError(service="Cinder", url=service_url, cause=error)
        if error.code == 401:
            return TokenRefused(url=service_url, cause=error)
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
def cinder_errors(target: CinderConnection | str) -> Iterator[None]:
    """Run cinderclient calls; their exceptions leave as CinderError, with the original traceback.

    ``target`` names the Cinder in messages: a connection, or the URL being talked to. A
    CinderError raised inside (a more precise translation by the caller) passes unchanged.
    """
    try:
        yield
    except CLIENT_ERRORS as error:
        url = target if isinstance(target, str) else service_url(target)
        translated = translate(error, service_url=url)
        if translated is None:
            raise
        raise translated.with_traceback(error.__traceback__) from error


def boundary(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function of the boundary: any cinderclient or keystoneauth exception leaving it
    leaves as our CinderError (see :func:`translate`), naming the Cinder of its connection or
    credentials argument; our own exceptions and anything else pass unchanged."""

    @functools.wraps(function)
    def translating(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except CLIENT_ERRORS as error:
            translated = translate(error, service_url=_named_cinder([*args, *kwargs.values()]))
            if translated is None:
                raise
            raise translated.with_traceback(error.__traceback__) from error

    setattr(translating, BOUNDARY_MARK, True)
    return translating


def _named_cinder(arguments: Iterable[object]) -> str:
    for argument in arguments:
        if isinstance(argument, CinderConnection):
            return service_url(argument)
        if isinstance(argument, CinderCredentials):
            return argument.url or CATALOG_ENDPOINT
    return "the provider's Cinder"
