"""oVirt's SSO endpoints, where the SDK and Ansible's ``ovirt_auth`` log in and out:

- ``POST /ovirt-engine/sso/oauth/token`` (form: ``grant_type=password``, ``username`` as
  ``admin`` or ``admin@internal``, ``password``, ``scope=ovirt-app-api``) answers
  ``{access_token, token_type: "bearer", exp, scope}``, ``exp`` in epoch seconds written as a
  string, as oVirt does. Only a form body: a password or a token never travels in a URL, where
  access logs and proxies keep it (a GET, as some old SDKs sent, answers 405).
- ``POST /ovirt-engine/services/sso-logout`` (form: ``token``) revokes the token and
  answers ``{}``, also for an unknown or revoked one.

The SDK reads only the JSON, never the status: a refusal is OAuth's
``{error, error_description}`` (with a meaningful status all the same): ``invalid_request``
(400, a field missing or a scope other than ``ovirt-app-api``), ``unsupported_grant_type``
(400), ``invalid_grant`` (401, a wrong user name or password), ``access_denied`` (429, too many
failed logins for that name). The paths are outside ``/api``: no credentials are asked for.

A plain Flask blueprint, not in the OpenAPI document: that document describes ``/api`` (its
security scheme is HTTP Basic, and a test keeps it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Blueprint, Flask, Response, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access.logins import LoginRefused, Logins, build_limiter, logins_of
from ovirt_engine_host.api.sso.schemas import LogoutRequestSchema, TokenRequestSchema
from ovirt_engine_host.config import EngineConfig

blp = Blueprint("sso", __name__)
NOT_STORED = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""A token answer must not be cached (RFC 6749, 5.1)."""


def install(app: Flask, session_factory: sessionmaker[Session], config: EngineConfig) -> Logins:
    """The SSO endpoints on ``app``, and the application's :class:`Logins` (with its own
    Flask-Limiter), which the API's authentication uses too: returned for it."""
    logins = Logins(session_factory, build_limiter(app), config)
    logins.attach(app)
    app.register_blueprint(blp)
    return logins


@blp.route("/ovirt-engine/sso/oauth/token", methods=["POST"])
def token() -> Response:
    """Log in: an SSO token for a user name and password."""
    asked = load(TokenRequestSchema(), request.form)
    if asked["grant_type"] != "password":
        raise LoginRefused(400, "the engine grants tokens for passwords only (grant_type=password)",
                           "unsupported_grant_type")  # fmt: skip
    issued = logins_of().log_in(asked["username"], asked["password"])
    answer = {"access_token": issued.value, "token_type": "bearer", "exp": str(int(issued.expires.timestamp())),
              "scope": asked["scope"]}  # fmt: skip
    return json_answer(answer, 200)


@blp.route("/ovirt-engine/services/sso-logout", methods=["POST"])
def logout() -> Response:
    """Log out: revoke an SSO token."""
    logins_of().log_out(load(LogoutRequestSchema(), request.form)["token"])
    return json_answer({}, 200)


@blp.errorhandler(LoginRefused)
def refused(error: LoginRefused) -> Response:
    return json_answer({"error": error.error, "error_description": str(error)}, error.status)


def load(schema: ma.Schema, values: Mapping[str, str]) -> dict[str, Any]:
    """The fields a schema reads, or ``invalid_request`` naming what is wrong (never a value)."""
    try:
        loaded: dict[str, Any] = schema.load(dict(values))
    except ma.ValidationError as error:
        messages = error.normalized_messages()  # type: ignore[no-untyped-call]
        described = "; ".join(f"{field}: {' '.join(map(str, problems))}" for field, problems in messages.items())
        raise LoginRefused(400, described, "invalid_request") from None
    return loaded


def json_answer(data: dict[str, Any], status: int) -> Response:
    answer = jsonify(data)
    answer.status_code = status
    answer.headers.update(NOT_STORED)
    return answer
