"""Hook benchmark: the real ``before_vm_start/50_cinder_rbd`` script as VDSM runs it, against an
interpreter that does nothing, in the same process, the same way.

    .venv/bin/python -m benchmarks.hook [--disks 1 16] [--runs 20] [--python INTERPRETER]

The scripts are installed with ``ovirt-cinder-vdsm-hooks install`` into a temporary prefix, their
``#!`` line naming ``--python`` (default: this interpreter, which has the package installed).
Each run rewrites the domain file back to the placeholders (not timed), then times one
``subprocess.run([script])`` with ``_hook_domxml`` and ``ovirt_cinder_disks`` in its environment:
process start, interpreter start, imports, parse, rewrite, write. The baseline is
``INTERPRETER -c pass`` started the same way; runs of all kinds alternate. Printed per case: the
median wall time of ``--runs`` runs, the baseline's, their ratio, and the time above the baseline.
Target: at most 60 ms at 16 disks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from ovirt_cinder_plugin.hostside import install

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 60.0
SECRET_UUID = "0d2a4a4c-3f3b-4c0a-9d5e-5b1c1f0ec1d0"  # noqa: S105 - names a libvirt secret, holds no key


def domain_with_placeholders(disk_ids: list[str]) -> str:
    """A VDSM-sized domain: an OS disk, a CD-ROM, a NIC, and one placeholder per Cinder disk."""
    placeholders = "".join(
        f"    <disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        f"<target dev='vd{chr(ord('b') + i)}' bus='virtio'/><serial>{disk_id}</serial>"
        f"<address type='pci' domain='0x0000' bus='0x00' slot='{i + 10:#04x}' function='0x0'/></disk>\n"
        for i, disk_id in enumerate(disk_ids)
    )
    return (
        "<domain type='kvm' xmlns:ovirt-vm='http://ovirt.org/vm/1.0'>\n"
        "  <name>benchmark</name>\n"
        f"  <uuid>{uuid.uuid4()}</uuid>\n"
        "  <metadata><ovirt-vm:vm><ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion></ovirt-vm:vm></metadata>\n"
        "  <memory unit='KiB'>1048576</memory>\n"
        "  <vcpu>2</vcpu>\n"
        "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n"
        "  <features><acpi/></features>\n"
        "  <devices>\n"
        "    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
        "<source file='/rhev/data-center/mnt/os.qcow2'/><target dev='vda' bus='virtio'/><boot order='1'/></disk>\n"
        "    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdc' bus='sata'/>"
        "<readonly/></disk>\n"
        f"{placeholders}"
        "    <interface type='bridge'><source bridge='ovirtmgmt'/><model type='virtio'/></interface>\n"
        "  </devices>\n"
        "</domain>\n"
    )


def cinder_disks(disk_ids: list[str]) -> str:
    """The custom property for ``disk_ids``: three monitors, cephx, discard, as Cinder's RBD driver says."""
    return json.dumps(
        {
            disk_id: {
                "driver_volume_type": "rbd",
                "data": {
                    "name": f"volumes/volume-{disk_id}",
                    "hosts": ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
                    "ports": ["6789", "6789", "6789"],
                    "auth_enabled": True,
                    "auth_username": "cinder",
                    "secret_type": "ceph",
                    "secret_uuid": SECRET_UUID,
                    "cluster_name": "ceph",
                    "discard": True,
                    "qos_specs": None,
                    "access_mode": "rw",
                    "encrypted": False,
                    "volume_id": disk_id,
                },
                "attachment_id": str(uuid.uuid4()),
            }
            for disk_id in disk_ids
        }
    )


class Case:
    """One command to time, with the domain file it needs put back before every run."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], domxml: Path, xml: str) -> None:
        self.label = label
        self.command = command
        self.env = env
        self.domxml = domxml
        self.xml = xml
        self.times: list[float] = []

    def run(self) -> None:
        self.domxml.write_text(self.xml)
        started = time.perf_counter()
        result = subprocess.run(self.command, env=self.env, capture_output=True, check=False)  # noqa: S603 - our own
        self.times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"{self.label}: exit {result.returncode}: {result.stderr.decode().strip()}")

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--disks", type=int, nargs="+", default=[1, 16], help="Cinder disks per domain")
    parser.add_argument("--runs", type=int, default=20, help="runs per case (the median is printed)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the hook scripts")
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hook-benchmark-") as scratch:
        workdir = Path(scratch)
        prefix = workdir / "hooks"
        with open(os.devnull, "w") as quiet:
            install.install(prefix, install.find_scripts(), arguments.python, out=quiet)
        script = str(prefix / "before_vm_start" / install.SCRIPT_NAME)
        # as VDSM runs hooks: its own environment; PYTHONPATH makes the checkout importable by any interpreter
        base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)}

        cases = [
            Case(
                "baseline: python -c pass",
                [arguments.python, "-c", "pass"],
                base_env,
                workdir / "unused.xml",
                "",
            ),
            Case(
                "hook, no Cinder disks",
                [script],
                {**base_env, "_hook_domxml": str(workdir / "none.xml")},
                workdir / "none.xml",
                domain_with_placeholders([]),
            ),
        ]
        for n in arguments.disks:
            disk_ids = [str(uuid.uuid4()) for _ in range(n)]
            domxml = workdir / f"domain-{n}.xml"
            env = {**base_env, "_hook_domxml": str(domxml), "ovirt_cinder_disks": cinder_disks(disk_ids)}
            cases.append(Case(f"hook, {n} Cinder disk(s)", [script], env, domxml, domain_with_placeholders(disk_ids)))

        for case in cases:  # warm the page cache and the .pyc files
            case.run()
            case.times.clear()
        for _ in range(arguments.runs):
            for case in cases:
                case.run()

    baseline = cases[0].median_ms
    print(f"interpreter {arguments.python}, {arguments.runs} runs per case, medians (wall, process start included)")
    print(f"{'case':<28} {'ms':>8} {'ratio':>7} {'above baseline':>15}")
    for case in cases:
        ms = case.median_ms
        print(f"{case.label:<28} {ms:8.1f} {ms / baseline:7.2f} {ms - baseline:12.1f} ms")
    worst = max(case.median_ms for case in cases[2:]) if len(cases) > 2 else 0.0
    verdict = "within" if worst <= TARGET_MS else "ABOVE"
    print(f"slowest hook case {worst:.1f} ms: {verdict} the target of {TARGET_MS:.0f} ms")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
