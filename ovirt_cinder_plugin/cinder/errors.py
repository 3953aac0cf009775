"""The exceptions of the Cinder boundary: one hierarchy, each with a message template."""

from __future__ import annotations

from typing import Any, ClassVar


class CinderError(Exception):
    """Base of every error the Cinder boundary raises."""

    template: ClassVar[str] = "Cinder request failed: {cause}"

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        super().__init__(self.template.format(**fields))


class AuthenticationFailed(CinderError):
    """Keystone refused the credentials."""

    template = "authentication failed: Keystone at {auth_url} refused the credentials of user {username!r}"


class ServiceUnreachable(CinderError):
    """Nothing usable answered at a URL (refused, timed out, not Keystone/Cinder)."""

    template = "cannot reach {service} at {url}: {cause}"


class UnsupportedApi(CinderError):
    """The server does not speak the Cinder v3 API with the microversions the plugin needs."""

    template = "Cinder at {url} does not support the API the plugin needs: {cause}"
