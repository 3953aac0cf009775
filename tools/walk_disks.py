"""The main job's walk through Cinder disks: add a disk on the stack's Cinder through the
engine's REST API, watch it go from ``locked`` to ``ok``, look at its RBD image in Ceph, extend
it, watch again, and remove it. Run by ``tools/main-job`` with the engine up (``tools/engine-up``).

    .venv/bin/python tools/walk_disks.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

GiB = 1024**3


PASSWORD_FILE = ".stack/secrets/engine-admin"  # noqa: S105 - a path, not a password
"""Where the main job keeps the engine administrator's password: read from there, never passed
on a command line (where ``ps`` shows it) nor printed."""


class Walk:
    def __init__(self, url: str, password_file: str = PASSWORD_FILE) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.auth = ("admin", Path(password_file).read_text().strip())

    def call(self, method: str, path: str, expected: int, **kwargs: Any) -> requests.Response:
        answer = self.http.request(method, f"{self.url}{path}", timeout=120, **kwargs)
        if answer.status_code != expected:
            sys.exit(f"{method} {path} answered {answer.status_code}, not {expected}: {answer.text}")
        return answer

    def watch(self, disk_id: str, wanted: str) -> dict[str, Any]:
        start, last = time.monotonic(), None
        while time.monotonic() - start < 120:
            disk: dict[str, Any] = self.call("GET", f"/disks/{disk_id}", 200).json()
            state = disk["status"]["state"]
            if state != last:
                print(f"  {time.monotonic() - start:5.2f} s  status {state}")
                last = state
            if state == wanted:
                return disk
            if state == "illegal":
                sys.exit(f"the disk went illegal: {disk['status'].get('detail')}")
            time.sleep(0.2)
        sys.exit(f"the disk is still {last} after 120 s")


def add_rbd_disk(walk: Walk, alias: str) -> dict[str, Any]:
    """A 1 GiB ``rbd`` disk on the provider ``stack-cinder``'s domain, watched until it is ``ok``."""
    domain = next(d for d in walk.call("GET", "/storagedomains", 200).json() if d["name"] == "stack-cinder")
    disk = walk.call(
        "POST", "/disks", 201,
        json={"alias": alias, "provisioned_size": GiB,
              "storage_domains": {"storage_domain": [{"id": domain["id"]}]},
              "openstack_volume_type": {"name": os.environ.get("OVIRT_STACK_VOLUME_TYPE_RBD", "rbd")}},
    ).json()  # fmt: skip
    return walk.watch(disk["id"], "ok")


def rbd_image(volume_id: str) -> str:
    """What Ceph says of the volume's image (``rbd info``, as client.cinder)."""
    command = [
        "rbd", "--conf", os.environ["CEPH_CONF"], "--id", os.environ["OVIRT_STACK_CEPH_USER"],
        "--keyring", os.environ["OVIRT_STACK_CEPH_KEYRING"],
        "info", f"{os.environ['OVIRT_STACK_CEPH_POOL']}/volume-{volume_id}",
    ]  # fmt: skip
    found = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603 - fixed argv
    lines = (found.stdout or found.stderr).splitlines()
    shown = lines[:3] + [line for line in lines[3:] if line.strip().startswith("parent:")]  # a clone's parent
    return "\n".join("    " + line for line in shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    domains = walk.call("GET", "/storagedomains", 200).json()
    domain = next(d for d in domains if d["name"] == "stack-cinder")
    body = {
        "alias": "main-job-disk",
        "description": "added by tools/main-job",
        "provisioned_size": GiB,
        "storage_domains": {"storage_domain": [{"id": domain["id"]}]},
        "openstack_volume_type": {"name": os.environ.get("OVIRT_STACK_VOLUME_TYPE_RBD", "rbd")},
    }
    print(f"$ curl -u admin:$PASSWORD -X POST {args.url}/disks/ -H 'Content-Type: application/json' -d '...'")
    added = walk.call("POST", "/disks", 201, json=body).json()
    disk_id = added["id"]
    print(f"  201 Created: disk {disk_id} (its id is its Cinder volume's id), status {added['status']['state']}")
    walk.watch(disk_id, "ok")
    print("  the disk, as an oVirt client sees it:")
    print(walk.call("GET", f"/disks/{disk_id}", 200, headers={"Accept": "application/xml"}).text)
    print("  its RBD image in Ceph:")
    print(rbd_image(disk_id))
    print("\n$ extend to 2 GiB: PUT /disks/{id} with provisioned_size 2147483648")
    walk.call("PUT", f"/disks/{disk_id}", 200, json={"provisioned_size": 2 * GiB})
    walk.watch(disk_id, "ok")
    print(rbd_image(disk_id))
    jobs = walk.call("GET", "/jobs", 200).json()
    print("\n  the last jobs:")
    for job in jobs[:2]:
        print(f"    {job['description']:<30} {job['status']['state']}")
    print("\n$ remove it: DELETE /disks/{id} (answers once the volume is gone; ';async' answers at once)")
    start = time.monotonic()
    walk.call("DELETE", f"/disks/{disk_id}", 204)
    print(f"  204 No Content after {time.monotonic() - start:.2f} s; GET now answers", end=" ")
    print(walk.http.get(f"{walk.url}/disks/{disk_id}", timeout=30).status_code)


if __name__ == "__main__":
    main()
