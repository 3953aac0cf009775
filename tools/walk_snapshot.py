"""The main job's walk through a VM snapshot, checked on the data: a pattern written into the
disk's RBD image (python rbd, as client.cinder), a snapshot, another pattern, a preview (the old
pattern read from the preview volume, an RBD child of the Cinder snapshot), an undo (the new
pattern again, the preview volume gone), a second preview and its commit (the disk keeps the
preview volume for good; the volume it ran on before and its snapshot stay in Ceph, hidden, for
they are its RBD parent), and the clean-up: the snapshot, the VM, then the disk, after which none
of the RBD images and snapshots the walk made is left. The Ceph objects are listed at each step.
Run by ``tools/main-job`` with the engine up.

    .venv/bin/python tools/walk_snapshot.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import rados
import rbd
from walk_disks import PASSWORD_FILE, Walk, add_rbd_disk, rbd_image

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_cinder_plugin.cinder.probe import credentials_from_environment


@contextmanager
def opened(volume_id: str, read_only: bool) -> Iterator[Any]:
    """The volume's RBD image, opened as client.cinder with the stack's keyring."""
    cluster = rados.Rados(
        conffile=os.environ["CEPH_CONF"], rados_id=os.environ["OVIRT_STACK_CEPH_USER"],
        conf={"keyring": os.environ["OVIRT_STACK_CEPH_KEYRING"]},
    )  # fmt: skip
    cluster.connect(timeout=10)
    try:
        with (
            cluster.open_ioctx(os.environ["OVIRT_STACK_CEPH_POOL"]) as ioctx,
            rbd.Image(ioctx, f"volume-{volume_id}", read_only=read_only) as image,
        ):
            yield image
    finally:
        cluster.shutdown()


def image_io(volume_id: str, data: bytes | None = None) -> bytes:
    """Write ``data`` at the image's start, or read its first 32 bytes."""
    with opened(volume_id, read_only=data is None) as image:
        if data is not None:
            image.write(data.ljust(32, b"."), 0)
            return data
        return bytes(image.read(0, 32))


def ceph_objects(volume_ids: list[str]) -> list[str]:
    """Which of these volumes' RBD images exist, each with its RBD snapshots."""
    cluster = rados.Rados(
        conffile=os.environ["CEPH_CONF"], rados_id=os.environ["OVIRT_STACK_CEPH_USER"],
        conf={"keyring": os.environ["OVIRT_STACK_CEPH_KEYRING"]},
    )  # fmt: skip
    cluster.connect(timeout=10)
    try:
        with cluster.open_ioctx(os.environ["OVIRT_STACK_CEPH_POOL"]) as ioctx:
            present = set(rbd.RBD().list(ioctx))
            found = []
            for volume_id in dict.fromkeys(volume_ids):
                name = f"volume-{volume_id}"
                if name in present:
                    try:
                        with rbd.Image(ioctx, name, read_only=True) as image:
                            snaps = [snap["name"] for snap in image.list_snaps()]
                    except rbd.ImageNotFound:  # deleted since the listing: gone
                        continue
                    found.append(name + "".join(f" @{snap}" for snap in snaps))
            return found
    finally:
        cluster.shutdown()


def show_ceph(step: str, volume_ids: list[str]) -> None:
    print(f"  Ceph after {step}: " + ("; ".join(ceph_objects(volume_ids)) or "nothing"))


def cinder_objects(cinder: Any, domain_id: str, volume_ids: list[str]) -> list[str]:
    """The walk's Cinder volumes (each with the snapshot it was made from) and the snapshots of
    them, from one volume list and one snapshot list of the domain, with their states."""
    search = {"metadata": {"ovirt_storage_domain": domain_id}}
    known = set(volume_ids)
    volumes = [v for v in cinder.volumes.list(detailed=True, search_opts=search) if v.id in known]
    snapshots = [s for s in cinder.volume_snapshots.list(search_opts=search) if s.volume_id in known]
    found = [
        f"volume {v.id[:8]} {v.status}" + (f" from snapshot {v.snapshot_id[:8]}" if v.snapshot_id else "")
        for v in sorted(volumes, key=lambda v: v.created_at)
    ]
    found += [f"snapshot {s.id[:8]} {s.status} of volume {s.volume_id[:8]}" for s in snapshots]
    return found


def show_cinder(step: str, cinder: Any, domain_id: str, volume_ids: list[str]) -> None:
    print(f"  Cinder after {step}: " + ("; ".join(cinder_objects(cinder, domain_id, volume_ids)) or "nothing"))


def expect(volume_id: str, wanted: bytes, step: str) -> None:
    """The volume's image reads ``wanted`` (the walk stops, failed, where it does not)."""
    read = image_io(volume_id).rstrip(b".")
    if read != wanted:
        sys.exit(f"after {step} volume {volume_id} reads {read!r}, not {wanted!r}")


