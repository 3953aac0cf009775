"""The SSO endpoints' form fields, as the oVirt SDK and ``ovirt_auth`` send them. Unknown fields
are ignored: clients send more than the engine reads (``scope`` on logout)."""

from __future__ import annotations

import marshmallow as ma

OVIRT_SCOPE = "ovirt-app-api"
"""The scope the SDK asks for: the REST API."""


def asks_for_the_api(scope: str) -> None:
    if OVIRT_SCOPE not in scope.split():
        raise ma.ValidationError(f"the engine grants only the scope {OVIRT_SCOPE}")


class TokenRequestSchema(ma.Schema):
    """A token request (OAuth's password grant); ``grant_type`` is checked by the view, which
    answers ``unsupported_grant_type`` for another one."""

    class Meta:
        unknown = ma.EXCLUDE

    grant_type = ma.fields.String(required=True)
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1))
    scope = ma.fields.String(load_default=OVIRT_SCOPE, validate=asks_for_the_api)


class LogoutRequestSchema(ma.Schema):
    """A logout: the token to revoke."""

    class Meta:
        unknown = ma.EXCLUDE

    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
