"""The distribution is wired as the engine expects: entry point, console script, .venv."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from importlib.metadata import entry_points

from click.testing import CliRunner

from ovirt_engine_host import PLUGIN_ENTRY_POINT_GROUP
from ovirt_engine_host.cli import main


def test_the_plugin_is_found_through_its_entry_point() -> None:
    found = {ep.name: ep for ep in entry_points(group=PLUGIN_ENTRY_POINT_GROUP)}
    assert "cinder" in found
    module = found["cinder"].load()
    assert module.__name__ == "ovirt_cinder_plugin.plugin"
    assert module.hookimpl.project_name == "ovirt_engine"


def test_the_plugin_loads_nothing_of_the_engine_but_the_contract() -> None:
    code = (
        "import sys, ovirt_cinder_plugin.plugin, ovirt_cinder_plugin.api.providers.routes; "
        "print(sorted(m for m in sys.modules if m.startswith('ovirt_engine_host')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['ovirt_engine_host', 'ovirt_engine_host.contract']"


def test_console_script_lists_the_cinder_plugin() -> None:
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("cinder\tovirt_cinder_plugin.plugin\t(ovirt-cinder-plugin)")


def test_debian_bindings_are_importable_without_debian_site_packages() -> None:
    for module in ("rados", "rbd", "libvirt"):
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        assert spec.origin is not None, module
        assert "/debian-bindings/" in spec.origin, spec.origin
    assert not [p for p in sys.path if p.rstrip("/").endswith("dist-packages")]
    # something Debian ships in dist-packages but .venv does not install
    assert importlib.util.find_spec("apt_pkg") is None


def test_cinder_itself_stays_out_of_the_project_environment() -> None:
    for module in ("cinder", "oslo_config", "oslo_messaging", "eventlet"):
        assert importlib.util.find_spec(module) is None, module
