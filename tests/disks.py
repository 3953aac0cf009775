"""Disks through the engine's REST API, for the integration tests and the benchmark's checks:
a provider on the stack's Cinder, waiting for disk states, and comparing the engine's rows with
the volumes Cinder holds for the storage domain."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cinderclient import exceptions as cinder_exceptions
from sqlalchemy import select

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_engine_host.db.models import Disk
from ovirt_engine_host.state import engine_state
from tests.engine import Engine
from tests.stack import REPO_ROOT, Stack
from tests.waiting import wait_until_gone

GiB = 1024**3
DOMAIN_KEY = "ovirt_storage_domain"


def add_provider(engine: Engine, stack: Stack, name: str = "cinder1", **changes: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "url": stack.cinder_url,
        "requires_authentication": True,
        "username": stack.env["OS_USERNAME"],
        "password": stack.env["OS_PASSWORD"],
        "tenant_name": stack.env["OS_PROJECT_NAME"],
        "authentication_url": stack.keystone_url,
        "data_center": {"id": engine.data_center_id},
        **changes,
    }
    answer = engine.request("POST", "/api/openstackvolumeproviders", json=body)
    assert answer.status_code == 201, answer.json
    provider: dict[str, Any] = answer.json
    return provider


def storage_domain_of(engine: Engine, provider: dict[str, Any]) -> str:
    domains = engine.request("GET", "/api/storagedomains").json
    return str(next(d["id"] for d in domains if d["name"] == provider["name"]))


def disk_body(
    storage_domain_id: str, size: int = GiB, volume_type: str | None = None, **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "alias": "disk1",
        "provisioned_size": size,
        "storage_domains": {"storage_domain": [{"id": storage_domain_id}]},
        **changes,
    }
    if volume_type:
        body["openstack_volume_type"] = {"name": volume_type}
    return body


def wait_for_disk(engine: Engine, disk_id: str, wanted: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = engine.request("GET", f"/api/disks/{disk_id}")
        assert answer.status_code == 200, answer.json
        disk: dict[str, Any] = answer.json
        if disk["status"]["state"] == wanted:
            return disk
        if time.monotonic() > deadline:
            raise AssertionError(f"disk {disk_id} still {disk['status']} after {timeout}s, not {wanted}")
        time.sleep(0.2)


def wait_for_disk_gone(engine: Engine, disk_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while engine.request("GET", f"/api/disks/{disk_id}").status_code != 404:
        if time.monotonic() > deadline:
            raise AssertionError(f"disk {disk_id} still there after {timeout}s")
        time.sleep(0.2)


def engine_disks(engine: Engine, storage_domain_id: str) -> dict[str, Disk]:
    with engine_state(engine.app).session_factory() as session:
        query = select(Disk).where(Disk.storage_domain_id == storage_domain_id)
        return {disk.id: disk for disk in session.scalars(query)}


def cinder_volumes(cinder: Any, storage_domain_id: str) -> dict[str, Any]:
    """The volumes Cinder holds for the domain (tagged by the plugin), deleted ones excluded."""
    found = cinder.volumes.list(detailed=True, search_opts={"metadata": {DOMAIN_KEY: storage_domain_id}})
    return {v.id: v for v in found if v.status != "deleting"}


def assert_engine_matches_cinder(engine: Engine, cinder: Any, storage_domain_id: str) -> None:
    """Every engine disk is a Cinder volume of its size, and every tagged volume an engine disk."""
    disks = engine_disks(engine, storage_domain_id)
    volumes = cinder_volumes(cinder, storage_domain_id)
    assert set(disks) == set(volumes), (sorted(disks), sorted(volumes))
    for disk_id, disk in disks.items():
        if disk.status == "ok":
            assert volumes[disk_id].size * GiB == disk.provisioned_size
            assert volumes[disk_id].status in {"available", "in-use"}


@contextmanager
def volumes_cleaned(stack: Stack, storage_domain_ids: list[str]) -> Iterator[Any]:
    """An admin Cinder client; afterwards, every volume tagged with these domains is deleted."""
    cinder = connect(stack.admin_credentials).client
    try:
        yield cinder
    finally:
        for storage_domain_id in storage_domain_ids:
            for volume in cinder_volumes(cinder, storage_domain_id).values():
                for attachment in cinder.attachments.list(search_opts={"volume_id": volume.id}):
                    cinder.attachments.delete(attachment.id)
                for snapshot in cinder.volume_snapshots.list(search_opts={"volume_id": volume.id}):
                    cinder.volume_snapshots.delete(snapshot)
                    wait_until_gone(cinder.volume_snapshots.get, snapshot.id)
                try:
                    cinder.volumes.delete(volume)
                    wait_until_gone(cinder.volumes.get, volume.id)
                except (cinder_exceptions.NotFound, AssertionError) as error:
                    print(f"cleanup of volume {volume.id}: {error}")


CINDER_API_LOG = REPO_ROOT / ".stack" / "log" / "cinder" / "cinder-api.log"
_REQUEST_LINE = re.compile(r'"(GET|POST|PUT|DELETE|PATCH) /v3(?:/[0-9a-f]{32})?(/[^? ]*)')
# Cinder's API logs each request twice more: "] METHOD URL" (no query) as it starts, and
# "URL?query returned with HTTP n" as it ends; the local request id (second in the brackets) pairs them
_STARTED_LINE = re.compile(r"\[req-\S+ (req-\S+) [^]]*\] (GET|POST|PUT|DELETE|PATCH) https?://")
_RETURNED_LINE = re.compile(r"\[req-\S+ (req-\S+) [^]]*\] https?://[^/ ]+/v3(?:/[0-9a-f]{32})?(/[^? ]*)(\S*) returned")


@contextmanager
def counting_cinder_requests(
    log: Path = CINDER_API_LOG, mentioning: str | None = None
) -> Iterator[Callable[[], list[str]]]:
    """The requests Cinder's API served meanwhile, read from its access log: ``METHOD /path``
    with the project and the ids left out (``GET /volumes/detail``). ``mentioning``: only the
    requests whose URL (with its query) holds that text, e.g. a storage domain's id that only the
    engine under test filters by (another engine on the stack, the main job's, lists too)."""
    time.sleep(0.2)  # the API writes its access line right after answering: let earlier ones land
    start = log.stat().st_size

    def served() -> list[str]:
        time.sleep(0.2)  # the API writes its access line right after answering
        with log.open("rb") as stream:
            stream.seek(start)
            text = stream.read().decode(errors="replace")
        if mentioning is None:
            return [m.group(1) + " " + _UUID.sub("{id}", m.group(2)) for m in _REQUEST_LINE.finditer(text)]
        methods = {m.group(1): m.group(2) for m in _STARTED_LINE.finditer(text)}
        return [
            f"{methods.get(m.group(1), '?')} {_UUID.sub('{id}', m.group(2))}"
            for m in _RETURNED_LINE.finditer(text)
            if mentioning in m.group(2) + m.group(3)
        ]

    yield served


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