def parent_of(volume_id: str) -> str:
    """The RBD parent (pool/image@snapshot) of the volume's image, as ``rbd info`` names it."""
    with opened(volume_id, read_only=True) as image:
        try:
            spec = image.get_parent_image_spec()
        except rbd.ImageNotFound:
            return "none"
        return f"{spec['pool_name']}/{spec['image_name']}@{spec['snap_name']}"


def wait_ok(walk: Walk, vm_id: str, snapshot_id: str) -> dict[str, Any]:
    began = time.monotonic()
    while time.monotonic() - began < 120:
        snapshot: dict[str, Any] = walk.call("GET", f"/vms/{vm_id}/snapshots/{snapshot_id}", 200).json()
        vm = walk.call("GET", f"/vms/{vm_id}", 200).json()
        if snapshot["snapshot_status"] == "ok" and vm["status"]["state"] != "image_locked":
            print(f"  snapshot ok after {time.monotonic() - began:.2f} s (the VM was image_locked meanwhile)")
            return snapshot
        time.sleep(0.2)
    sys.exit("the snapshot is not ok after 120 s")


def active_volume(walk: Walk, disk_id: str) -> str:
    return str(walk.call("GET", f"/disks/{disk_id}", 200).json()["image_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    cinder = connect(credentials_from_environment(dict(os.environ))).client
    domain = next(d for d in walk.call("GET", "/storagedomains", 200).json() if d["name"] == "stack-cinder")
    disk = add_rbd_disk(walk, "main-job-snapshot")
    vm = walk.call("POST", "/vms", 201, json={"name": f"main-job-snap-{int(time.time())}",
                                              "cluster": {"name": "Default"}}).json()  # fmt: skip
    volumes = [disk["id"]]
    try:
        walk.call("POST", f"/vms/{vm['id']}/disks", 201, json={"id": disk["id"]})
        print(f"  wrote {image_io(disk['id'], b'pattern one')!r} into volume-{disk['id']}")
        taken = walk.call("POST", f"/vms/{vm['id']}/snapshots", 201, json={"description": "before two"}).json()
        snapshot = wait_ok(walk, vm["id"], taken["id"])
        show_cinder("the snapshot", cinder, domain["id"], volumes)
        print(f"  wrote {image_io(disk['id'], b'pattern two')!r} over it")

        walk.call("POST", f"/vms/{vm['id']}/preview_snapshot", 200, json={"snapshot": {"id": snapshot["id"]}})
        preview = active_volume(walk, disk["id"])
        print(f"\n$ POST /api/vms/{vm['id']}/preview_snapshot: the disk runs on volume {preview}")
        print(f"  it reads {image_io(preview).rstrip(b'.')!r}; its RBD parent: {parent_of(preview)}")
        expect(preview, b"pattern one", "the preview")
        print(rbd_image(preview))
        volumes = [disk["id"], preview]
        show_cinder("the preview", cinder, domain["id"], volumes)
        walk.call("POST", f"/vms/{vm['id']}/undo_snapshot", 200, json={})
        print(f"$ POST /api/vms/{vm['id']}/undo_snapshot: back on {active_volume(walk, disk['id'])}, "
              f"reading {image_io(disk['id']).rstrip(b'.')!r}")  # fmt: skip
        expect(disk["id"], b"pattern two", "the undo")
        show_ceph("the undo", volumes)
        show_cinder("the undo", cinder, domain["id"], volumes)

        walk.call("POST", f"/vms/{vm['id']}/preview_snapshot", 200, json={"snapshot": {"id": snapshot["id"]}})
        walk.call("POST", f"/vms/{vm['id']}/commit_snapshot", 200, json={})
        committed = active_volume(walk, disk["id"])
        volumes.append(committed)
        print(f"$ POST /api/vms/{vm['id']}/commit_snapshot: the disk runs on {committed} for good, reading "
              f"{image_io(committed).rstrip(b'.')!r}; its RBD parent: {parent_of(committed)}")  # fmt: skip
        expect(committed, b"pattern one", "the commit")
        show_ceph("the commit", volumes)
        show_cinder("the commit", cinder, domain["id"], volumes)
        walk.call("DELETE", f"/vms/{vm['id']}/snapshots/{snapshot['id']}", 204)
        print("  snapshot removed from the VM (Cinder keeps it, hidden, while the committed volume is its child)")
        show_ceph("the snapshot's removal", volumes)
        show_cinder("the snapshot's removal", cinder, domain["id"], volumes)
    finally:
        walk.call("DELETE", f"/vms/{vm['id']}", 204)
        walk.call("GET", f"/disks/{disk['id']}", 404)
        print("  VM removed, and its disk with it: its volumes and snapshots, children first")
    left = ceph_objects(volumes)
    show_ceph("the disk's removal", volumes)
    if left:
        sys.exit(f"the disk's removal left RBD objects behind: {left}")
    left_in_cinder = cinder_objects(cinder, domain["id"], volumes)
    show_cinder("the disk's removal", cinder, domain["id"], volumes)
    if left_in_cinder:
        sys.exit(f"the disk's removal left Cinder objects behind: {left_in_cinder}")
    sys.exit(0)


if __name__ == "__main__":
    main()
