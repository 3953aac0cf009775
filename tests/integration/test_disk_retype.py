"""Retype through the engine: ``PUT /api/disks/{id}`` with another ``openstack_volume_type``
makes Cinder retype the volume (the disk ``locked``, then ``ok`` with the new type), checked in
Cinder and in Ceph (the data written into the RBD image before is there after). The new type's
quota is checked first (409 naming the limit); a retype Cinder refuses at once is a 409 with its
reason, one it gives up later puts the disk back as it was; the same type is no change."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rbd

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_cinder_plugin.cinder.volumes import RETYPE_KEY
from tests.ceph import open_pool
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, build_engine, stop_engine
from tests.keystone import project_member
from tests.stack import Stack
from tests.waiting import wait_until_gone

PATTERN = b"ovirt-retype-" + uuid.uuid4().hex.encode()
OFFSET = 5 * 1024**2


@pytest.fixture
def engine(tmp_path: Path, stack: Stack) -> Iterator[Engine]:
    """One engine on SQLite: what is tested here is Cinder's side, the same on either database."""
    built = build_engine(tmp_path, "", poll=True)
    yield built
    stop_engine(built)


@pytest.fixture
def admin(stack: Stack) -> Any:
    return connect(stack.admin_credentials).client


@pytest.fixture
def made_types(admin: Any) -> Iterator[dict[str, str]]:
    """Volume types made for the test (name -> id); deleted afterwards (after the volumes)."""
    made: dict[str, str] = {}
    yield made
    for type_id in made.values():
        admin.volume_types.delete(type_id)


def make_type(admin: Any, made: dict[str, str], **extra_specs: str) -> str:
    name = f"pytest-rt-{uuid.uuid4().hex[:8]}"
    created = admin.volume_types.create(name)
    created.set_keys(extra_specs)
    made[name] = created.id
    return name


def rbd_backend(admin: Any, stack: Stack) -> str:
    """The ``volume_backend_name`` of the stack's rbd type, read from Cinder."""
    rbd_type = next(t for t in admin.volume_types.list() if t.name == stack.volume_type_rbd)
    return str(rbd_type.get_keys()["volume_backend_name"])


def retype(engine: Engine, disk: dict[str, Any], volume_type: str) -> Any:
    return engine.request("PUT", disk["href"], json={"openstack_volume_type": {"name": volume_type}})


def test_retype_on_the_rbd_backend_keeps_the_data(
    engine: Engine, stack: Stack, admin: Any, made_types: dict[str, str]
) -> None:
    twin = make_type(admin, made_types, volume_backend_name=rbd_backend(admin, stack))
    provider = add_provider(engine, stack)
    domain_id = storage_domain_of(engine, provider)
    with volumes_cleaned(stack, [domain_id]):
        added = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd))
        assert added.status_code == 201, added.json
        disk = wait_for_disk(engine, added.json["id"], "ok")
        with open_pool(stack) as ioctx, rbd.Image(ioctx, f"volume-{disk['id']}") as image:
            image.write(PATTERN, OFFSET)

        answer = retype(engine, disk, twin)
        assert answer.status_code == 200, answer.json
        assert answer.json["status"]["state"] == "locked"
        done = wait_for_disk(engine, disk["id"], "ok")
        assert done["openstack_volume_type"] == {"name": twin}
        assert admin.volumes.get(disk["id"]).volume_type == twin
        with open_pool(stack) as ioctx, rbd.Image(ioctx, f"volume-{disk['id']}", read_only=True) as image:
            assert image.read(OFFSET, len(PATTERN)) == PATTERN

        same = retype(engine, done, twin)
        assert same.status_code == 200, same.json
        assert same.json["status"]["state"] == "ok"  # nothing to do: nothing locked, nothing sent

        back = retype(engine, done, stack.volume_type_rbd)
        assert back.status_code == 200, back.json
        assert wait_for_disk(engine, disk["id"], "ok")["openstack_volume_type"] == {"name": stack.volume_type_rbd}
        assert admin.volumes.get(disk["id"]).volume_type == stack.volume_type_rbd


