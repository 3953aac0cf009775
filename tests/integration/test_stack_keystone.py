"""Keystone really authenticates: the plugin's Cinder boundary reports refusals clearly."""

from __future__ import annotations

import dataclasses

import pytest

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_cinder_plugin.cinder.errors import AuthenticationFailed, ServiceUnreachable
from tests.stack import Stack


def test_admin_credentials_negotiate_a_v3_microversion(stack: Stack) -> None:
    connection = connect(stack.admin_credentials)
    assert connection.server_max_version.startswith("3.")
    assert connection.microversion == "3.71"
    assert {t.name for t in connection.client.volume_types.list()} >= {stack.volume_type_rbd, stack.volume_type_fake}


def test_wrong_keystone_password_is_an_authentication_error(stack: Stack) -> None:
    wrong = dataclasses.replace(stack.admin_credentials, password="not-the-password")
    with pytest.raises(AuthenticationFailed) as raised:
        connect(wrong)
    message = str(raised.value)
    assert message.startswith("authentication failed")
    assert stack.keystone_url in message
    assert "not-the-password" not in message


def test_unreachable_cinder_is_named_with_its_url(stack: Stack) -> None:
    nowhere = dataclasses.replace(stack.admin_credentials, url="http://127.0.0.1:9/v3")
    with pytest.raises(ServiceUnreachable) as raised:
        connect(nowhere)
    assert "Cinder at http://127.0.0.1:9/v3" in str(raised.value)
