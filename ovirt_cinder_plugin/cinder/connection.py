"""Open a Cinder v3 client for a provider's credentials.

Keystone v3 password auth (or Cinder's noauth mode), one keystoneauth1 session per connection,
and the API microversion negotiated with the server: the plugin asks for up to
:data:`WANTED_MICROVERSION` and refuses servers below :data:`MINIMUM_MICROVERSION` (attachments
completed by the client, 3.44, and extending in-use volumes, 3.42).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from cinderclient import api_versions
from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exceptions
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic as ks_generic

from ovirt_cinder_plugin.cinder.errors import AuthenticationFailed, ServiceUnreachable, UnsupportedApi

LOG = logging.getLogger(__name__)

WANTED_MICROVERSION = "3.71"
MINIMUM_MICROVERSION = "3.44"


@dataclass(frozen=True)
class CinderCredentials:
    """Where a Cinder is and how to authenticate to it.

    ``url`` is the Cinder v3 endpoint; with Keystone it may be empty, and then the catalog's
    ``volumev3`` endpoint is used. ``auth_url`` empty means Cinder runs without authentication.
    The password is excluded from ``repr`` so that it never reaches a log.
    """

    url: str = ""
    auth_url: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    project_name: str = ""
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    timeout: float = 30.0

    @property
    def requires_authentication(self) -> bool:
        return bool(self.auth_url)


@dataclass(frozen=True)
class CinderConnection:
    """A negotiated client: the cinderclient object stays inside the boundary package."""

    client: Any
    microversion: str
    server_min_version: str
    server_max_version: str


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


def connect(credentials: CinderCredentials) -> CinderConnection:
    """Authenticate, find Cinder, and negotiate the microversion.

    Raises AuthenticationFailed, ServiceUnreachable or UnsupportedApi with a message that names
    the URL and the cause.
    """
    session = keystone_session(credentials)
    if credentials.requires_authentication:
        try:
            session.get_token()
        except ks_exceptions.Unauthorized as error:
            raise AuthenticationFailed(auth_url=credentials.auth_url, username=credentials.username) from error
        except (ks_exceptions.ConnectFailure, ks_exceptions.ConnectTimeout, ks_exceptions.DiscoveryFailure) as error:
            raise ServiceUnreachable(service="Keystone", url=credentials.auth_url, cause=error) from error
    base = cinder_client.Client("3.0", session=session, os_endpoint=credentials.url or None, service_type="volumev3")
    url = credentials.url or "the volumev3 endpoint of Keystone's catalog"
    try:
        versions = base.services.server_api_version()
    except (ks_exceptions.ConnectFailure, ks_exceptions.ConnectTimeout, ks_exceptions.EndpointNotFound) as error:
        raise ServiceUnreachable(service="Cinder", url=url, cause=error) from error
    except cinder_exceptions.ClientException as error:
        raise UnsupportedApi(url=url, cause=error) from error
    v3 = [v for v in versions or [] if v.version.startswith("3.")]
    if not v3:
        raise UnsupportedApi(url=url, cause="it announces no v3 API with microversions")
    server_min = api_versions.APIVersion(v3[0].min_version)
    server_max = api_versions.APIVersion(v3[0].version)
    negotiated = min(server_max, api_versions.APIVersion(WANTED_MICROVERSION))
    if negotiated < api_versions.APIVersion(MINIMUM_MICROVERSION):
        raise UnsupportedApi(
            url=url, cause=f"its microversions end at {server_max.get_string()}, below {MINIMUM_MICROVERSION}"
        )
    client = cinder_client.Client(
        negotiated, session=session, os_endpoint=credentials.url or None, service_type="volumev3"
    )
    LOG.debug("connected to Cinder at %s with microversion %s", url, negotiated.get_string())
    return CinderConnection(
        client=client,
        microversion=negotiated.get_string(),
        server_min_version=server_min.get_string(),
        server_max_version=server_max.get_string(),
    )
