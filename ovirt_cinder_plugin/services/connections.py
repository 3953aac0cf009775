"""Open Cinder connections, kept per provider: connecting costs a Keystone token, a version
discovery and the volume-type list that proves the connection (several requests), and the poller
talks to every provider every second. Connections go to the provider's stored Cinder v3 endpoint.

A connection is cached under a fingerprint of the provider's connection settings, so that a
provider changed by any engine process gets a fresh connection on its next use; keystoneauth
renews the token of a cached session by itself.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from ovirt_cinder_plugin.cinder.connection import CinderConnection, CinderCredentials
from ovirt_cinder_plugin.db.models import Provider


def fingerprint(provider: Provider) -> str:
    digest = hashlib.sha256()
    for value in (
        provider.url,
        provider.endpoint,
        str(provider.requires_authentication),
        provider.username,
        provider.tenant_name,
        provider.authentication_url,
        provider.properties,
    ):
        digest.update(value.encode() + b"\0")
    digest.update(provider.password_encrypted or b"")
    return digest.hexdigest()


class ConnectionCache:
    def __init__(self, connector: Callable[[CinderCredentials], CinderConnection]) -> None:
        self._connect = connector
        self._connections: dict[str, tuple[str, CinderConnection]] = {}
        self._lock = threading.Lock()

    def get(self, provider: Provider, credentials: Callable[[], CinderCredentials]) -> CinderConnection:
        key = fingerprint(provider)
        with self._lock:
            cached = self._connections.get(provider.id)
        if cached and cached[0] == key:
            return cached[1]
        connection = self._connect(credentials())
        with self._lock:
            self._connections[provider.id] = (key, connection)
        return connection

    def forget(self, provider_id: str) -> None:
        with self._lock:
            self._connections.pop(provider_id, None)
