"""The Cinder boundary's own behaviour that needs no service."""

from __future__ import annotations

import pytest

from ovirt_cinder_plugin.cinder.connection import CinderCredentials, connect
from ovirt_cinder_plugin.cinder.errors import ServiceUnreachable
from ovirt_cinder_plugin.cinder.probe import credentials_from_environment


def test_password_never_shows_in_repr() -> None:
    credentials = CinderCredentials(auth_url="http://k/v3", username="u", password="s3cret-value")
    assert "s3cret-value" not in repr(credentials)


def test_unreachable_keystone_names_keystone_and_its_url() -> None:
    credentials = CinderCredentials(
        url="http://127.0.0.1:9/v3", auth_url="http://127.0.0.1:9/v3", username="u", password="p", timeout=2
    )
    with pytest.raises(ServiceUnreachable) as raised:
        connect(credentials)
    assert str(raised.value).startswith("cannot reach Keystone at http://127.0.0.1:9/v3")


def test_unreachable_cinder_without_auth_names_cinder() -> None:
    with pytest.raises(ServiceUnreachable) as raised:
        connect(CinderCredentials(url="http://127.0.0.1:9/v3", timeout=2))
    assert str(raised.value).startswith("cannot reach Cinder at http://127.0.0.1:9/v3")


def test_credentials_come_from_the_openstack_variables() -> None:
    credentials = credentials_from_environment(
        {"OS_AUTH_URL": "http://k:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw", "OS_PROJECT_NAME": "admin"}
    )
    assert credentials.requires_authentication
    assert (credentials.auth_url, credentials.username, credentials.project_name) == (
        "http://k:5000/v3",
        "admin",
        "admin",
    )
    assert credentials.user_domain_name == "Default"
