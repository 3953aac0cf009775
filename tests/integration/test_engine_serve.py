"""`ovirt-engine-host serve` (gunicorn) shows the plugin's resources in its OpenAPI document,
and does not when the plugin is not loaded: the contract really is a plugin boundary."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("ovirt-engine-host"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def openapi_paths(state_dir: Path, **env: str) -> set[str]:
    environment = {**os.environ, "OVIRT_ENGINE_STATE_DIR": str(state_dir), **env}
    subprocess.run([CLI, "db", "upgrade"], env=environment, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", "1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2) as answer:
                    return set(json.load(answer)["paths"])
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not answer: {server.stderr.read().decode() if server.stderr else ''}")
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_with_and_without_the_plugin(tmp_path: Path) -> None:
    with_plugin = openapi_paths(tmp_path / "with")
    assert "/api/openstackvolumeproviders" in with_plugin
    assert "/api/openstackvolumeproviders/{provider_id}/authenticationkeys" in with_plugin
    without = openapi_paths(tmp_path / "without", OVIRT_ENGINE_DISABLED_PLUGINS="cinder")
    assert "/api/datacenters" in without
    assert not {p for p in without if "openstack" in p}


def test_create_user_refuses_a_short_password(tmp_path: Path) -> None:
    environment = {**os.environ, "OVIRT_ENGINE_STATE_DIR": str(tmp_path)}
    subprocess.run([CLI, "db", "upgrade"], env=environment, check=True, capture_output=True)
    result = subprocess.run(
        [CLI, "create-user", "bob", "--password", "short"], env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "--password" in result.stderr
