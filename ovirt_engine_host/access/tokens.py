"""SSO bearer tokens (oVirt's ``/ovirt-engine/sso/oauth/token``): issued, looked up, revoked.

A token is a random string its owner receives once; the engine stores only its SHA-256
(:class:`~ovirt_engine_host.db.models.AccessToken`), so a copy of the database lets nobody in.
A plain hash (no salt, no scrypt) is enough: the token has 256 random bits, nothing to guess,
and a hash lets the lookup be one indexed equality. Every function works in the caller's
session; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ovirt_engine_host.access.authentication import AuthenticatedUser, user_view
from ovirt_engine_host.db.models import AccessToken, User

TOKEN_BYTES = 32


@dataclass(frozen=True)
class IssuedToken:
    """A token as its owner receives it, the only time its value exists outside his hands."""

    value: str = field(repr=False)
    expires: datetime


def token_hash(token: str) -> str:
    """What the table holds for ``token``: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user_id: str, lifetime: timedelta) -> IssuedToken:
    """A new token for a user, valid for ``lifetime``. Expired tokens are pruned here: a login
    is rare next to the requests a token serves, so the table stays small at no request's cost."""
    now = datetime.now(UTC)
    prune(session, now)
    token = IssuedToken(secrets.token_urlsafe(TOKEN_BYTES), now + lifetime)
    session.add(AccessToken(token_hash=token_hash(token.value), user_id=user_id, created=now, expires=token.expires))
    return token


def user_of(session: Session, token: str) -> AuthenticatedUser | None:
    """The user a live token (known, not expired, not revoked) belongs to, in one statement;
    None for any other token (the caller cannot tell which: neither can a guesser)."""
    live = select(AccessToken.user_id).where(
        AccessToken.token_hash == token_hash(token),
        AccessToken.expires > datetime.now(UTC),
        AccessToken.revoked.is_(None),
    )
    found = user_view(session, User.id.in_(live))
    return found[0] if found else None


def revoke(session: Session, token: str) -> AuthenticatedUser | None:
    """Revokes a token; its user when it was not revoked before, else None (unknown or revoked
    already: logging out twice is not an error). An expired token is revoked all the same."""
    hashed = token_hash(token)
    revoked = session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == hashed, AccessToken.revoked.is_(None))
        .values(revoked=datetime.now(UTC))
        .returning(AccessToken.user_id)
    ).scalar_one_or_none()
    if revoked is None:
        return None
    found = user_view(session, User.id == revoked)
    return found[0] if found else None


def prune(session: Session, now: datetime | None = None) -> int:
    """Deletes the expired tokens (revoked or not: an expired token is refused either way);
    how many."""
    result = session.execute(delete(AccessToken).where(AccessToken.expires <= (now or datetime.now(UTC))))
    return int(getattr(result, "rowcount", 0) or 0)
