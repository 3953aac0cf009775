"""Quota through the engine's REST API: a provider whose credentials are a plain member of a
throw-away project with low Cinder limits. Adds and extends beyond the limits are refused with
409 naming the limit and the numbers, before anything is sent to Cinder; Cinder's own refusal
(its per-volume limit, which the engine does not check) is answered the same way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_cinder_plugin.cinder.connection import connect
from tests.disks import (
    GiB,
    add_provider,
    assert_engine_matches_cinder,
    cinder_volumes,
    disk_body,
    storage_domain_of,
    volumes_cleaned,
    wait_for_disk,
)
from tests.engine import Engine
from tests.keystone import project_member
from tests.stack import Stack


@pytest.fixture
def member_domain(engine: Engine, stack: Stack) -> Iterator[tuple[str, Any]]:
    """(storage domain of a provider logged in as a project member, that member's Cinder client);
    the project allows 2 volumes and 3 GiB."""
    admin = connect(stack.admin_credentials).client
    with project_member(stack) as credentials:
        member = connect(credentials).client
        project_id = str(member.client.get_project_id())
        admin.quotas.update(project_id, volumes=2, gigabytes=3)
        domains: list[str] = []
        try:
            with volumes_cleaned(stack, domains):
                provider = add_provider(
                    engine,
                    stack,
                    name="member",
                    username=credentials.username,
                    password=credentials.password,
                    tenant_name=credentials.project_name,
                )
                domains.append(storage_domain_of(engine, provider))
                yield domains[0], member
                for volume in cinder_volumes(member, domains[0]).values():
                    member.volumes.delete(volume)
        finally:
            admin.quotas.delete(project_id)


def test_adds_and_extends_beyond_the_quota_are_refused_with_the_numbers(
    engine: Engine, stack: Stack, member_domain: tuple[str, Any]
) -> None:
    storage_domain_id, member = member_domain
    too_big = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, 4 * GiB, stack.volume_type_fake))
    assert too_big.status_code == 409, too_big.json
    assert too_big.json["message"].startswith("gigabytes: the quota of project")
    assert "allows 3 GiB" in too_big.json["message"]
    assert "this request adds 4 GiB" in too_big.json["message"]
    assert cinder_volumes(member, storage_domain_id) == {}

    first = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_fake))
    second = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_fake))
    assert (first.status_code, second.status_code) == (201, 201)
    third = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, GiB, stack.volume_type_fake))
    assert third.status_code == 409, third.json
    assert third.json["message"].startswith("volumes: ")
    assert "2 volumes are in use" in third.json["message"]
    disk = wait_for_disk(engine, first.json["id"], "ok")
    wait_for_disk(engine, second.json["id"], "ok")

    extend = engine.request("PUT", disk["href"], json={"provisioned_size": 3 * GiB})  # 2 + 2 > 3 GiB
    assert extend.status_code == 409, extend.json
    assert extend.json["message"].startswith("gigabytes: ")
    assert engine.request("GET", disk["href"]).json["status"]["state"] == "ok"
    assert_engine_matches_cinder(engine, member, storage_domain_id)


def test_cinders_own_quota_refusal_is_a_409_with_its_message(
    engine: Engine, stack: Stack, member_domain: tuple[str, Any]
) -> None:
    storage_domain_id, member = member_domain
    admin = connect(stack.admin_credentials).client
    admin.quotas.update(str(member.client.get_project_id()), per_volume_gigabytes=1)
    refused = engine.request("POST", "/api/disks", json=disk_body(storage_domain_id, 2 * GiB, stack.volume_type_fake))
    assert refused.status_code == 409, refused.json
    assert "VolumeSizeExceedsLimit" in refused.json["message"]
    assert cinder_volumes(member, storage_domain_id) == {}
    assert engine.request("GET", "/api/disks").json == []
