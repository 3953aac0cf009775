"""oVirt's SSO beside HTTP Basic: the token endpoint answers the SDK's form as oVirt does, the
token works as ``Authorization: Bearer`` on the API until it expires or is logged out, only
its hash is stored, and failed logins (token endpoint and HTTP Basic alike) are logged and
audited without the password and slowed per user name (429 after five in a window)."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from ovirt_engine_host.access.logins import logins_of
from ovirt_engine_host.db.models import AccessToken, Event
from ovirt_engine_host.state import engine_state
from tests.engine import ADMIN, Engine, build_engine

TOKEN_PATH = "/ovirt-engine/sso/oauth/token"
LOGOUT_PATH = "/ovirt-engine/services/sso-logout"
WRONG_PASSWORD = "not-the-Password-7391"
JSON = {"Accept": "application/json"}


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:  # SQLite, no service: the fixture `engine` is the stack's
    return build_engine(tmp_path, "")


def log_in(engine: Engine, username: str = "admin@internal", password: str = ADMIN[1], **fields: str) -> Any:
    """The token request as the oVirt SDK sends it: a form, JSON asked for, no credentials."""
    form = {"grant_type": "password", "scope": "ovirt-app-api", "username": username, "password": password, **fields}
    return engine.client.post(TOKEN_PATH, data=form, headers=JSON)


def token_of(engine: Engine) -> str:
    answer = log_in(engine)
    assert answer.status_code == 200, answer.get_json()
    token: str = answer.get_json()["access_token"]
    return token


def api_with(engine: Engine, token: str) -> Any:
    return engine.client.get("/api", headers={"Authorization": f"Bearer {token}", **JSON})


def api_with_basic(engine: Engine, password: str, user: str = ADMIN[0]) -> Any:
    return engine.client.get("/api", auth=(user, password), headers=JSON)


def rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine_state(engine.app).session_factory() as session:
        return [tuple(row) for row in session.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608


def events(engine: Engine, code: int) -> list[Event]:
    with engine_state(engine.app).session_factory() as session:
        return list(session.scalars(select(Event).where(Event.code == code).order_by(Event.id)))


@pytest.mark.parametrize("username", ["admin@internal", "admin"])
def test_the_sdk_form_gets_a_bearer_token_that_opens_the_api(sqlite_engine: Engine, username: str) -> None:
    answer = log_in(sqlite_engine, username)
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert set(body) == {"access_token", "token_type", "exp", "scope"}
    assert body["token_type"] == "bearer"
    assert body["scope"] == "ovirt-app-api"
    assert isinstance(body["exp"], str)  # epoch seconds written as a string, as oVirt sends it
    assert body["exp"].isdigit()
    assert abs(int(body["exp"]) - (time.time() + 10 * 3600)) < 60
    assert api_with(sqlite_engine, body["access_token"]).status_code == 200
    assert [e.description for e in events(sqlite_engine, 30)] == ["User admin logged in"]


def test_a_password_or_a_token_in_a_url_is_refused(sqlite_engine: Engine) -> None:
    """Access logs and proxies keep URLs: a secret travels in the form body only."""
    query = {"grant_type": "password", "scope": "ovirt-app-api", "username": "admin", "password": ADMIN[1]}
    assert sqlite_engine.client.get(TOKEN_PATH, query_string=query, headers=JSON).status_code == 405
    in_query = sqlite_engine.client.post(TOKEN_PATH, query_string=query, headers=JSON)
    assert in_query.get_json()["error"] == "invalid_request"
    with engine_state(sqlite_engine.app).session_factory() as session:
        assert session.scalars(select(AccessToken)).all() == []


def test_http_basic_still_works(sqlite_engine: Engine) -> None:
    assert api_with_basic(sqlite_engine, ADMIN[1]).status_code == 200
    assert sqlite_engine.request("GET", "/api").status_code == 200


def test_a_wrong_password_answers_an_oauth_error_and_issues_no_token(sqlite_engine: Engine) -> None:
    answer = log_in(sqlite_engine, password=WRONG_PASSWORD)
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "invalid_grant", "error_description": "wrong user name or password"}
    assert rows(sqlite_engine, "access_tokens") == []
    assert events(sqlite_engine, 30) == []


@pytest.mark.parametrize(
    ("fields", "error", "named"),
    [
        ({"username": ""}, "invalid_request", "username"),
        ({"password": ""}, "invalid_request", "password"),
        ({"scope": "openid"}, "invalid_request", "scope"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type", "grant_type=password"),
    ],
)
def test_a_malformed_request_answers_an_oauth_error(
    sqlite_engine: Engine, fields: dict[str, str], error: str, named: str
) -> None:
    answer = log_in(sqlite_engine, **fields)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == error
    assert named in answer.get_json()["error_description"]
    assert rows(sqlite_engine, "access_tokens") == []


def test_a_missing_field_is_named(sqlite_engine: Engine) -> None:
    answer = sqlite_engine.client.post(TOKEN_PATH, data={"grant_type": "password", "password": ADMIN[1]}, headers=JSON)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_request"
    assert answer.get_json()["error_description"].startswith("username:")


def test_a_tampered_token_is_refused_without_being_echoed(sqlite_engine: Engine) -> None:
    token = token_of(sqlite_engine)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = api_with(sqlite_engine, tampered)
    assert answer.status_code == 401
    assert "unknown, expired or revoked" in answer.get_json()["message"]
    assert tampered not in answer.get_data(as_text=True)
    xml = sqlite_engine.client.get("/api", headers={"Authorization": f"Bearer {tampered}", "Accept": "application/xml"})
    assert xml.status_code == 401
    assert b"<fault>" in xml.get_data()
    assert api_with(sqlite_engine, token).status_code == 200  # the real one still works


def test_an_expired_token_is_refused_and_pruned_at_the_next_login(sqlite_engine: Engine) -> None:
    token = token_of(sqlite_engine)
    with engine_state(sqlite_engine.app).session_factory() as session:
        session.execute(update(AccessToken).values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        session.commit()
    assert api_with(sqlite_engine, token).status_code == 401
    token_of(sqlite_engine)
    assert len(rows(sqlite_engine, "access_tokens")) == 1  # the expired row is gone


def test_a_token_lives_as_long_as_configured(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", token_seconds=1)
    token = token_of(engine)
    assert api_with(engine, token).status_code == 200
    time.sleep(1.1)
    assert api_with(engine, token).status_code == 401


def test_logout_revokes_the_token_and_is_idempotent(sqlite_engine: Engine) -> None:
    token = token_of(sqlite_engine)
    answer = sqlite_engine.client.post(LOGOUT_PATH, data={"token": token, "scope": "ovirt-app-api"}, headers=JSON)
    assert answer.status_code == 200
    assert answer.get_json() == {}
    assert api_with(sqlite_engine, token).status_code == 401
    again = sqlite_engine.client.post(LOGOUT_PATH, data={"token": token, "scope": "ovirt-app-api"}, headers=JSON)
    assert again.get_json() == {}
    unknown = sqlite_engine.client.post(LOGOUT_PATH, data={"token": "never-issued"}, headers=JSON)
    assert unknown.get_json() == {}
    assert [e.description for e in events(sqlite_engine, 31)] == ["User admin logged out"]
    with engine_state(sqlite_engine.app).session_factory() as session:
        assert [r is not None for r in session.scalars(select(AccessToken.revoked))] == [True]


def test_the_table_holds_only_the_tokens_hash(sqlite_engine: Engine) -> None:
    token = token_of(sqlite_engine)
    with engine_state(sqlite_engine.app).session_factory() as session:
        stored = session.scalars(select(AccessToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert not any(token in str(value) for row in rows(sqlite_engine, "access_tokens") for value in row)
    assert not any(token in str(value) for row in rows(sqlite_engine, "events") for value in row)


def test_five_failures_of_a_name_make_the_sixth_attempt_wait_even_with_the_right_password(
    sqlite_engine: Engine,
) -> None:
    for name in ("admin", "admin@internal", "admin", "admin@internal", "admin"):  # one name, two spellings
        assert log_in(sqlite_engine, name, WRONG_PASSWORD).get_json()["error"] == "invalid_grant"
    refused = log_in(sqlite_engine, "admin", ADMIN[1])
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "access_denied"
    assert "too many failed logins for user admin" in refused.get_json()["error_description"]
    basic = api_with_basic(sqlite_engine, ADMIN[1])
    assert basic.status_code == 429
    assert "too many failed logins" in basic.get_json()["message"]
    assert log_in(sqlite_engine, "nobody", WRONG_PASSWORD).status_code == 401  # another name is not slowed
    assert len(events(sqlite_engine, 114)) == 6  # the refused attempts were not checked, nor counted
    logins_of(sqlite_engine.app).limiter.reset()
    assert log_in(sqlite_engine, "admin", ADMIN[1]).status_code == 200


def test_http_basic_failures_count_and_the_window_passes(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", login_failure_seconds=2)
    started = time.monotonic()
    for _ in range(5):
        assert api_with_basic(engine, WRONG_PASSWORD).status_code == 401
    assert time.monotonic() - started < 2, "the machine is too slow for this window"
    assert api_with_basic(engine, ADMIN[1]).status_code == 429
    assert log_in(engine).status_code == 429
    time.sleep(2.1)
    assert api_with_basic(engine, ADMIN[1]).status_code == 200
    assert log_in(engine).status_code == 200


def test_a_failed_login_is_audited_without_the_password(sqlite_engine: Engine) -> None:
    log_in(sqlite_engine, "admin@internal", WRONG_PASSWORD)
    api_with_basic(sqlite_engine, WRONG_PASSWORD, user="ghost")
    failed = events(sqlite_engine, 114)
    assert [(e.description, e.severity, e.user_name, e.user_id) for e in failed] == [
        ("User admin failed to log in", "warning", "admin", None),
        ("User ghost failed to log in", "warning", "ghost", None),
    ]
    assert not any(WRONG_PASSWORD in str(value) for row in rows(sqlite_engine, "events") for value in row)


def test_the_log_of_a_failed_login_names_the_user_and_address_but_not_the_password(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    log_in(sqlite_engine, "admin", WRONG_PASSWORD)
    api_with_basic(sqlite_engine, WRONG_PASSWORD)
    token = token_of(sqlite_engine)
    api_with(sqlite_engine, token[::-1])
    assert WRONG_PASSWORD not in caplog.text
    assert token not in caplog.text
    assert token[::-1] not in caplog.text
    warnings = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "failed login" in r.getMessage()
    ]
    assert warnings == ["failed login of user 'admin' from 127.0.0.1"] * 2
