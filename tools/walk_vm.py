"""The main job's walk through a VM on a Cinder disk: the stack's cephx key as the provider's
authentication key, a host on the stack's libvirtd, a disk, a VM that starts on it; then what
QEMU opened (the domain's RBD disk, Ceph's watcher, libvirt's block info), a stop, and the clean-up.
Run by ``tools/main-job`` with the engine up.

    .venv/bin/python tools/walk_vm.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import configparser
import os
import subprocess
import sys
import time

from walk_disks import PASSWORD_FILE, Walk, add_rbd_disk, rbd_image


def cephx_key() -> str:
    keyring = configparser.ConfigParser()
    keyring.read(os.environ["OVIRT_STACK_CEPH_KEYRING"])
    return keyring[f"client.{os.environ['OVIRT_STACK_CEPH_USER']}"]["key"].strip()


def show(command: list[str]) -> None:
    print("$ " + " ".join(command))
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    print("\n".join("  " + line for line in (done.stdout + done.stderr).strip().splitlines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    uri = os.environ["LIBVIRT_DEFAULT_URI"]
    provider = next(p for p in walk.call("GET", "/openstackvolumeproviders", 200).json() if p["name"] == "stack-cinder")
    secret_uuid = os.environ["OVIRT_STACK_RBD_SECRET_UUID"]
    keys_path = f"/openstackvolumeproviders/{provider['id']}/authenticationkeys"
    key = {"uuid": secret_uuid, "usage_type": "ceph", "value": cephx_key(), "description": "client.cinder"}
    known = next((k for k in walk.call("GET", keys_path, 200).json() if k["uuid"] == secret_uuid), None)
    if known is None:
        walk.call("POST", keys_path, 201, json=key)
    else:  # the value every time: a rebuilt Ceph has a new key under the same uuid
        walk.call("PUT", f"{keys_path}/{known['id']}", 200, json={"value": key["value"]})
    print(f"  the provider's cephx key: uuid {secret_uuid} (Cinder's rbd_secret_uuid), value write-only")
    hosts = {h["name"]: h for h in walk.call("GET", "/hosts", 200).json()}
    host = hosts.get("main-job-host") or walk.call(
        "POST", "/hosts", 201,
        json={"name": "main-job-host", "address": "127.0.0.1", "protocol": uri,
              "cluster": {"name": "Default"}},
    ).json()  # fmt: skip
    walk.call("POST", f"/hosts/{host['id']}/activate", 200, json={})
    print(f"  host main-job-host on {uri}: up, libvirt secret registered")
    show(["virsh", "-c", uri, "secret-list"])

    disk = add_rbd_disk(walk, "main-job-boot")
    vm = walk.call(
        "POST", "/vms", 201, json={"name": f"main-job-vm-{int(time.time())}", "memory": 64 * 1024**2,
                                    "cluster": {"name": "Default"}},
    ).json()  # fmt: skip
    try:
        walk.call(
            "POST", f"/vms/{vm['id']}/disks", 201, json={"id": disk["id"], "interface": "virtio_scsi", "bootable": True}
        )
        print(f"\n$ POST /api/vms/{vm['id']}/start")
        began = time.monotonic()
        walk.call("POST", f"/vms/{vm['id']}/start", 200, json={"host": {"id": host["id"]}})
        print(f"  up after {time.monotonic() - began:.2f} s (QEMU, TCG, no guest OS needed to open the disk)")
        print("  the disk QEMU opened, as the VDSM hook wrote it:")
        live = subprocess.run(["virsh", "-c", uri, "dumpxml", vm["name"]], capture_output=True, text=True, check=True)  # noqa: S603, S607
        lines = live.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if "<disk type='network'" in line)
        end = next(i for i in range(start, len(lines)) if "</disk>" in lines[i])
        print("\n".join(lines[start : end + 1]))
        show(["virsh", "-c", uri, "domblkinfo", vm["name"], "sda"])
        image = f"{os.environ['OVIRT_STACK_CEPH_POOL']}/volume-{disk['id']}"
        ceph = ["--conf", os.environ["CEPH_CONF"], "--id", os.environ["OVIRT_STACK_CEPH_USER"]]
        show(["rbd", *ceph, "--keyring", os.environ["OVIRT_STACK_CEPH_KEYRING"], "status", image])
        print(rbd_image(disk["id"]))
    finally:
        walk.call("POST", f"/vms/{vm['id']}/stop", 200, json={})
        print("\n  stopped: the Cinder attachment is deleted, the volume is available again")
        walk.call("DELETE", f"/vms/{vm['id']}", 204)
        walk.call("GET", f"/disks/{disk['id']}", 404)
        print("  VM removed, and its disk with it")
    sys.exit(0)


if __name__ == "__main__":
    main()
