"""The main job's walk through a template, checked on the data: a pattern written into a VM's
disk (python rbd, as client.cinder), a template made from the VM (its disk a copy reading the
pattern), a VM made from the template (its disk a thin RBD child of the template's image, shown
by ``rbd info``), a write to the thin disk that leaves the template's image alone, a clone made
from the template (an independent image: no RBD parent), a template removal refused while those
VMs exist, and the clean-up: the VMs, the template, the source VM,
after which none of the walk's RBD images is left. Run by ``tools/main-job`` with the engine up.

    .venv/bin/python tools/walk_template.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from walk_disks import PASSWORD_FILE, Walk, add_rbd_disk, rbd_image
from walk_snapshot import ceph_objects, image_io, parent_of


def wait_state(walk: Walk, path: str, wanted: str) -> dict[str, Any]:
    began = time.monotonic()
    while time.monotonic() - began < 120:
        found: dict[str, Any] = walk.call("GET", path, 200).json()
        if found["status"]["state"] == wanted:
            print(f"  {path}: {wanted} after {time.monotonic() - began:.2f} s")
            return found
        time.sleep(0.2)
    sys.exit(f"{path} is not {wanted} after 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    stamp = int(time.time())
    cluster = {"name": "Default"}
    disk = add_rbd_disk(walk, "main-job-template-source")
    source = walk.call("POST", "/vms", 201, json={"name": f"main-job-source-{stamp}", "cluster": cluster}).json()
    volumes = [disk["id"]]
    made: dict[str, Any] = {}
    try:
        walk.call("POST", f"/vms/{source['id']}/disks", 201, json={"id": disk["id"], "bootable": True})
        print(f"  wrote {image_io(disk['id'], b'golden image')!r} into volume-{disk['id']}")
        template = walk.call("POST", "/templates", 201, json={"name": f"main-job-{stamp}", "vm": {"id": source["id"]}})
        made["template"] = template.json()["id"]
        wait_state(walk, f"/templates/{made['template']}", "ok")
        (copy,) = walk.call("GET", f"/templates/{made['template']}/disks", 200).json()
        volumes.append(copy["id"])
        print(f"$ POST /api/templates: template disk {copy['id']} reads {image_io(copy['id']).rstrip(b'.')!r}")

        thin = walk.call("POST", "/vms", 201, json={"name": f"main-job-thin-{stamp}", "cluster": cluster,
                                                    "template": {"id": made["template"]}}).json()  # fmt: skip
        made["vm"] = thin["id"]
        (thin_disk,) = walk.call("GET", f"/vms/{thin['id']}/disks", 200).json()
        volumes.append(thin_disk["id"])
        walk.watch(thin_disk["id"], "ok")
        print(f"$ POST /api/vms with the template: disk {thin_disk['id']}, thin, its RBD parent "
              f"{parent_of(thin_disk['id'])}")  # fmt: skip
        print(rbd_image(thin_disk["id"]))
        image_io(thin_disk["id"], b"the thin VM's own")
        print(f"  after a write to the thin disk it reads {image_io(thin_disk['id']).rstrip(b'.')!r}, "
              f"the template still {image_io(copy['id']).rstrip(b'.')!r}")  # fmt: skip
        if image_io(copy["id"]).rstrip(b".") != b"golden image":
            sys.exit("a write to the thin disk reached the template")
        clone = walk.call("POST", "/vms", 201, json={"name": f"main-job-clone-{stamp}", "cluster": cluster,
                                                     "template": {"id": made["template"]},
                                                     "disks": {"clone": True}}).json()  # fmt: skip
        made["clone"] = clone["id"]
        (clone_disk,) = walk.call("GET", f"/vms/{clone['id']}/disks", 200).json()
        volumes.append(clone_disk["id"])
        walk.watch(clone_disk["id"], "ok")
        print(f"$ POST /api/vms with the template and <disks><clone>true: disk {clone_disk['id']}, an "
              f"independent copy reading {image_io(clone_disk['id']).rstrip(b'.')!r}; its RBD parent: "
              f"{parent_of(clone_disk['id'])}")  # fmt: skip
        print(rbd_image(clone_disk["id"]))
        if parent_of(clone_disk["id"]) != "none":
            sys.exit("the clone still has an RBD parent")
        refused = walk.call("DELETE", f"/templates/{made['template']}", 409).json()
        print(f"  removing the template while the VM exists: 409 {refused['message']!r}")
    finally:
        for vm_id in (made.get("vm"), made.get("clone")):
            if vm_id:
                walk.call("DELETE", f"/vms/{vm_id}", 204)
        if "template" in made:
            walk.call("DELETE", f"/templates/{made['template']}", 204)
        walk.call("DELETE", f"/vms/{source['id']}", 204)
        print("  thin VM, clone, template and source VM removed, with their disks")
    left = ceph_objects(volumes)
    print("  Ceph after the removals: " + ("; ".join(left) or "nothing"))
    if left:
        sys.exit(f"the removals left RBD images behind: {left}")
    sys.exit(0)


if __name__ == "__main__":
    main()
