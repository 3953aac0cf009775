"""The main job's walk through an unregistered disk: a volume made straight in Cinder with
python-cinderclient (as the stack's OpenStack user, the provider's project), offered by
``GET /api/storagedomains/{id}/disks;unregistered``, registered with the seed's ``<disk id/>``
body, shown as an engine disk; the volume extended in Cinder behind the engine's back, the disk's size
following at the next reconciliation; the disk removed through the engine, and the domain's state
and capacity as the domain monitor knows them. Run by ``tools/main-job``.

    .venv/bin/python tools/walk_register.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from walk_disks import PASSWORD_FILE, GiB, Walk

from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_cinder_plugin.cinder.probe import credentials_from_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    domain = next(d for d in walk.call("GET", "/storagedomains", 200).json() if d["name"] == "stack-cinder")
    cinder = connect(credentials_from_environment(dict(os.environ))).client
    volume = cinder.volumes.create(1, name=f"made-in-cinder-{int(time.time())}", volume_type="fake")
    began = time.monotonic()
    while cinder.volumes.get(volume.id).status != "available":
        if time.monotonic() - began > 60:
            sys.exit(f"volume {volume.id} is not available after 60 s")
        time.sleep(0.2)
    print(f"  python-cinderclient made volume {volume.id} ({volume.name}) outside the engine")
    listed = walk.call("GET", f"/storagedomains/{domain['id']}/disks;unregistered", 200).json()
    mine = [d for d in listed if d["id"] == volume.id]
    if not mine:
        sys.exit(f"volume {volume.id} is not offered as unregistered")
    print(f"$ GET /api/storagedomains/{domain['id']}/disks;unregistered: {len(listed)} offered, among them "
          f"{mine[0]['alias']} ({mine[0]['provisioned_size']} bytes, {mine[0]['status']['state']})")  # fmt: skip
    walk.call("POST", f"/storagedomains/{domain['id']}/disks;unregistered", 201,
              data=f"<disk id='{volume.id}'/>", headers={"Content-Type": "application/xml"})  # fmt: skip
    disk = walk.call("GET", f"/disks/{volume.id}", 200).json()
    print(f"$ POST …/disks;unregistered <disk id='{volume.id}'/>: disk {disk['alias']} is {disk['status']['state']}, "
          f"tagged in Cinder as engine {cinder.volumes.get(volume.id).metadata.get('ovirt_engine')}")  # fmt: skip
    cinder.volumes.extend(volume, 2)
    began = time.monotonic()
    while (size := walk.call("GET", f"/disks/{volume.id}", 200).json()["provisioned_size"]) != 2 * GiB:
        if time.monotonic() - began > 120:
            sys.exit(f"the disk's size stays {size} after the volume grew in Cinder")
        time.sleep(0.5)
    print(f"  extended to 2 GiB in Cinder, outside the engine: the reconciliation made the disk {size} bytes "
          f"after {time.monotonic() - began:.1f} s")  # fmt: skip
    walk.call("DELETE", f"/disks/{volume.id}", 204)
    print("  the registered disk removed through the engine, its volume with it")
    shown = walk.call("GET", f"/storagedomains/{domain['id']}", 200, headers={"Accept": "application/xml"}).text
    print(f"$ GET /api/storagedomains/{domain['id']}: the domain's state and capacity, as the monitor knows them")
    for line in shown.splitlines():
        if any(f"<{tag}>" in line or f"<{tag} " in line for tag in ("status", "state", "detail", "available", "used",
                                                                     "committed")):  # fmt: skip
            print("   " + line.strip())
    sys.exit(0)


if __name__ == "__main__":
    main()
