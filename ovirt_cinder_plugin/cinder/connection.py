"""Open a Cinder v3 client for a provider's credentials.

Keystone v3 password auth (or Cinder's noauth mode), one keystoneauth1 session per connection.
Cinder's v3 endpoint is found by keystoneauth's version discovery from whatever URL the provider
was given (Cinder's root, ``…/v3``, ``…/v3/{project_id}``, or nothing: the ``volumev3`` entry of
Keystone's catalog), and the API microversion is negotiated from the version document found
there: the plugin asks for up to :data:`WANTED_MICROVERSION` and refuses servers below
:data:`MINIMUM_MICROVERSION` (attachments completed by the client, 3.44, and extending in-use
volumes, 3.42). A connection is only handed out after one authenticated request succeeded, so
that a Cinder that would refuse every later request (a token it does not accept, no token at all)
is refused here.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from cinderclient import api_versions
from cinderclient import client as cinder_client
from keystoneauth1 import discover
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic as ks_generic

from ovirt_cinder_plugin.cinder.calls import CATALOG_ENDPOINT, boundary, cinder_errors
from ovirt_cinder_plugin.cinder.credentials import CinderConnection, CinderCredentials
from ovirt_cinder_plugin.cinder.errors import (
    AuthenticationFailed,
    CinderServerError,
    NoCinderApi,
    ServiceUnreachable,
    UnsupportedApi,
)

__all__ = [
    "MINIMUM_MICROVERSION",
    "WANTED_MICROVERSION",
    "CinderConnection",
    "CinderCredentials",
    "connect",
    "discover_endpoint",
    "keystone_session",
]

LOG = logging.getLogger(__name__)

WANTED_MICROVERSION = "3.71"
MINIMUM_MICROVERSION = "3.44"
V3_RANGE = ("3.0", "3.latest")


@boundary
def keystone_session(credentials: CinderCredentials) -> ks_session.Session:
    """A keystoneauth1 session for the credentials (no request is sent yet)."""
    if credentials.requires_authentication:
        # generic: discovers Keystone v3 behind an unversioned URL as well as a /v3 one
        auth: Any = ks_generic.Password(
            auth_url=credentials.auth_url,
            username=credentials.username,
            password=credentials.password,
            project_name=credentials.project_name,
            user_domain_name=credentials.user_domain_name,
            project_domain_name=credentials.project_domain_name,
        )
    else:
        from cinderclient.contrib.noauth import CinderNoAuthPlugin

        auth = CinderNoAuthPlugin(
            user_id=credentials.username or "admin",
            project_id=credentials.project_name or "admin",
            endpoint=credentials.url,
        )
    return ks_session.Session(auth=auth, timeout=credentials.timeout)


@boundary
def connect(credentials: CinderCredentials) -> CinderConnection:
    """Authenticate, discover Cinder's v3 endpoint, negotiate the microversion, and list the volume
    types once (the authenticated request that proves the connection works).

    Raises AuthenticationFailed, ServiceUnreachable (Keystone or the URL cannot be reached),
    NoCinderApi (something else than Cinder v3 answers), UnsupportedApi (too old a Cinder),
    TokenRefused (Cinder does not accept the provider's token) or another CinderError, with a
    message that names the URL and the cause.
    """
    session = keystone_session(credentials)
    if credentials.requires_authentication:
        try:
            session.get_token()
        except ks_exceptions.Unauthorized as error:
            raise AuthenticationFailed(auth_url=credentials.auth_url, username=credentials.username) from error
        except (ks_exceptions.ConnectFailure, ks_exceptions.ConnectTimeout, ks_exceptions.DiscoveryFailure) as error:
            raise ServiceUnreachable(service="Keystone", url=credentials.auth_url, cause=error) from error
    found = discover_endpoint(session, credentials)
    endpoint = str(found.url).rstrip("/")
    server_min = api_versions.APIVersion(discover.version_to_string(found.min_microversion or (3, 0)))
    server_max = api_versions.APIVersion(discover.version_to_string(found.max_microversion or (3, 0)))
    negotiated = min(server_max, api_versions.APIVersion(WANTED_MICROVERSION))
    if negotiated < api_versions.APIVersion(MINIMUM_MICROVERSION):
        raise UnsupportedApi(
            url=endpoint, cause=f"its microversions end at {server_max.get_string()}, below {MINIMUM_MICROVERSION}"
        )
    client = cinder_client.Client(negotiated, session=session, os_endpoint=endpoint, service_type="volumev3")
    with cinder_errors(endpoint):
        client.volume_types.list()
    LOG.debug("connected to Cinder at %s with microversion %s", endpoint, negotiated.get_string())
    return CinderConnection(
        client=client,
        microversion=negotiated.get_string(),
        server_min_version=server_min.get_string(),
        server_max_version=server_max.get_string(),
        endpoint=endpoint,
    )


@boundary
def discover_endpoint(session: ks_session.Session, credentials: CinderCredentials) -> discover.EndpointData:
    """Cinder's v3 endpoint, its microversions and URL, found by keystoneauth's version discovery
    from ``credentials.url`` (or the catalog's ``volumev3`` endpoint when it is empty).

    Raises ServiceUnreachable when nothing answers there, CinderServerError when it answers with
    a server error, NoCinderApi when something else than Cinder v3 answers.
    """
    url = credentials.url or _catalog_endpoint(session, credentials)
    where = discover.EndpointData(catalog_url=url, service_type="volumev3")
    try:
        # The version hack: after the URL itself, discovery asks the root of its host and path
        # (Cinder's v3 answers its version document only with a token; the root answers anyone).
        # project_id None: keystoneauth recognises a trailing project id after the version by
        # itself, sets it aside for discovery and puts it back on the endpoint it found.
        found: discover.EndpointData | None = where.get_versioned_data(
            session, min_version=V3_RANGE[0], max_version=V3_RANGE[1], allow_version_hack=True
        )
    except ks_exceptions.DiscoveryFailure:
        found = None
    # A v3 URL nobody answers at is "found" from its path alone, and Keystone's v3 is a 3.x too:
    # only Cinder announces microversions in a 3.x version document.
    if found is None or found.max_microversion is None or not found.url:
        _refuse_what_answers_at(session, url)
    return found


def _catalog_endpoint(session: ks_session.Session, credentials: CinderCredentials) -> str:
    if not credentials.requires_authentication:
        raise NoCinderApi(url="an empty URL", found="no Keystone catalog to look in, without authentication")
    try:
        entry = session.get_endpoint_data(service_type="volumev3", interface="public", skip_discovery=True)
    except ks_exceptions.CatalogException as error:
        raise NoCinderApi(url=CATALOG_ENDPOINT, found=f"no such entry: {error}") from error
    if entry is None or not entry.url:
        raise NoCinderApi(url=CATALOG_ENDPOINT, found="no such entry")
    return str(entry.url)


def _refuse_what_answers_at(session: ks_session.Session, url: str) -> NoReturn:
    """Raise the error that says what answers at ``url`` instead of Cinder v3.

    keystoneauth's discovery keeps its reasons to itself (it tries several URLs), so the URL is
    asked once more, without a token, through keystoneauth's discovery cache.
    """
    try:
        document = discover.get_discovery(session, url, authenticated=False)
    except ks_exceptions.ConnectionError as error:
        raise ServiceUnreachable(service="Cinder", url=url, cause=error) from error
    except ks_exceptions.HttpError as error:
        if error.http_status >= 500:  # a Cinder (or its proxy) failing for now: try again later
            raise CinderServerError(service="Cinder", url=url, cause=error) from error
        raise NoCinderApi(url=url, found=f"an HTTP error, {error}") from error
    except ks_exceptions.DiscoveryFailure as error:
        raise NoCinderApi(url=url, found=f"no version document: {error}") from error
    versions = document.raw_version_data(allow_experimental=True, allow_unknown=True)
    raise NoCinderApi(url=url, found=_describe_versions(versions))


def _describe_versions(versions: list[dict[str, Any]]) -> str:
    """A version document in a few words: whose (Keystone's, when its media types say identity),
    and each API version with its status, microversions and media types."""
    if not versions:
        return "a version document listing no API version"
    media_types = [str(m.get("type") or m.get("base") or "") for v in versions for m in v.get("media-types") or []]
    whose = "Keystone's version document" if any("identity" in m for m in media_types) else "a version document"
    listed = []
    for version in versions:
        details = [str(version.get("status") or "no status")]
        if version.get("version"):
            details.append(f"microversions {version.get('min_version') or '?'} to {version['version']}")
        details += [str(m.get("type")) for m in version.get("media-types") or [] if m.get("type")]
        listed.append(f"{version.get('id') or '?'} ({', '.join(details)})")
    return f"{whose} with {'; '.join(listed)}"
