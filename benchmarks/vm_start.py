"""VM start benchmark on the running stack: where the time of starting a VM on Cinder disks
goes (Cinder attachments, the VDSM hook scripts, libvirt/QEMU), against a direct baseline in the
same process (python-cinderclient attachments one after the other, and libvirt's createXML of the
same final domain XML, no engine, no hooks). The engine makes a VM's attachments concurrently.
Printed per number of disks: the medians of each part, then the engine's and the direct times
and their ratio as median / worst of the runs; and the floor: the same attachments made
concurrently straight through python-cinderclient (as many threads as the engine uses), plus the
direct libvirt start — what no engine can beat on this Cinder, as a ratio to the direct time.

    .venv/bin/python -m benchmarks.vm_start [--disks 1 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt

from ovirt_cinder_plugin.cinder.attachments import connector_for
from ovirt_cinder_plugin.cinder.connection import connect
from ovirt_engine_host.services.vms import PREPARE_CONCURRENCY, VmService
from ovirt_engine_host.state import engine_state
from tests.ceph import cephx_key
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import build_engine, stop_engine
from tests.stack import Stack, bring_up


@dataclass
class Sample:
    attachments: float
    hooks: float
    libvirt: float
    direct_attachments: float
    direct_libvirt: float
    concurrent_attachments: float

    @property
    def engine(self) -> float:
        return self.attachments + self.hooks + self.libvirt

    @property
    def direct(self) -> float:
        return self.direct_attachments + self.direct_libvirt

    @property
    def floor(self) -> float:
        return self.concurrent_attachments + self.direct_libvirt


def direct_start(cinder: Any, uri: str, volume_ids: list[str], domain_xml: str) -> tuple[float, float]:
    began = time.monotonic()
    attachment_ids = []
    for volume_id in volume_ids:
        created = cinder.attachments.create(volume_id, connector_for("bench", "127.0.0.1"), mode="rw")
        cinder.attachments.complete(created["id"])
        attachment_ids.append(created["id"])
    attached = time.monotonic() - began
    connection = libvirt.open(uri)
    try:
        began = time.monotonic()
        domain = connection.createXML(domain_xml, 0)
        started = time.monotonic() - began
        domain.destroy()
    finally:
        connection.close()
    for attachment_id in attachment_ids:
        cinder.attachments.delete(attachment_id)
    return attached, started


def concurrent_attachments(cinder: Any, volume_ids: list[str]) -> float:
    """The attachments made at once, as the engine makes them (at most ``PREPARE_CONCURRENCY``)."""

    def attach(volume_id: str) -> str:
        created = cinder.attachments.create(volume_id, connector_for("bench", "127.0.0.1"), mode="rw")
        cinder.attachments.complete(created["id"])
        return str(created["id"])

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(PREPARE_CONCURRENCY, len(volume_ids))) as pool:
        attachment_ids = list(pool.map(attach, volume_ids))
    elapsed = time.monotonic() - began
    for attachment_id in attachment_ids:
        cinder.attachments.delete(attachment_id)
    return elapsed


def measure(stack: Stack, disks: int, repeat: int) -> list[Sample]:
    samples = []
    with tempfile.TemporaryDirectory(prefix="ovirt-bench-vm-") as state_dir:
        engine = build_engine(Path(state_dir), "", poll=True)
        domains: list[str] = []
        try:
            with volumes_cleaned(stack, domains) as cinder:
                provider = add_provider(engine, stack)
                domains.append(storage_domain_of(engine, provider))
                key = {
                    "uuid": stack.env["OVIRT_STACK_RBD_SECRET_UUID"],
                    "usage_type": "ceph",
                    "value": cephx_key(stack),
                }
                engine.request("POST", f"{provider['href']}/authenticationkeys", json=key)
                cluster = {"data_center": {"id": engine.data_center_id}}
                host = engine.request(
                    "POST", "/api/hosts",
                    json={"name": "bench", "address": "127.0.0.1", "protocol": stack.libvirt_uri, "cluster": cluster},
                ).json  # fmt: skip
                engine.request("POST", f"{host['href']}/activate", json={})
                vm = engine.request("POST", "/api/vms", json={"name": "bench-vm", "cluster": cluster}).json
                volume_ids = []
                for number in range(disks):
                    body = disk_body(domains[0], GiB, stack.volume_type_rbd, alias=f"bench{number}")
                    disk = wait_for_disk(engine, engine.request("POST", "/api/disks", json=body).json["id"], "ok")
                    engine.request("POST", f"{vm['href']}/disks", json={"id": disk["id"], "interface": "virtio_scsi"})
                    volume_ids.append(disk["id"])
                service = VmService(engine_state(engine.app))
                for _ in range(repeat):
                    report = service.start(vm["id"], host["id"])
                    service.stop(vm["id"])
                    direct = direct_start(cinder, stack.libvirt_uri, volume_ids, report.domain_xml)
                    floor = concurrent_attachments(cinder, volume_ids)
                    samples.append(Sample(report.attachments, report.hooks, report.libvirt, *direct, floor))
                engine.request("DELETE", vm["href"])
        finally:
            stop_engine(engine)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disks", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    stack = bring_up()
    connect(stack.admin_credentials)  # fail early when Cinder is not there
    print("VM start (seconds): engine = Cinder attachments + hooks + libvirt; direct = cinderclient + libvirt")
    print(
        f"{'disks':>5} {'attach':>7} {'hooks':>7} {'libvirt':>8} {'engine med/worst':>17} "
        f"{'direct med/worst':>17} {'ratio med/worst':>16} {'floor ratio med':>16}"
    )
    for disks in args.disks:
        samples = measure(stack, disks, args.repeat)
        med = {name: statistics.median(getattr(s, name) for s in samples) for name in Sample.__annotations__}
        engine = [s.engine for s in samples]
        direct = [s.direct for s in samples]
        ratios = [s.engine / s.direct for s in samples]
        floors = [s.floor / s.direct for s in samples]
        print(
            f"{disks:>5} {med['attachments']:>7.3f} {med['hooks']:>7.3f} {med['libvirt']:>8.3f} "
            f"{statistics.median(engine):>8.3f} /{max(engine):>6.3f} "
            f"{statistics.median(direct):>8.3f} /{max(direct):>6.3f} "
            f"{statistics.median(ratios):>7.2f} /{max(ratios):>5.2f} {statistics.median(floors):>16.2f}"
        )


if __name__ == "__main__":
    main()