def test_retypes_cinder_refuses_leave_the_disk_as_it_was(
    engine: Engine, stack: Stack, admin: Any, made_types: dict[str, str]
) -> None:
    backend = rbd_backend(admin, stack)
    too_small = make_type(admin, made_types, volume_backend_name=backend, **{"provisioning:max_vol_size": "0"})
    nowhere = make_type(admin, made_types, volume_backend_name=f"nowhere-{uuid.uuid4().hex[:6]}")
    provider = add_provider(engine, stack)
    domain_id = storage_domain_of(engine, provider)
    with volumes_cleaned(stack, [domain_id]):
        added = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_rbd))
        assert added.status_code == 201, added.json
        disk = wait_for_disk(engine, added.json["id"], "ok")

        refused = retype(engine, disk, too_small)  # Cinder's API refuses at once
        assert refused.status_code == 409, refused.json
        assert refused.json["message"].startswith("openstack_volume_type: Cinder refused to retype volume")
        assert "greater than the maximum allowable size" in refused.json["message"]  # Cinder's reason
        unchanged = engine.request("GET", disk["href"]).json
        assert unchanged["status"]["state"] == "ok"
        assert unchanged["openstack_volume_type"] == {"name": stack.volume_type_rbd}
        assert (admin.volumes.get(disk["id"]).volume_type, admin.volumes.get(disk["id"]).status) == (
            stack.volume_type_rbd,
            "available",
        )

        unknown = retype(engine, disk, f"pytest-rt-none-{uuid.uuid4().hex[:6]}")
        assert unknown.status_code == 400, unknown.json
        assert unknown.json["message"].startswith("openstack_volume_type: Cinder has no volume type")

        later = retype(engine, disk, nowhere)  # Cinder's scheduler gives up: no backend takes it
        assert later.status_code == 200, later.json
        assert later.json["status"]["state"] == "locked"
        back = wait_for_disk(engine, disk["id"], "ok")
        assert back["openstack_volume_type"] == {"name": stack.volume_type_rbd}
        assert admin.volumes.get(disk["id"]).volume_type == stack.volume_type_rbd
        jobs = [j for j in engine.request("GET", "/api/jobs").json if j["description"].startswith("Retyping Disk")]
        gave_up = [j for j in jobs if f"no backend took it as {nowhere!r}" in j["status"].get("detail", "")]
        assert [j["status"]["state"] for j in gave_up] == ["failed"], jobs


def test_the_new_types_quota_is_checked_first(
    engine: Engine, stack: Stack, admin: Any, made_types: dict[str, str]
) -> None:
    twin = make_type(admin, made_types, volume_backend_name=rbd_backend(admin, stack))
    with project_member(stack) as credentials:
        member = connect(credentials).client
        project_id = str(member.client.get_project_id())
        admin.quotas.update(project_id, **{f"volumes_{twin}": 0})
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
                added = engine.request("POST", "/api/disks", json=disk_body(domains[0], GiB, stack.volume_type_rbd))
                assert added.status_code == 201, added.json
                disk = wait_for_disk(engine, added.json["id"], "ok")
                refused = retype(engine, disk, twin)
                assert refused.status_code == 409, refused.json
                assert refused.json["message"].startswith(f"volumes_{twin}: the quota of project {project_id}")
                assert "this request adds 1 volume" in refused.json["message"]
                assert engine.request("GET", disk["href"]).json["status"]["state"] == "ok"
                volume = admin.volumes.get(disk["id"])
                assert (volume.volume_type, volume.status) == (stack.volume_type_rbd, "available")
                assert RETYPE_KEY not in (volume.metadata or {})  # nothing was sent
                member.volumes.delete(disk["id"])
                wait_until_gone(member.volumes.get, disk["id"])
        finally:
            admin.quotas.delete(project_id)
