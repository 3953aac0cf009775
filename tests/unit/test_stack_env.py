"""stack/env prints every variable the tests and users rely on, as valid shell."""

from __future__ import annotations

import subprocess

from tests.stack import STACK_BIN, parse_exports

EXPECTED = {
    "OS_AUTH_URL",
    "OS_USERNAME",
    "OS_PASSWORD",
    "OS_PROJECT_NAME",
    "OS_USER_DOMAIN_NAME",
    "OS_PROJECT_DOMAIN_NAME",
    "OVIRT_STACK_CINDER_URL",
    "CEPH_CONF",
    "OVIRT_STACK_CEPH_KEYRING",
    "OVIRT_STACK_CEPH_USER",
    "OVIRT_STACK_CEPH_POOL",
    "LIBVIRT_DEFAULT_URI",
    "OVIRT_STACK_VOLUME_TYPE_RBD",
    "OVIRT_STACK_VOLUME_TYPE_FAKE",
}


def test_env_prints_export_lines_that_a_shell_accepts() -> None:
    printed = subprocess.run([str(STACK_BIN / "env")], capture_output=True, text=True, check=True).stdout
    variables = parse_exports(printed)
    assert set(variables) >= EXPECTED
    assert variables["OS_AUTH_URL"].startswith("http://127.0.0.1:")
    assert variables["LIBVIRT_DEFAULT_URI"] == "qemu:///system"
    echoed = subprocess.run(
        ["bash", "-c", f'{printed}\nprintf "%s\\n" "$CEPH_CONF" "$OS_PASSWORD"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert echoed == [variables["CEPH_CONF"], variables["OS_PASSWORD"]]


def test_parse_exports_reads_quoted_values() -> None:
    assert parse_exports("export A=plain\nexport B=with\\ space\nnot a line\n") == {"A": "plain", "B": "with space"}
