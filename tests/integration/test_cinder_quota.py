"""Quota against the real Cinder, in a throw-away project whose user is a plain member.

The admin sets the project's quota low; the member's own connection checks it, creates and polls
volumes (the metadata filter of the batched poll must work without admin rights), and meets
Cinder's own quota refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_cinder_plugin.cinder.connection import CinderConnection, connect
from ovirt_cinder_plugin.cinder.errors import QuotaExceeded
from ovirt_cinder_plugin.cinder.quota import check_quota
from ovirt_cinder_plugin.cinder.volumes import GIB, create_volume, extend_volume, operation_states
from tests.keystone import project_member
from tests.stack import Stack
from tests.waiting import wait_until_gone, wait_until_settled


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Any:
    return connect(stack.admin_credentials).client


@pytest.fixture(scope="module")
def member(stack: Stack, admin: Any) -> Iterator[CinderConnection]:
    """A connection as the member of a new project; its volumes and quotas go with it."""
    with project_member(stack) as credentials:
        connection = connect(credentials)
        try:
            yield connection
        finally:
            delete_all_volumes(connection)
            admin.quotas.delete(project_id(connection))


@pytest.fixture
def quota(stack: Stack, admin: Any, member: CinderConnection) -> Iterator[str]:
    """Low limits for the member's project: 2 volumes, 3 GiB, 2 GiB of the fake type; reset after."""
    project = project_id(member)
    admin.quotas.update(project, volumes=2, gigabytes=3, **{f"gigabytes_{stack.volume_type_fake}": 2})
    yield project
    delete_all_volumes(member)
    admin.quotas.delete(project)


def project_id(connection: CinderConnection) -> str:
    return str(connection.client.client.get_project_id())


def delete_all_volumes(connection: CinderConnection) -> None:
    cinder = connection.client
    volumes = cinder.volumes.list()
    for volume in volumes:
        cinder.volumes.delete(volume.id)
    for volume in volumes:
        wait_until_gone(cinder.volumes.get, volume.id)


def check(member: CinderConnection, volume_type: str | None, size_gib: int, count: int = 1) -> dict[str, Any]:
    return check_quota(member, operation="create", size_gib=size_gib, count=count, volume_type=volume_type)


def create(member: CinderConnection, domain: str, volume_type: str, size_gib: int) -> dict[str, str]:
    request_id = str(uuid.uuid4())
    volume_id = create_volume(
        member,
        request_id=request_id,
        storage_domain_id=domain,
        name=f"pytest-{request_id[:8]}",
        description="tests/integration/test_cinder_quota.py",
        size_gib=size_gib,
        volume_type=volume_type,
    )
    return {"backend_id": volume_id, "kind": "create_disk", "request_id": request_id}


def test_a_request_within_the_quota_is_allowed(stack: Stack, member: CinderConnection, quota: str) -> None:
    assert check(member, stack.volume_type_fake, 1, count=2) == {
        "allowed": True,
        "limit": None,
        "message": None,
        "in_use": None,
        "requested": None,
        "maximum": None,
    }


def test_too_many_gigabytes_are_refused_with_the_numbers(stack: Stack, member: CinderConnection, quota: str) -> None:
    assert check(member, stack.volume_type_rbd, 4) == {
        "allowed": False,
        "limit": "gigabytes",
        "message": f"gigabytes: the quota of project {quota} allows 3 GiB; "
        "0 GiB are in use and this request adds 4 GiB",
        "in_use": 0,
        "requested": 4,
        "maximum": 3,
    }


def test_too_many_volumes_are_refused(stack: Stack, member: CinderConnection, quota: str) -> None:
    refusal = check(member, stack.volume_type_rbd, 1, count=3)
    assert (refusal["allowed"], refusal["limit"], refusal["in_use"], refusal["requested"]) == (False, "volumes", 0, 3)
    assert refusal["message"].startswith(f"volumes: the quota of project {quota} allows 2 volumes;")


def test_the_volume_types_own_quota_is_checked(stack: Stack, member: CinderConnection, quota: str) -> None:
    fake = stack.volume_type_fake
    refusal = check(member, fake, 3)  # within gigabytes (3), above gigabytes_fake (2)
    assert (refusal["limit"], refusal["maximum"]) == (f"gigabytes_{fake}", 2)
    assert refusal["message"] == (
        f"gigabytes_{fake}: the quota of project {quota} allows 2 GiB of volume type {fake!r}; "
        "0 GiB are in use and this request adds 3 GiB"
    )
    assert check(member, stack.volume_type_rbd, 3)["allowed"]  # the rbd type has no limit of its own


def test_a_member_creates_and_polls_and_usage_counts(stack: Stack, member: CinderConnection, quota: str) -> None:
    domain = str(uuid.uuid4())
    handle = create(member, domain, stack.volume_type_fake, 1)
    (state,) = wait_until_settled(member, domain, [handle])
    assert (state["state"], state["actual_size"]) == ("done", GIB)
    again = create_volume(
        member,
        request_id=handle["request_id"],
        storage_domain_id=domain,
        name="retried",
        description="",
        size_gib=1,
        volume_type=stack.volume_type_fake,
    )
    assert again == handle["backend_id"]
    assert len(member.client.volumes.list()) == 1

    refusal = check(member, stack.volume_type_fake, 2)
    assert (refusal["limit"], refusal["in_use"], refusal["requested"]) == (f"gigabytes_{stack.volume_type_fake}", 1, 2)
    refusal = check(member, None, 1, count=2)
    assert (refusal["limit"], refusal["in_use"]) == ("volumes", 1)

    # Cinder enforces gigabytes itself too, on an extend beyond the quota
    with pytest.raises(QuotaExceeded) as raised:
        extend_volume(member, handle["backend_id"], 4)
    assert raised.value.status == 409
    assert "gigabytes" in str(raised.value)
    (state,) = operation_states(member, domain, [handle])
    assert state["backend_status"] == "available"


def test_cinders_own_refusal_is_quota_exceeded(stack: Stack, admin: Any, member: CinderConnection, quota: str) -> None:
    admin.quotas.update(quota, per_volume_gigabytes=1)
    with pytest.raises(QuotaExceeded) as raised:
        create(member, str(uuid.uuid4()), stack.volume_type_fake, 2)
    assert raised.value.status == 409
    assert not raised.value.transient
    assert "Requested volume size 2G is larger than maximum allowed limit 1G" in str(raised.value)
    assert member.client.volumes.list() == []
