"""Throw-away Keystone projects and users, made with the stack admin's session (plain REST)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ovirt_cinder_plugin.cinder.connection import CinderCredentials, keystone_session
from tests.stack import Stack


@contextmanager
def project_member(stack: Stack, role: str = "member") -> Iterator[CinderCredentials]:
    """A new project and a new user with ``role`` on it (not admin); both deleted afterwards.

    Yields the user's credentials for the stack's Cinder. Whatever the project still owns in
    Cinder must be deleted before leaving: Keystone does not tell Cinder about the deletion.
    """
    admin = keystone_session(stack.admin_credentials)
    keystone = stack.keystone_url.rstrip("/")
    suffix = uuid.uuid4().hex[:8]
    password = secrets.token_urlsafe(16)
    project = _post(admin, f"{keystone}/projects", {"project": {"name": f"pytest-{suffix}", "domain_id": "default"}})
    try:
        user = _post(
            admin,
            f"{keystone}/users",
            {"user": {"name": f"pytest-{suffix}", "password": password, "domain_id": "default"}},
        )
        try:
            roles = admin.get(f"{keystone}/roles", params={"name": role}).json()["roles"]
            admin.put(f"{keystone}/projects/{project['id']}/users/{user['id']}/roles/{roles[0]['id']}")
            yield CinderCredentials(
                url=stack.cinder_url,
                auth_url=stack.keystone_url,
                username=user["name"],
                password=password,
                project_name=project["name"],
            )
        finally:
            admin.delete(f"{keystone}/users/{user['id']}")
    finally:
        admin.delete(f"{keystone}/projects/{project['id']}")


def _post(session: Any, url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = session.post(url, json=body).json()
    (created,) = answer.values()
    return dict(created)
