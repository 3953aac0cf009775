"""VM snapshot benchmark on the running stack: a snapshot of a VM with N ``rbd`` disks through the
engine's REST API until the snapshot is ``ok`` (and the VM no longer image_locked), against the
same Cinder snapshot calls made directly with python-cinderclient (one ``force`` snapshot per
volume, then a snapshot list until all are ``available``), in the same process, on volumes of the
same backend. Printed: both times and the ratio engine/direct, median and worst of the runs.

Then what keeping a commit's parents hidden costs against flattening them away: ``--written``
MiB are written into each disk, snapshotted, overwritten, previewed and committed through the
engine (the time of the commit request, its collection included); the bytes the hidden parents
hold in Ceph; and the time ``rbd flatten`` takes on each committed image (what a flatten would
add to every commit before its parents could go), measured directly with python ``rbd``.

    .venv/bin/python -m benchmarks.snapshot [--disks 4] [--repeat 3] [--written 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import rbd

from ovirt_cinder_plugin.cinder.connection import connect
from tests.ceph import open_pool
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, build_engine, stop_engine
from tests.stack import Stack, bring_up


def direct(cinder: Any, volume_ids: list[str]) -> float:
    began = time.monotonic()
    made = [cinder.volume_snapshots.create(v, force=True, name="bench").id for v in volume_ids]
    while True:
        states = {s.id: s.status for s in cinder.volume_snapshots.list() if s.id in made}
        if len(states) == len(made) and set(states.values()) == {"available"}:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    for snapshot_id in made:
        cinder.volume_snapshots.delete(snapshot_id)
    while any(s.id in made for s in cinder.volume_snapshots.list()):
        time.sleep(0.1)
    return elapsed


def through_engine(engine: Engine, vm_id: str) -> float:
    began = time.monotonic()
    taken = engine.request("POST", f"/api/vms/{vm_id}/snapshots", json={"description": "bench"})
    if taken.status_code != 201:
        raise SystemExit(f"taking the snapshot answered {taken.status_code}: {taken.json}")
    while True:
        snapshot = engine.request("GET", f"/api/vms/{vm_id}/snapshots/{taken.json['id']}").json
        vm = engine.request("GET", f"/api/vms/{vm_id}").json
        if snapshot["snapshot_status"] == "ok" and vm["status"]["state"] != "image_locked":
            break
        if snapshot["snapshot_status"] != "locked":
            raise SystemExit(f"the snapshot went {snapshot['snapshot_status']}")
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    removed = engine.request("DELETE", f"/api/vms/{vm_id}/snapshots/{taken.json['id']}")
    if removed.status_code != 204:
        raise SystemExit(f"removing the snapshot answered {removed.status_code}: {removed.json}")
    return elapsed


MiB = 1024**2


def allocated(image: Any) -> int:
    """The bytes an RBD image holds itself (not its parent's)."""
    extents: list[int] = []
    image.diff_iterate(0, image.size(), None, lambda _offset, length, exists: extents.append(length if exists else 0))
    return sum(extents)


def commit_cost(
    engine: Engine, stack: Stack, vm_id: str, disk_ids: list[str], written: int
) -> tuple[float, int, float]:
    """(the commit request's time, the bytes its hidden parents hold, the flatten time of all
    the committed images) for ``written`` MiB in each disk."""

    def active() -> list[str]:
        return [engine.request("GET", f"/api/disks/{d}").json["image_id"] for d in disk_ids]

    chunk = b"\x5a" * MiB
    with open_pool(stack) as ioctx:
        for volume in active():
            with rbd.Image(ioctx, f"volume-{volume}") as image:
                for offset in range(written):
                    image.write(chunk, offset * MiB)
    taken = engine.request("POST", f"/api/vms/{vm_id}/snapshots", json={"description": "commit-bench"}).json
    while engine.request("GET", f"/api/vms/{vm_id}").json["status"]["state"] == "image_locked":
        time.sleep(0.05)
    parents = active()
    previewed = engine.request("POST", f"/api/vms/{vm_id}/preview_snapshot", json={"snapshot": {"id": taken["id"]}})
    if previewed.status_code != 200:
        raise SystemExit(f"the preview answered {previewed.status_code}: {previewed.json}")
    began = time.monotonic()
    committed = engine.request("POST", f"/api/vms/{vm_id}/commit_snapshot", json={})
    commit_time = time.monotonic() - began
    if committed.status_code != 200:
        raise SystemExit(f"the commit answered {committed.status_code}: {committed.json}")
    with open_pool(stack) as ioctx:
        held = 0
        for volume in parents:
            with rbd.Image(ioctx, f"volume-{volume}", read_only=True) as image:
                held += allocated(image)
        began = time.monotonic()
        for volume in active():
            with rbd.Image(ioctx, f"volume-{volume}") as image:
                image.flatten()
        flatten_time = time.monotonic() - began
    return commit_time, held, flatten_time


def run(stack: Stack, disks: int, repeat: int, written: int) -> None:
    with tempfile.TemporaryDirectory() as state_dir:
        engine = build_engine(Path(state_dir), "", poll=True)
        domains: list[str] = []
        try:
            with volumes_cleaned(stack, domains) as cinder:
                domains.append(storage_domain_of(engine, add_provider(engine, stack, name="bench")))
                ids = []
                for n in range(disks):
                    body = disk_body(domains[0], GiB, stack.volume_type_rbd, alias=f"bench{n}")
                    ids.append(
                        wait_for_disk(engine, engine.request("POST", "/api/disks", json=body).json["id"], "ok")["id"]
                    )
                cluster = {"data_center": {"id": engine.data_center_id}}
                vm = engine.request("POST", "/api/vms", json={"name": "bench-vm", "cluster": cluster}).json
                for disk_id in ids:
                    engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk_id})
                admin = connect(stack.admin_credentials).client
                ratios, engine_times, direct_times = [], [], []
                for _ in range(repeat):
                    direct_times.append(direct(admin, ids))
                    engine_times.append(through_engine(engine, vm["id"]))
                    ratios.append(engine_times[-1] / direct_times[-1])
                commits = [commit_cost(engine, stack, vm["id"], ids, written) for _ in range(repeat)]
                removed = engine.request("DELETE", f"/api/vms/{vm['id']}")  # with its disks, children first
                if removed.status_code not in {202, 204}:
                    raise SystemExit(f"removing the VM answered {removed.status_code}: {removed.json}")
                while any(engine.request("GET", f"/api/disks/{d}").status_code != 404 for d in ids):
                    time.sleep(0.5)
                del cinder
        finally:
            stop_engine(engine)
    print(f"{disks} disks, {repeat} runs")
    print(f"  direct  median {statistics.median(direct_times):.2f} s  worst {max(direct_times):.2f} s")
    print(f"  engine  median {statistics.median(engine_times):.2f} s  worst {max(engine_times):.2f} s")
    print(f"  engine/direct  median {statistics.median(ratios):.2f}  worst {max(ratios):.2f}")
    commit_times, held, flatten_times = zip(*commits, strict=True)
    print(f"commit of a preview, {written} MiB written in each disk")
    print(f"  commit (kept hidden)  median {statistics.median(commit_times):.2f} s  worst {max(commit_times):.2f} s")
    print(f"  held by the hidden parents  {statistics.median(held) / MiB:.0f} MiB")
    print(f"  rbd flatten of the committed images  median {statistics.median(flatten_times):.2f} s"
          f"  worst {max(flatten_times):.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disks", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--written", type=int, default=64, help="MiB written into each disk before the commit")
    args = parser.parse_args()
    run(bring_up(), args.disks, args.repeat, args.written)


if __name__ == "__main__":
    main()
