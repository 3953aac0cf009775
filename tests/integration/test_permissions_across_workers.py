"""Permissions in an engine as users run it (``ovirt-engine-host serve``: gunicorn, three
workers), on SQLite and on the stack's PostgreSQL: a permission given takes effect at the next
request whichever worker serves it, and so does one removed; a token issued by one worker is
honoured by all, and revoked for all. Each request opens its own connection, so gunicorn hands
them to its workers in turn."""

from __future__ import annotations

import os
import subprocess
import time
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.engine import postgres_database
from tests.integration.test_engine_serve import CLI, free_port
from tests.stack import Stack

ADMIN = ("admin", "admin-password-for-workers")
BOB = ("bob", "bob-password-for-workers")
REQUESTS = 24


class Engine:
    """A served engine, asked over HTTP with a fresh connection per request."""

    def __init__(self, port: int) -> None:
        self.root = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, auth: tuple[str, str] | str = ADMIN, body: Any = None) -> tuple[int, Any]:
        header = f"Bearer {auth}" if isinstance(auth, str) else "Basic " + b64encode(":".join(auth).encode()).decode()
        answer = requests.request(method, f"{self.root}{path}", json=body, timeout=30,
                                  headers={"Authorization": header, "Connection": "close"})  # fmt: skip
        return answer.status_code, answer.json() if answer.content else None

    def statuses(self, path: str, auth: tuple[str, str] | str) -> set[int]:
        return {self.call("GET", path, auth)[0] for _ in range(REQUESTS)}


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path, stack: Stack) -> Iterator[Engine]:
    with postgres_database(stack.env["OVIRT_STACK_POSTGRES_URL"]) as url:
        environment = {**os.environ, "OVIRT_ENGINE_STATE_DIR": str(tmp_path), "OVIRT_ENGINE_NEW_PASSWORD": ADMIN[1],
                       "OVIRT_ENGINE_DATABASE_URL": url if request.param == "postgresql" else "",
                       "OVIRT_ENGINE_MONITOR_ENABLED": "0"}  # fmt: skip
        subprocess.run([CLI, "db", "upgrade"], env=environment, check=True, capture_output=True)
        subprocess.run([CLI, "create-user", ADMIN[0], "--admin"], env=environment, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([CLI, "serve", "--port", str(port), "--workers", "3"], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            engine = Engine(port)
            deadline = time.monotonic() + 60
            while True:
                try:
                    if engine.call("GET", "/api")[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("ovirt-engine-host serve did not answer")
                time.sleep(0.3)
            yield engine
        finally:
            server.terminate()
            server.wait(timeout=30)


def token_of(engine: Engine, user: tuple[str, str]) -> str:
    form = {"grant_type": "password", "scope": "ovirt-app-api", "username": user[0], "password": user[1]}
    answer = requests.post(f"{engine.root}/ovirt-engine/sso/oauth/token", data=form, timeout=30)
    return str(answer.json()["access_token"])


def test_a_permission_given_and_removed_holds_on_every_worker(served: Engine) -> None:
    assert served.call("POST", "/api/users", body={"user_name": BOB[0], "password": BOB[1]})[0] == 201
    status, data_center = served.call("POST", "/api/datacenters", body={"name": "workers-dc"})
    assert status == 201
    path = f"/api/datacenters/{data_center['id']}"
    token = token_of(served, BOB)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert served.statuses("/api", tampered) == {401}
    assert served.statuses(path, BOB) == {404}
    assert served.statuses(path, token) == {404}
    status, permission = served.call("POST", f"{path}/permissions",
                                     body={"role": {"name": "UserRole"}, "user": {"name": BOB[0]}})  # fmt: skip
    assert status == 201
    assert served.statuses(path, BOB) == {200}
    assert served.statuses(path, token) == {200}
    assert served.call("DELETE", f"{path}/permissions/{permission['id']}")[0] == 204
    assert served.statuses(path, BOB) == {404}
    assert served.statuses(path, token) == {404}
    requests.post(f"{served.root}/ovirt-engine/services/sso-logout", data={"token": token}, timeout=30)
    assert served.statuses("/api", token) == {401}
