"""The stack is real: Cinder (through Keystone) provisions RBD images in Ceph.

python-cinderclient on a keystoneauth1 Keystone v3 session creates, snapshots and clones a
volume of the `rbd` type; python rbd, as client.cinder, sees the images appear, the clone's
copy-on-write parent, and everything gone after the deletes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ovirt_cinder_plugin.cinder.connection import connect
from tests.ceph import image_names, image_parent, image_size, open_pool
from tests.stack import Stack
from tests.waiting import wait_for_status, wait_until_gone

GiB = 1024**3


@pytest.fixture
def cinder(stack: Stack) -> Any:
    return connect(stack.admin_credentials).client


@pytest.fixture
def cleanup(cinder: Any) -> Iterator[list[tuple[str, str]]]:
    """Deletes what a test created, newest first, even when the test failed half-way."""
    created: list[tuple[str, str]] = []
    yield created
    for kind, resource_id in reversed(created):
        manager = cinder.volumes if kind == "volume" else cinder.volume_snapshots
        try:
            manager.delete(resource_id)
            wait_until_gone(manager.get, resource_id)
        except Exception as error:  # noqa: BLE001 - cleanup must go on
            print(f"cleanup of {kind} {resource_id} failed: {error}")


def test_rbd_volume_snapshot_and_clone_live_in_ceph(stack: Stack, cinder: Any, cleanup: list[tuple[str, str]]) -> None:
    name = f"pytest-{uuid.uuid4().hex[:8]}"
    volume = cinder.volumes.create(1, name=name, volume_type=stack.volume_type_rbd)
    cleanup.append(("volume", volume.id))
    volume = wait_for_status(cinder.volumes.get, volume.id, "available")
    image = f"volume-{volume.id}"
    with open_pool(stack) as ioctx:
        assert image in image_names(ioctx)
        assert image_size(ioctx, image) == 1 * GiB
        assert image_parent(ioctx, image) is None

    snapshot = cinder.volume_snapshots.create(volume.id, name=f"{name}-snap")
    cleanup.append(("snapshot", snapshot.id))
    wait_for_status(cinder.volume_snapshots.get, snapshot.id, "available")

    clone = cinder.volumes.create(1, name=f"{name}-clone", snapshot_id=snapshot.id)
    cleanup.append(("volume", clone.id))
    wait_for_status(cinder.volumes.get, clone.id, "available")
    clone_image = f"volume-{clone.id}"
    with open_pool(stack) as ioctx:
        assert clone_image in image_names(ioctx)
        # a copy-on-write clone of the RBD snapshot that Cinder's snapshot is
        assert image_parent(ioctx, clone_image) == (stack.ceph_pool, image, f"snapshot-{snapshot.id}")

    cinder.volumes.delete(clone.id)
    wait_until_gone(cinder.volumes.get, clone.id)
    cinder.volume_snapshots.delete(snapshot.id)
    wait_until_gone(cinder.volume_snapshots.get, snapshot.id)
    cinder.volumes.delete(volume.id)
    wait_until_gone(cinder.volumes.get, volume.id)
    cleanup.clear()
    with open_pool(stack) as ioctx:
        left = {n for n in image_names(ioctx) if volume.id in n or clone.id in n}
    assert left == set()


def test_fake_backend_needs_no_storage(stack: Stack, cinder: Any, cleanup: list[tuple[str, str]]) -> None:
    volume = cinder.volumes.create(1, name=f"pytest-{uuid.uuid4().hex[:8]}", volume_type=stack.volume_type_fake)
    cleanup.append(("volume", volume.id))
    volume = wait_for_status(cinder.volumes.get, volume.id, "available")
    assert getattr(volume, "os-vol-host-attr:host").endswith(f"#{stack.volume_type_fake}")
    with open_pool(stack) as ioctx:
        assert f"volume-{volume.id}" not in image_names(ioctx)
