"""What the boundary is given to reach a Cinder, and what it hands back once connected.

Kept apart from :mod:`ovirt_cinder_plugin.cinder.connection` so that the translation of errors
(:mod:`ovirt_cinder_plugin.cinder.calls`), which names the URL of either, needs no import of the
code that connects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CinderCredentials:
    """Where a Cinder is and how to authenticate to it.

    ``url`` is where to find Cinder's v3 API: its root (``http://host:8776``), the v3 endpoint
    (``…/v3``) or the v3 endpoint with a project id (``…/v3/{project_id}``); version discovery
    finds the v3 endpoint from any of these. With Keystone it may be empty, and then the catalog's
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
    """A negotiated client: the cinderclient object stays inside the boundary package.

    ``endpoint`` is the Cinder v3 endpoint that version discovery found and every request goes
    to (empty only for connections built by hand, e.g. in tests).
    """

    client: Any
    microversion: str
    server_min_version: str
    server_max_version: str
    endpoint: str = ""
