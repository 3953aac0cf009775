"""The Cinder boundary for disks against the real Cinder: volumes on Ceph, polls, refusals.

Each test works in a storage domain of its own (a fresh id in the volumes' metadata), so the
batched poll sees only that test's volumes even when other tests share the project.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.connection import CinderConnection, connect
from ovirt_cinder_plugin.cinder.errors import VolumeInUse, VolumeTypeUnknown
from ovirt_cinder_plugin.cinder.volumes import (
    DOMAIN_KEY,
    GIB,
    REQUEST_ID_KEY,
    create_volume,
    delete_volume,
    extend_volume,
    operation_states,
)
from tests.ceph import image_names, image_size, open_pool
from tests.stack import Stack
from tests.waiting import wait_for_status, wait_until_gone, wait_until_settled


@pytest.fixture
def connection(stack: Stack) -> CinderConnection:
    return connect(stack.admin_credentials)


@pytest.fixture
def domain() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def cleanup(connection: CinderConnection) -> Iterator[list[tuple[str, str]]]:
    """Deletes what a test created (snapshots, volumes, volume types), even when it failed half-way."""
    created: list[tuple[str, str]] = []
    yield created
    delete_everything(connection.client, created)


def delete_everything(cinder: Any, created: list[tuple[str, str]]) -> None:
    """Snapshots, then volumes, then volume types; each kind deleted at once, then waited for."""
    managers = {"snapshot": cinder.volume_snapshots, "volume": cinder.volumes, "type": cinder.volume_types}
    for kind, manager in managers.items():
        started = []
        for resource_id in dict.fromkeys(r for k, r in created if k == kind):
            try:
                manager.delete(resource_id)
                started.append(resource_id)
            except cinder_exceptions.NotFound:
                pass
            except Exception as error:  # noqa: BLE001 - cleanup must go on
                print(f"cleanup of {kind} {resource_id} failed: {error}")
        for resource_id in started if kind != "type" else []:
            try:
                wait_until_gone(manager.get, resource_id)
            except AssertionError as error:
                print(f"cleanup of {kind} {resource_id} failed: {error}")


def create(
    connection: CinderConnection,
    cleanup: list[tuple[str, str]],
    domain: str,
    volume_type: str | None,
    size_gib: int = 1,
    request_id: str | None = None,
) -> tuple[str, dict[str, str]]:
    """create_volume, remembered for cleanup; returns the volume id and its poll handle."""
    request_id = request_id or str(uuid.uuid4())
    volume_id = create_volume(
        connection,
        request_id=request_id,
        storage_domain_id=domain,
        name=f"pytest-{request_id[:8]}",
        description="tests/integration/test_cinder_volumes.py",
        size_gib=size_gib,
        volume_type=volume_type,
    )
    cleanup.append(("volume", volume_id))
    return volume_id, {"backend_id": volume_id, "kind": "create_disk", "request_id": request_id}


def test_rbd_volume_lifecycle(stack: Stack, connection: CinderConnection, domain: str, cleanup: list[Any]) -> None:
    request_id = str(uuid.uuid4())
    volume_id, created = create(connection, cleanup, domain, stack.volume_type_rbd, request_id=request_id)
    (state,) = wait_until_settled(connection, domain, [created])
    assert state == {
        "backend_id": volume_id,
        "state": "done",
        "reason": None,
        "actual_size": GIB,
        "backend_status": "available",
    }
    image = f"volume-{volume_id}"
    with open_pool(stack) as ioctx:
        assert image in image_names(ioctx)
        assert image_size(ioctx, image) == GIB

    # a retried create (same request id) finds the first volume: still one volume for the request
    again, _ = create(connection, cleanup, domain, stack.volume_type_rbd, request_id=request_id)
    assert again == volume_id
    tagged = connection.client.volumes.list(search_opts={"metadata": {REQUEST_ID_KEY: request_id}})
    assert [v.id for v in tagged] == [volume_id]
    assert tagged[0].metadata == {REQUEST_ID_KEY: request_id, DOMAIN_KEY: domain}

    extended = {"backend_id": volume_id, "kind": "extend_disk", "request_id": str(uuid.uuid4())}
    extend_volume(connection, volume_id, 3)
    extend_volume(connection, volume_id, 3)  # Cinder would refuse this one: it must not be sent
    (state,) = wait_until_settled(connection, domain, [extended])
    assert (state["state"], state["actual_size"]) == ("done", 3 * GIB)
    with open_pool(stack) as ioctx:
        assert image_size(ioctx, image) == 3 * GIB
    extend_volume(connection, volume_id, 2)  # smaller than the volume: nothing to do

    deleted = {"backend_id": volume_id, "kind": "delete_disk", "request_id": str(uuid.uuid4())}
    delete_volume(connection, volume_id)
    delete_volume(connection, volume_id)  # Cinder answers 400 while it deletes, or 404 when done
    (state,) = wait_until_settled(connection, domain, [deleted])
    assert state == {
        "backend_id": volume_id,
        "state": "gone",
        "reason": f"Cinder has no volume {volume_id}",
        "actual_size": None,
        "backend_status": None,
    }
    delete_volume(connection, volume_id)
    with open_pool(stack) as ioctx:
        assert image not in image_names(ioctx)


def test_a_volume_with_a_snapshot_is_in_use(
    stack: Stack, connection: CinderConnection, domain: str, cleanup: list[Any]
) -> None:
    volume_id, created = create(connection, cleanup, domain, stack.volume_type_fake)
    wait_until_settled(connection, domain, [created])
    snapshot = connection.client.volume_snapshots.create(volume_id, name="pytest-snapshot")
    cleanup.append(("snapshot", snapshot.id))
    wait_for_status(connection.client.volume_snapshots.get, snapshot.id, "available")

    with pytest.raises(VolumeInUse) as raised:
        delete_volume(connection, volume_id)
    assert raised.value.status == 409
    message = str(raised.value)
    assert message.startswith(f"Cinder refused to delete volume {volume_id}: Invalid volume: ")
    assert "have snapshots" in message  # Cinder's own words
    (state,) = operation_states(connection, domain, [created])
    assert state["state"] == "done"  # the refused delete left the volume as it was


def test_a_type_no_backend_can_place_fails_with_cinders_reason(
    connection: CinderConnection, domain: str, cleanup: list[Any]
) -> None:
    nowhere = connection.client.volume_types.create(f"pytest-nowhere-{uuid.uuid4().hex[:8]}")
    cleanup.append(("type", nowhere.id))
    nowhere.set_keys({"volume_backend_name": "nowhere"})

    _, created = create(connection, cleanup, domain, nowhere.name)
    (state,) = wait_until_settled(connection, domain, [created])
    assert state["state"] == "failed"
    assert state["backend_status"] == "error"
    assert state["reason"] == "schedule allocate volume:Could not find any available weighted backend."
    assert state["actual_size"] is None


def test_an_unknown_volume_type_is_refused(connection: CinderConnection, domain: str, cleanup: list[Any]) -> None:
    with pytest.raises(VolumeTypeUnknown) as raised:
        create(connection, cleanup, domain, "no-such-type")
    assert raised.value.status == 400
    assert str(raised.value) == "openstack_volume_type: Cinder has no volume type 'no-such-type'"
    assert cleanup == []


def test_twenty_volumes_are_polled_with_one_request(
    stack: Stack, connection: CinderConnection, domain: str, cleanup: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    handles = [create(connection, cleanup, domain, stack.volume_type_fake)[1] for _ in range(20)]
    handles.reverse()
    gone = {"backend_id": str(uuid.uuid4()), "kind": "delete_disk", "request_id": "deleted-before"}
    wait_until_settled(connection, domain, handles)

    session = connection.client.client.session
    requests: list[tuple[str, str]] = []
    send = session.request

    def counting(url: str, method: str, **kwargs: Any) -> Any:
        requests.append((method, url))
        return send(url, method, **kwargs)

    monkeypatch.setattr(session, "request", counting)
    states = operation_states(connection, domain, [*handles, gone])
    monkeypatch.undo()

    assert len(requests) == 1, requests
    method, url = requests[0]
    assert method == "GET"
    assert "/volumes/detail?" in url
    assert [s["backend_id"] for s in states] == [h["backend_id"] for h in [*handles, gone]]
    assert [s["state"] for s in states] == ["done"] * 20 + ["gone"]
    assert {s["actual_size"] for s in states[:20]} == {GIB}
