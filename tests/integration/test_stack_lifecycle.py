"""stack/down stops exactly what stack/up started, and stack/up brings it all back.

Marked ``restarts_stack``: the conftest runs it after every other test.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ovirt_cinder_plugin.cinder.connection import connect
from tests.secrets_check import texts_holding_secrets
from tests.stack import REPO_ROOT, Stack, run_stack_command
from tests.waiting import wait_for_status, wait_until_gone


def is_alive(pid: int) -> bool:
    """A zombie (a daemon PID 1 has not reaped yet) counts as stopped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) == 0


def started_pids(stack: Stack) -> dict[str, int]:
    run_dirs = [Path(stack.env["OVIRT_STACK_DIR"]) / "run", Path(stack.ceph_conf).parent / "run"]
    return {f.name: int(f.read_text().strip()) for d in run_dirs for f in d.glob("*.pid") if f.read_text().strip()}


def main_job() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO_ROOT / "tools" / "main-job")], capture_output=True, text=True, timeout=900, check=False
    )


@pytest.mark.restarts_stack
def test_down_stops_everything_it_started_and_up_starts_again(stack: Stack) -> None:
    # The main job passes whatever a previous run or the tests left, and again on the rebuilt
    # stack (a new Ceph cluster with a new cephx key, new Cinder and Keystone databases).
    first = main_job()
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    before = started_pids(stack)
    assert {"keystone.pid", "cinder-api.pid", "cinder-volume.pid", "mon.a.pid", "osd.0.pid"} <= set(before)

    down = run_stack_command("down", timeout=300)
    assert down.returncode == 0, down.stderr

    still_running = {name: pid for name, pid in before.items() if is_alive(pid)}
    assert still_running == {}
    assert started_pids(stack) == {}
    for url in (stack.keystone_url, stack.cinder_url, "tcp://127.0.0.1:6789"):
        assert not port_open(url), url
    status = run_stack_command("status", timeout=60)
    assert status.returncode != 0

    up = run_stack_command("up", timeout=900)
    assert up.returncode == 0, up.stderr[-3000:]
    assert run_stack_command("status", timeout=60).returncode == 0
    cinder = connect(stack.admin_credentials).client
    volume = cinder.volumes.create(1, name=f"pytest-{uuid.uuid4().hex[:8]}", volume_type=stack.volume_type_rbd)
    try:
        wait_for_status(cinder.volumes.get, volume.id, "available")
    finally:
        cinder.volumes.delete(volume.id)
        wait_until_gone(cinder.volumes.get, volume.id)
    again = main_job()
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    assert "state was made for another stack" in again.stdout + again.stderr
    assert "VM removed, and its disk with it" in again.stdout
    # the main job and the engine it serves never print or log a password, a key or a token
    logs = Path(stack.env["OVIRT_STACK_DIR"]) / "log"
    texts = {"first main job": first.stdout + first.stderr, "second main job": again.stdout + again.stderr}
    texts |= {str(path): path.read_text(errors="replace") for path in [logs / "engine.log"] if path.exists()}
    assert texts_holding_secrets(stack, texts) == []
