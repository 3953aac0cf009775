"""The one gate for a user's credentials: HTTP Basic and bearer tokens on every API call, and
the SSO endpoints' password grant and logout (:mod:`ovirt_engine_host.api.sso`).

A failed login (a wrong user name or password, whichever way it came) is logged with the name
and the remote address, recorded as oVirt's audit event ``USER_VDC_LOGIN_FAILED`` in its own
transaction, and counted per user name: after ``login_failures`` failures within
``login_failure_seconds`` the name's next attempts answer 429 without the password being
checked, until the oldest failure leaves the window. A password or a token is never logged,
recorded or echoed.

The failures are counted by Flask-Limiter's storage and strategy (a moving window), not by its
route decorators: only failures count, and the key is the name the client claims, which only
the login code knows. The storage is in memory, per process: each of several gunicorn workers
counts on its own, so a name may fail up to ``login_failures`` times per worker per window.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerSecond
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access import events, tokens
from ovirt_engine_host.access.authentication import AuthenticatedUser, Authenticator, normal_name
from ovirt_engine_host.config import EngineConfig
from ovirt_engine_host.errors import Refused

LOG = logging.getLogger(__name__)

USER_VDC_LOGIN = 30
USER_VDC_LOGOUT = 31
USER_VDC_LOGIN_FAILED = 114
"""oVirt's audit log codes for a login, a logout and a failed login."""

EXTENSION_KEY = "ovirt_engine_logins"
FAILURES_NAMESPACE = "login-failures"
SHOWN_NAME_LENGTH = 255
"""A claimed name is shown (log, event) cut to the length a user name may have."""


@dataclass
class LoginRefused(Refused):
    """A refused login: ``status`` (401, 429) for the API's fault, ``error`` for an OAuth answer."""

    error: str = "access_denied"


@dataclass(frozen=True)
class ClaimedName:
    """The user name a failed login claimed: its event names it, with no user id."""

    name: str


def build_limiter(app: Flask) -> Limiter:
    """The application's Flask-Limiter, in memory (per process), moving windows. It limits no
    route: :class:`Logins` uses its storage and strategy to count failed logins."""
    return Limiter(get_remote_address, app=app, storage_uri="memory://", strategy="moving-window")


def logins_of(app: Flask | None = None) -> Logins:
    """The application's :class:`Logins` (the current one's by default)."""
    logins: Logins = (app or current_app).extensions[EXTENSION_KEY]
    return logins


def remote_address() -> str:
    return (request.remote_addr or "unknown address") if has_request_context() else "no request"


def shown(name: str) -> str:
    return name if len(name) <= SHOWN_NAME_LENGTH else name[: SHOWN_NAME_LENGTH - 3] + "..."


class Logins:
    """Checks credentials and issues, resolves and revokes SSO tokens; one per application."""

    def __init__(self, session_factory: sessionmaker[Session], limiter: Limiter, config: EngineConfig) -> None:
        self._sessions = session_factory
        self._passwords = Authenticator(session_factory)
        self.limiter = limiter
        self._failures = RateLimitItemPerSecond(config.login_failures, config.login_failure_seconds)
        self._token_lifetime = timedelta(seconds=config.token_seconds)

    def attach(self, app: Flask) -> None:
        app.extensions[EXTENSION_KEY] = self

    def basic(self, name: str, password: str) -> AuthenticatedUser:
        """The user of an HTTP Basic request, or :class:`LoginRefused` (401, 429)."""
        return self._password_login(normal_name(name), password)

    def bearer(self, token: str) -> AuthenticatedUser:
        """The user of a live SSO token, or :class:`LoginRefused` (401)."""
        with self._sessions() as session:
            user = tokens.user_of(session, token)
        if user is None:
            LOG.info("refused a bearer token from %s: unknown, expired or revoked", remote_address())
            raise LoginRefused(401, "the SSO token is unknown, expired or revoked: log in again", "invalid_grant")
        return user

    def log_in(self, name: str, password: str) -> tokens.IssuedToken:
        """A new SSO token for a user's name and password, or :class:`LoginRefused` (401, 429);
        recorded as ``USER_VDC_LOGIN``."""
        user = self._password_login(normal_name(name), password)
        with self._sessions() as session:
            issued = tokens.issue(session, user.id, self._token_lifetime)
            events.record(session, USER_VDC_LOGIN, f"User {user.name} logged in", user=user)
            session.commit()
        return issued

    def log_out(self, token: str) -> None:
        """Revokes a token; ``USER_VDC_LOGOUT`` when it was live. An unknown or revoked token is
        no error: logging out is idempotent."""
        with self._sessions() as session:
            user = tokens.revoke(session, token)
            if user is not None:
                events.record(session, USER_VDC_LOGOUT, f"User {user.name} logged out", user=user)
            session.commit()

    def _password_login(self, name: str, password: str) -> AuthenticatedUser:
        wait = self._throttled_for(name)
        if wait is not None:
            LOG.warning("login of user %r from %s refused: too many failed logins", shown(name), remote_address())
            raise LoginRefused(429, f"too many failed logins for user {shown(name)}: try again in {wait} s")
        user = self._passwords(name, password)
        if user is None:
            self._failed(name)
            raise LoginRefused(401, "wrong user name or password", "invalid_grant")
        return user

    def _throttled_for(self, name: str) -> int | None:
        """Seconds until ``name`` may try again, or None when it may now."""
        if self.limiter.limiter.test(self._failures, FAILURES_NAMESPACE, name):
            return None
        stats = self.limiter.limiter.get_window_stats(self._failures, FAILURES_NAMESPACE, name)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _failed(self, name: str) -> None:
        self.limiter.limiter.hit(self._failures, FAILURES_NAMESPACE, name)
        LOG.warning("failed login of user %r from %s", shown(name), remote_address())
        with self._sessions() as session:
            events.record(
                session, USER_VDC_LOGIN_FAILED, f"User {shown(name)} failed to log in",
                severity="warning", user=ClaimedName(shown(name)),
            )  # fmt: skip
            session.commit()
