"""VM pool benchmark on the running stack: a pool of N VMs from a 1-disk template (1 GiB rbd)
through the engine's REST API until every VM's disk is ``ok``, against the same N
create-from-source calls (``source_volid``: the template disk's volume) through python-cinderclient
directly until all are ``available``, in the same process, on the same Cinder backend.

    .venv/bin/python -m benchmarks.pool [--size 50] [--repeat 3]

Direct: N creates one after the other, then a volume list every 0.1 s. Engine: one
``POST /api/vmpools`` (the engine makes the N VMs, each with its disk's command, before it answers),
then the domain's disk list every 0.1 s (HTTP, the engine served by a threaded WSGI server on
loopback, SQLite). Printed over the runs: the median and the worst of both wall times and of
their ratio engine/direct, the engine's poll cycles, and the Cinder volume list requests the
engine made per poll cycle (counted in Cinder's API access log: one per domain is the design).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import requests

from benchmarks.provision import served_engine, wait_until
from ovirt_cinder_plugin.cinder.connection import connect
from tests.disks import GiB, counting_cinder_requests
from tests.engine import ADMIN
from tests.stack import Stack, bring_up


def make_template(http: requests.Session, url: str, stack: Stack, domain_id: str) -> tuple[str, str]:
    """A template of a VM with one 1 GiB rbd disk: (template id, the template disk's volume)."""
    body = {
        "alias": "pool-source", "provisioned_size": GiB, "storage_domains": {"storage_domain": [{"id": domain_id}]},
        "openstack_volume_type": {"name": stack.volume_type_rbd},
    }  # fmt: skip
    disk = http.post(f"{url}/api/disks", json=body, timeout=60).json()
    wait_until(lambda: http.get(f"{url}/api/disks/{disk['id']}").json()["status"]["state"] == "ok", "source disk")
    vm = http.post(f"{url}/api/vms", json={"name": "pool-source", "cluster": {"data_center": {"name": "dc1"}}}).json()
    http.post(f"{url}/api/vms/{vm['id']}/disks", json={"id": disk["id"]}).raise_for_status()
    template = http.post(f"{url}/api/templates", json={"name": "pool-t", "vm": {"id": vm["id"]}}, timeout=60).json()
    wait_until(lambda: http.get(f"{url}/api/templates/{template['id']}").json()["status"]["state"] == "ok", "template")
    (copy,) = http.get(f"{url}/api/templates/{template['id']}/disks").json()
    return template["id"], copy["id"]


def direct_run(cinder: Any, n: int, source: str, volume_type: str) -> float:
    tag = {"benchmark": uuid.uuid4().hex}
    ids: set[str] = set()

    def all_available() -> bool:
        volumes = cinder.volumes.list(detailed=True, search_opts={"metadata": tag})
        if any(v.status.startswith("error") for v in volumes):
            raise RuntimeError("a direct volume went to error")
        return sum(1 for v in volumes if v.id in ids and v.status == "available") == n

    try:
        start = time.monotonic()
        for i in range(n):
            created = cinder.volumes.create(1, name=f"d{i}", source_volid=source, volume_type=volume_type, metadata=tag)
            ids.add(created.id)
        wait_until(all_available, f"{n} volumes available")
        return time.monotonic() - start
    finally:
        for volume in cinder.volumes.list(search_opts={"metadata": tag}):
            cinder.volumes.delete(volume)
        wait_until(lambda: not cinder.volumes.list(search_opts={"metadata": tag}), "direct volumes deleted")


def engine_run(http: requests.Session, url: str, domain_id: str, n: int, template_id: str, name: str) -> float:
    disks_path = f"{url}/api/storagedomains/{domain_id}/disks"
    before = {d["id"] for d in http.get(disks_path, timeout=60).json()}

    def all_ok() -> bool:
        disks = [d for d in http.get(disks_path, timeout=60).json() if d["id"] not in before]
        if any(d["status"]["state"] == "illegal" for d in disks):
            raise RuntimeError("a pool disk went illegal")
        return sum(1 for d in disks if d["status"]["state"] == "ok") == n

    start = time.monotonic()
    pool = http.post(f"{url}/api/vmpools", json={"name": name, "size": n, "template": {"id": template_id}},
                     timeout=600)  # fmt: skip
    pool.raise_for_status()
    wait_until(all_ok, f"{n} pool disks ok")
    elapsed = time.monotonic() - start
    http.delete(f"{url}/api/vmpools/{pool.json()['id']};async", timeout=600).raise_for_status()
    wait_until(lambda: {d["id"] for d in http.get(disks_path, timeout=60).json()} == before, "pool removed")
    return elapsed


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stack = bring_up()
    cinder = connect(stack.admin_credentials).client
    directs, engines, cycles, per_cycle = [], [], [], []
    with served_engine(stack, "") as (url, coordinator, domain_id):
        http = requests.Session()
        http.auth = ADMIN
        template_id, source = make_template(http, url, stack, domain_id)
        engine_run(http, url, domain_id, 1, template_id, "warm")  # warm both paths: connections, caches
        direct_run(cinder, 1, source, stack.volume_type_rbd)
        for number in range(args.repeat):
            directs.append(direct_run(cinder, args.size, source, stack.volume_type_rbd))
            stats_before = (coordinator.stats.cycles, coordinator.stats.poll_calls)
            with counting_cinder_requests(mentioning=domain_id) as served:  # this engine's domain lists only
                engines.append(engine_run(http, url, domain_id, args.size, template_id, f"bench{number}"))
                seen = Counter(served())
            cycles.append(coordinator.stats.cycles - stats_before[0])
            polls = coordinator.stats.poll_calls - stats_before[1]
            per_cycle.append(seen["GET /volumes/detail"] / max(1, polls))
    ratios = [e / d for d, e in zip(directs, engines, strict=True)]

    def pair(values: list[float], digits: int = 2) -> str:
        return f"{statistics.median(values):.{digits}f} / {max(values):.{digits}f}"

    print(f"pool of {args.size} VMs from a 1-disk rbd template (seconds; median / worst of {args.repeat} runs)")
    print(f"  direct (cinderclient, source_volid)  {pair(directs)}")
    print(f"  engine (POST /api/vmpools)           {pair(engines)}")
    print(f"  ratio engine/direct                  {pair(ratios, 3)}")
    print(f"  poll cycles                          {statistics.median(cycles):.0f}")
    print(f"  volume lists per domain poll         {pair(per_cycle)}")


if __name__ == "__main__":
    main()
