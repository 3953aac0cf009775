"""The main job's walk through a VM pool, checked on the data: a pattern written into a VM's disk,
a template of the VM, an automatic pool of 3 VMs made from it, one VM allocated: it runs
stateless, QEMU on a throw-away volume (an RBD child of the disk's own image, shown by ``rbd
info``); a pattern written by QEMU itself (HMP ``qemu-io`` through ``virsh
qemu-monitor-command``) lands there; at the stop the disk reads the template's pattern again and
the throw-away image is gone; then the pool, the template and the source VM are removed, after
which none of the walk's RBD images is left. Run by ``tools/main-job`` with the engine up and
the walk through a VM done (the host ``main-job-host`` active, the provider's cephx key set).

    .venv/bin/python tools/walk_pool.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from lxml import etree
from walk_disks import PASSWORD_FILE, Walk, add_rbd_disk, rbd_image
from walk_snapshot import active_volume, ceph_objects, image_io, parent_of
from walk_template import wait_state


def virsh(*arguments: str) -> str:
    found = subprocess.run(["virsh", *arguments], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603,S607
    if found.returncode != 0:
        sys.exit(f"virsh {' '.join(arguments)}: {found.stderr.strip()}")
    return found.stdout


def guest_write(vm_id: str, disk_id: str, text: str) -> None:
    """QEMU writes ``text`` at the disk's start (HMP qemu-io on the disk's device)."""
    tree = etree.fromstring(virsh("dumpxml", vm_id).encode())
    (alias,) = tree.xpath(f"//devices/disk[serial='{disk_id}']/alias/@name")
    hmp = f'qemu-io -d {alias} "write -P 0x5a 0 512"'
    print(f"$ virsh qemu-monitor-command {vm_id} --hmp '{hmp}'   # {text}")
    print("  " + (virsh("qemu-monitor-command", vm_id, "--hmp", hmp).strip() or "(written)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    stamp = int(time.time())
    cluster = {"name": "Default"}
    disk = add_rbd_disk(walk, "main-job-pool-source")
    source = walk.call("POST", "/vms", 201, json={"name": f"main-job-pool-source-{stamp}", "cluster": cluster}).json()
    volumes = [disk["id"]]
    made: dict[str, Any] = {}
    try:
        walk.call("POST", f"/vms/{source['id']}/disks", 201,
                  json={"id": disk["id"], "bootable": True, "interface": "virtio_scsi"})  # fmt: skip
        print(f"  wrote {image_io(disk['id'], b'pool golden')!r} into volume-{disk['id']}")
        template = walk.call("POST", "/templates", 201, json={"name": f"main-job-pool-{stamp}",
                                                               "vm": {"id": source["id"]}}).json()  # fmt: skip
        made["template"] = template["id"]
        wait_state(walk, f"/templates/{template['id']}", "ok")
        volumes += [d["id"] for d in walk.call("GET", f"/templates/{template['id']}/disks", 200).json()]

        body = f"<vmpool><name>main-job-{stamp}</name><size>3</size><template id='{template['id']}'/></vmpool>"
        print(f"$ POST /api/vmpools {body}")
        xml_in = {"Content-Type": "application/xml", "Accept": "application/json"}  # the answer in JSON
        pool = walk.call("POST", "/vmpools", 201, data=body, headers=xml_in).json()
        made["pool"] = pool["id"]
        members = [v for v in walk.call("GET", "/vms", 200).json() if (v.get("vmpool") or {}).get("id") == pool["id"]]
        for member in members:
            (member_disk,) = walk.call("GET", f"/vms/{member['id']}/disks", 200).json()
            volumes.append(member_disk["id"])
            walk.watch(member_disk["id"], "ok")
        print(f"  pool {pool['name']} ({pool['type']}): VMs {', '.join(sorted(v['name'] for v in members))}, "
              f"stateless {sorted({v['stateless'] for v in members})}")  # fmt: skip

        allocated = walk.call("POST", f"/vmpools/{pool['id']}/allocatevm", 200, json={}).json()
        vm_id = allocated["vm"]["id"]
        vm = walk.call("GET", f"/vms/{vm_id}", 200).json()
        (own,) = walk.call("GET", f"/vms/{vm_id}/disks", 200).json()
        throw_away = active_volume(walk, own["id"])
        volumes.append(throw_away)
        print(
            f"$ POST /api/vmpools/{{id}}/allocatevm: VM {vm['name']} {vm['status']['state']}, stateless; its "
            f"disk {own['id']} runs on the throw-away volume {throw_away}, RBD parent {parent_of(throw_away)}"
        )
        print(rbd_image(throw_away))
        guest_write(vm_id, own["id"], "the guest writes 0x5a bytes")
        print(f"  the throw-away image reads {image_io(throw_away)[:11]!r}, "
              f"the disk's own {image_io(own['id']).rstrip(b'.')!r}")  # fmt: skip
        if image_io(throw_away)[:11] != b"Z" * 11:
            sys.exit("the guest's write did not land on the throw-away volume")

        walk.call("POST", f"/vms/{vm_id}/stop", 200, json={})
        back = active_volume(walk, own["id"])
        print(f"$ POST /api/vms/{{id}}/stop: the disk runs on {back} again and reads {image_io(back).rstrip(b'.')!r}")
        if back != own["id"] or image_io(back).rstrip(b".") != b"pool golden":
            sys.exit("the stateless run's writes survived its stop")
        began = time.monotonic()
        while ceph_objects([throw_away]):
            if time.monotonic() - began > 120:
                sys.exit(f"the throw-away image stays: {ceph_objects([throw_away])}")
            time.sleep(0.3)
        print(f"  the throw-away image is gone from Ceph after {time.monotonic() - began:.2f} s")
    finally:
        if "pool" in made:
            walk.call("DELETE", f"/vmpools/{made['pool']}", 204)
        if "template" in made:
            walk.call("DELETE", f"/templates/{made['template']}", 204)
        walk.call("DELETE", f"/vms/{source['id']}", 204)
        print("  pool (with its VMs and disks), template and source VM removed")
    left = ceph_objects(volumes)
    print("  Ceph after the removals: " + ("; ".join(left) or "nothing"))
    if left:
        sys.exit(f"the removals left RBD images behind: {left}")
    sys.exit(0)


if __name__ == "__main__":
    main()
