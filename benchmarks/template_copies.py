"""Template copies benchmark on the running stack: a VM made from a 1-disk template (1 GiB rbd),
thin (Cinder's clone of the template volume: an RBD copy-on-write child) against clone (the same
clone, flattened by the plugin through python ``rbd`` once Cinder has it), from the request until
the VM's disk is ``ok``, for template images with more or less data written. The thin VM is the
baseline of the same run; the ratio is what an independent copy costs over it.

    .venv/bin/python -m benchmarks.template_copies [--written 4 256] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import rbd

from tests.ceph import cephx_key, open_pool
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, build_engine, stop_engine
from tests.stack import Stack, bring_up

CHUNK = 4 << 20


def vm_until_ok(engine: Engine, name: str, template_id: str, clone: bool) -> float:
    cluster = {"data_center": {"id": engine.data_center_id}}
    began = time.monotonic()
    vm = engine.request("POST", "/api/vms", json={"name": name, "cluster": cluster, "template": {"id": template_id},
                                                  "disks": {"clone": clone}}).json  # fmt: skip
    (disk,) = engine.request("GET", f"/api/vms/{vm['id']}/disks").json
    while (state := engine.request("GET", f"/api/disks/{disk['id']}").json["status"]["state"]) == "locked":
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    if state != "ok":
        raise SystemExit(f"the disk of {name} is {state}")
    engine.request("DELETE", f"/api/vms/{vm['id']}")
    return elapsed


def template_with(engine: Engine, stack: Stack, domain_id: str, written_mib: int) -> tuple[str, str]:
    """A template of a VM whose disk has ``written_mib`` MiB written; (template id, VM id)."""
    body = disk_body(domain_id, GiB, stack.volume_type_rbd, alias=f"source{written_mib}")
    disk = wait_for_disk(engine, engine.request("POST", "/api/disks", json=body).json["id"], "ok")
    with open_pool(stack) as ioctx, rbd.Image(ioctx, f"volume-{disk['id']}") as image:
        for number in range(written_mib * (1 << 20) // CHUNK):
            image.write(b"x" * CHUNK, number * CHUNK)
    cluster = {"data_center": {"id": engine.data_center_id}}
    vm = engine.request("POST", "/api/vms", json={"name": f"source{written_mib}", "cluster": cluster}).json
    engine.request("POST", f"/api/vms/{vm['id']}/disks", json={"id": disk["id"]})
    template = engine.request("POST", "/api/templates", json={"name": f"t{written_mib}", "vm": {"id": vm["id"]}}).json
    while engine.request("GET", f"/api/templates/{template['id']}").json["status"]["state"] != "ok":
        time.sleep(0.1)
    return template["id"], vm["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--written", type=int, nargs="+", default=[4, 256], help="MiB written into the template")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stack = bring_up()
    print("VM from a 1-disk template until its disk is ok (seconds, median / worst of the runs)")
    print(f"{'written':>8} {'thin':>13} {'clone':>13} {'clone/thin':>13}")
    with tempfile.TemporaryDirectory(prefix="ovirt-bench-templates-") as state_dir:
        engine = build_engine(Path(state_dir), "", poll=True)
        domains: list[str] = []
        try:
            with volumes_cleaned(stack, domains):
                provider = add_provider(engine, stack)
                domains.append(storage_domain_of(engine, provider))
                key: dict[str, Any] = {"uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"], "usage_type": "ceph",
                                       "value": cephx_key(stack)}  # fmt: skip
                engine.request("POST", f"{provider['href']}/authenticationkeys", json=key)
                for written in args.written:
                    template_id, vm_id = template_with(engine, stack, domains[0], written)
                    runs = {
                        clone: [vm_until_ok(engine, f"m{written}-{clone}-{n}", template_id, clone)
                                for n in range(args.repeat)]
                        for clone in (False, True)
                    }  # fmt: skip
                    ratios = [c / t for t, c in zip(runs[False], runs[True], strict=True)]
                    print(f"{written:>5} MiB {statistics.median(runs[False]):>6.2f} /{max(runs[False]):>5.2f} "
                          f"{statistics.median(runs[True]):>6.2f} /{max(runs[True]):>5.2f} "
                          f"{statistics.median(ratios):>6.2f} /{max(ratios):>5.2f}")  # fmt: skip
                    engine.request("DELETE", f"/api/templates/{template_id}")
                    engine.request("DELETE", f"/api/vms/{vm_id}")
        finally:
            stop_engine(engine)


if __name__ == "__main__":
    main()
