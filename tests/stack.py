"""The local stack as the tests see it: brought up (or reused) once per session through
``stack/up``, described by the variables ``stack/env`` prints."""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ovirt_cinder_plugin.cinder.connection import CinderCredentials

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_BIN = REPO_ROOT / "stack"


class StackUnavailable(RuntimeError):
    """stack/up could not bring the stack up; the message carries the end of its output."""


def run_stack_command(name: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(STACK_BIN / name)], capture_output=True, text=True, timeout=timeout, check=False)


def parse_exports(text: str) -> dict[str, str]:
    """The variables of ``export NAME=VALUE`` lines (values shell-quoted, as printf %q writes)."""
    variables: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            variables[name] = value
    return variables


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]

    @property
    def keystone_url(self) -> str:
        return self.env["OS_AUTH_URL"]

    @property
    def cinder_url(self) -> str:
        return self.env["OVIRT_STACK_CINDER_URL"]

    @property
    def admin_credentials(self) -> CinderCredentials:
        return CinderCredentials(
            url=self.cinder_url,
            auth_url=self.keystone_url,
            username=self.env["OS_USERNAME"],
            password=self.env["OS_PASSWORD"],
            project_name=self.env["OS_PROJECT_NAME"],
            user_domain_name=self.env["OS_USER_DOMAIN_NAME"],
            project_domain_name=self.env["OS_PROJECT_DOMAIN_NAME"],
        )

    @property
    def ceph_conf(self) -> str:
        return self.env["CEPH_CONF"]

    @property
    def ceph_user(self) -> str:
        return self.env["OVIRT_STACK_CEPH_USER"]

    @property
    def ceph_keyring(self) -> str:
        return self.env["OVIRT_STACK_CEPH_KEYRING"]

    @property
    def ceph_pool(self) -> str:
        return self.env["OVIRT_STACK_CEPH_POOL"]

    @property
    def libvirt_uri(self) -> str:
        return self.env["LIBVIRT_DEFAULT_URI"]

    @property
    def volume_type_rbd(self) -> str:
        return self.env["OVIRT_STACK_VOLUME_TYPE_RBD"]

    @property
    def volume_type_fake(self) -> str:
        return self.env["OVIRT_STACK_VOLUME_TYPE_FAKE"]


def bring_up() -> Stack:
    """Reuse the running stack or start it (stack/up is idempotent: seconds when it runs)."""
    up = run_stack_command("up")
    if up.returncode != 0:
        tail = "\n".join((up.stdout + up.stderr).splitlines()[-25:])
        raise StackUnavailable(f"stack/up failed (exit {up.returncode}); its last lines:\n{tail}")
    env = run_stack_command("env", timeout=60)
    if env.returncode != 0:
        raise StackUnavailable(f"stack/env failed: {env.stderr.strip()}")
    return Stack(parse_exports(env.stdout))
