"""The real hook scripts as VDSM runs them (a process, ``_hook_domxml``, the custom property in the
environment), ``ovirt-cinder-vdsm-hooks install``, libvirt's schema on the result, and the rule
that the hypervisor side imports nothing but the standard library."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from ovirt_cinder_plugin.hostside import install
from tests.unit.test_hostside_rbd import (
    DISK_A,
    DISK_B,
    DISK_C,
    KEY,
    cinder_disks,
    connection_info,
    domain,
    placeholder,
    strings,
)

REPO = Path(__file__).resolve().parents[2]
HOOKS = ("before_vm_start", "before_disk_hotplug")
SCRIPTS = {hook: REPO / "vdsm_hooks" / hook / "50_cinder_rbd" for hook in HOOKS}
CONSOLE_SCRIPT = Path(sys.executable).parent / "ovirt-cinder-vdsm-hooks"


def run_script(
    script: Path,
    domxml: Path,
    property_text: str | None,
    *,
    interpreter: tuple[str, ...] = (sys.executable,),
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as VDSM does: its own environment, the XML file, the custom property."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "_hook_domxml": str(domxml), **(extra_env or {})}
    if property_text is not None:
        env["ovirt_cinder_disks"] = property_text
    return subprocess.run([*interpreter, str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)


def validate_domain(path: Path) -> None:
    """libvirt's own schema (``virt-xml-validate``, which runs ``xmllint``) accepts the domain."""
    for tool, package in (("virt-xml-validate", "libvirt-clients"), ("xmllint", "libxml2-utils")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install the Debian package {package} (apt-get install {package})")
    result = subprocess.run(
        ["virt-xml-validate", str(path), "domain"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def one_line(stream: str) -> str:
    assert stream.endswith("\n"), stream
    assert stream.count("\n") == 1, stream
    return stream


# --- the scripts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hook", HOOKS)
def test_the_scripts_are_executable_python3_scripts(hook: str) -> None:
    script = SCRIPTS[hook]
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert script.read_bytes().startswith(b"#!/usr/bin/python3\n")
    assert f"from ovirt_cinder_plugin.hostside.hook import {hook}_main" in script.read_text()


def test_before_vm_start_script_rewrites_the_domain(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    domxml.write_text(
        domain(
            placeholder(DISK_A, "vdb", extra="<boot order='2'/>"),
            placeholder(DISK_B, "vdc"),
            placeholder(DISK_C, "vdd", extra="<readonly/>"),
        )
    )
    property_text = cinder_disks(
        connection_info(DISK_A, keyring=KEY),
        connection_info(DISK_B, auth=False, discard=False),
        connection_info(DISK_C, hosts=["::1", "127.0.0.1"], ports=["6789", "3300"]),
    )

    result = run_script(SCRIPTS["before_vm_start"], domxml, property_text)

    assert result.returncode == 0, result.stderr
    assert one_line(result.stderr).startswith("50_cinder_rbd (before_vm_start): 3 Cinder disk(s) as RBD network disks:")
    written = domxml.read_bytes()
    assert KEY.encode() not in written
    assert KEY not in result.stderr + result.stdout
    root = etree.fromstring(written)
    assert strings(root, "//devices/disk[@type='network']/serial/text()") == [DISK_A, DISK_B, DISK_C]
    assert strings(root, "//devices/disk[@type='network']/source[@protocol='rbd']/host/@name") == [
        "127.0.0.1",
        "127.0.0.1",
        "::1",
        "127.0.0.1",
    ]
    assert strings(root, "//devices/disk[@type='network']/auth/@username") == ["cinder", "cinder"]
    validate_domain(domxml)

    again = run_script(SCRIPTS["before_vm_start"], domxml, property_text)
    assert again.returncode == 0, again.stderr
    assert domxml.read_bytes() == written


def test_before_disk_hotplug_script_rewrites_the_disk(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    address = "<address type='pci' domain='0x0000' bus='0x00' slot='0x09' function='0x0'/>"
    domxml.write_text(placeholder(DISK_B, "vdc", extra=address, indent=""))
    property_text = cinder_disks(connection_info(DISK_A), connection_info(DISK_B))

    result = run_script(SCRIPTS["before_disk_hotplug"], domxml, property_text)

    assert result.returncode == 0, result.stderr
    assert one_line(result.stderr) == (
        f"50_cinder_rbd (before_disk_hotplug): 1 Cinder disk(s) as RBD network disks: {DISK_B} (vdc)\n"
    )
    written = domxml.read_bytes()
    disk = etree.fromstring(written)
    assert disk.tag == "disk"
    assert disk.get("type") == "network"
    assert strings(disk, "source/@name") == [f"volumes/volume-{DISK_B}"]
    assert strings(disk, "address/@slot") == ["0x09"]
    # the disk is what libvirt accepts in a domain
    in_domain = tmp_path / "domain.xml"
    in_domain.write_text(domain(etree.tostring(disk, encoding="unicode") + "\n", others=""))
    validate_domain(in_domain)

    again = run_script(SCRIPTS["before_disk_hotplug"], domxml, property_text)
    assert again.returncode == 0, again.stderr
    assert domxml.read_bytes() == written


def test_hotplug_of_a_disk_that_is_not_a_cinder_disk(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    original = b"<disk type='file' device='disk'><source file='/x.img'/><target dev='vdz' bus='virtio'/></disk>"
    domxml.write_bytes(original)

    result = run_script(SCRIPTS["before_disk_hotplug"], domxml, cinder_disks(connection_info(DISK_A)))

    assert (result.returncode, result.stderr) == (0, "")
    assert domxml.read_bytes() == original


MALFORMED = {
    "not json": ("not json", domain(placeholder(DISK_A, "vdb")), "ovirt_cinder_disks is not JSON"),
    "not rbd": (
        cinder_disks(**{DISK_A: {**connection_info(DISK_A, keyring=KEY), "driver_volume_type": "iscsi"}}),
        domain(placeholder(DISK_A, "vdb")),
        "driver_volume_type is not 'rbd'",
    ),
    "bad port": (
        cinder_disks(connection_info(DISK_A, ports=["ceph"], key=KEY)),
        domain(placeholder(DISK_A, "vdb")),
        "data.ports[0] is not a port number 1-65535",
    ),
    "secret_uuid a key": (
        cinder_disks(connection_info(DISK_A, secret_uuid=KEY)),
        domain(placeholder(DISK_A, "vdb")),
        "data.secret_uuid is not a UUID",
    ),
    "xml does not parse": (
        cinder_disks(connection_info(DISK_A)),
        domain(placeholder(DISK_A, "vdb"))[:-30],
        "the XML does not parse",
    ),
    "doctype": (
        cinder_disks(connection_info(DISK_A)),
        '<!DOCTYPE domain [<!ENTITY x "y">]>' + domain(placeholder(DISK_A, "vdb")),
        "the XML has a DOCTYPE",
    ),
}


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_input_stops_vdsm_with_one_line(hook: str, case: str, tmp_path: Path) -> None:
    property_text, xml, reason = MALFORMED[case]
    domxml = tmp_path / "domxml"
    original = xml.encode()
    domxml.write_bytes(original)

    result = run_script(SCRIPTS[hook], domxml, property_text)

    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr).startswith(f"50_cinder_rbd ({hook}): ")
    assert reason in result.stderr
    assert KEY not in result.stderr + result.stdout
    assert domxml.read_bytes() == original


def test_a_disk_missing_from_the_domain_stops_vm_start(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    original = domain(placeholder(DISK_A, "vdb")).encode()
    domxml.write_bytes(original)

    result = run_script(
        SCRIPTS["before_vm_start"], domxml, cinder_disks(connection_info(DISK_A), connection_info(DISK_B))
    )

    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "50_cinder_rbd (before_vm_start): no placeholder drive (a <disk> with that <serial>) in the domain"
        f" for Cinder disk {DISK_B}\n"
    )
    assert domxml.read_bytes() == original


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("property_text", [None, "", "{}"])
def test_without_cinder_disks_the_package_is_not_even_needed(
    hook: str, property_text: str | None, tmp_path: Path
) -> None:
    domxml = tmp_path / "domxml"
    original = domain(placeholder(DISK_A, "vdb")).encode()
    domxml.write_bytes(original)

    # -S: no site-packages, so ovirt_cinder_plugin cannot be imported
    result = run_script(SCRIPTS[hook], domxml, property_text, interpreter=(sys.executable, "-S"))

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert domxml.read_bytes() == original


@pytest.mark.parametrize("hook", HOOKS)
def test_without_the_package_the_scripts_stop_vdsm(hook: str, tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    original = domain(placeholder(DISK_A, "vdb")).encode()
    domxml.write_bytes(original)

    result = run_script(
        SCRIPTS[hook], domxml, cinder_disks(connection_info(DISK_A)), interpreter=(sys.executable, "-S")
    )

    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"50_cinder_rbd ({hook}): cannot import ovirt_cinder_plugin.hostside with {sys.executable}")
    assert "No module named 'ovirt_cinder_plugin'" in line
    assert line.endswith("install ovirt-cinder-plugin on this host\n")
    assert domxml.read_bytes() == original


FAKE_HOOKING = '''
"""VDSM's hooking module, as far as the hooks use it, logging its calls."""
import os
from xml.dom import minidom


def _log(what):
    with open(os.environ["HOOKING_LOG"], "a") as log:
        log.write(what + "\\n")


def read_domxml():
    _log("read")
    with open(os.environ["_hook_domxml"], "rb") as f:
        return minidom.parseString(f.read().decode("utf-8"))


def write_domxml(domxml):
    _log("write")
    with open(os.environ["_hook_domxml"], "wb") as f:
        f.write(domxml.toxml(encoding="utf-8"))
'''


@pytest.mark.parametrize("hook", HOOKS)
def test_vdsm_hooking_is_used_when_vdsm_puts_it_on_pythonpath(hook: str, tmp_path: Path) -> None:
    vdsm_hook_dir = tmp_path / "vdsm" / "hook"
    vdsm_hook_dir.mkdir(parents=True)
    (vdsm_hook_dir / "hooking.py").write_text(FAKE_HOOKING)
    log = tmp_path / "hooking.log"
    domxml = tmp_path / "domxml"
    xml = domain(placeholder(DISK_A, "vdb")) if hook == "before_vm_start" else placeholder(DISK_A, "vdb", indent="")
    domxml.write_text(xml)

    result = run_script(
        SCRIPTS[hook],
        domxml,
        cinder_disks(connection_info(DISK_A)),
        extra_env={"PYTHONPATH": str(vdsm_hook_dir), "HOOKING_LOG": str(log)},
    )

    assert result.returncode == 0, result.stderr
    assert log.read_text() == "read\nwrite\n"
    assert strings(etree.fromstring(domxml.read_bytes()), "//source/@protocol") == ["rbd"]


# --- the hypervisor has only the standard library --------------------------------------------------


ISOLATED_CHECK = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])  # the checkout; everything else on sys.path is the standard library
    from ovirt_cinder_plugin.hostside import hook, install, rbd_disks
    code = hook.before_vm_start_main()
    install_code = install.main(["install", "--dry-run", "--prefix", os.environ["PREFIX"]])
    print(json.dumps({
        "code": code,
        "install_code": install_code,
        "path": sys.path,
        "top_level": sorted({name.partition(".")[0] for name in sys.modules}),
        "ours": sorted(name for name in sys.modules if name.startswith("ovirt_cinder_plugin")),
        "files": sorted({getattr(module, "__file__", None) or "" for module in list(sys.modules.values())}),
    }))
    """
)


def test_the_hypervisor_side_imports_only_the_standard_library(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    domxml.write_text(domain(placeholder(DISK_A, "vdb")))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "_hook_domxml": str(domxml),
        "ovirt_cinder_disks": cinder_disks(connection_info(DISK_A)),
        "PREFIX": str(tmp_path / "hooks"),
    }
    # -I: no PYTHONPATH, no user site, not the current directory; -S: no site-packages at all
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", ISOLATED_CHECK, str(REPO)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert (report["code"], report["install_code"]) == (0, 0)
    assert not [p for p in report["path"] if "-packages" in p]
    # _sysconfigdata_<platform> (for sysconfig) is in the standard library's directory, not in its list of names
    not_listed = {n for n in report["top_level"] if not n.startswith("_sysconfigdata_")} - sys.stdlib_module_names
    assert not_listed == {"__main__", "ovirt_cinder_plugin"}
    assert report["ours"] == [
        "ovirt_cinder_plugin",
        "ovirt_cinder_plugin.hostside",
        "ovirt_cinder_plugin.hostside.hook",
        "ovirt_cinder_plugin.hostside.install",
        "ovirt_cinder_plugin.hostside.rbd_disks",
    ]
    stdlib = Path(os.__file__).parent
    outside = [f for f in report["files"] if f and not Path(f).is_relative_to(stdlib)]
    assert sorted(Path(f).relative_to(REPO).as_posix() for f in outside) == [
        "ovirt_cinder_plugin/__init__.py",
        "ovirt_cinder_plugin/hostside/__init__.py",
        "ovirt_cinder_plugin/hostside/hook.py",
        "ovirt_cinder_plugin/hostside/install.py",
        "ovirt_cinder_plugin/hostside/rbd_disks.py",
    ]
    assert strings(etree.fromstring(domxml.read_bytes()), "//disk[serial=$s]/@type", s=DISK_A) == ["network"]


def test_the_hook_imports_neither_the_plugin_nor_heavy_modules(tmp_path: Path) -> None:
    domxml = tmp_path / "domxml"
    domxml.write_text(domain(placeholder(DISK_A, "vdb")))
    code = (
        "import sys; from ovirt_cinder_plugin.hostside import hook; assert hook.before_vm_start_main() == 0; "
        "print(' '.join(sorted(sys.modules)))"
    )
    env = {"_hook_domxml": str(domxml), "ovirt_cinder_disks": cinder_disks(connection_info(DISK_A))}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)

    loaded = set(result.stdout.split())
    assert not {"dataclasses", "typing", "inspect", "uuid", "argparse", "logging", "lxml"} & loaded
    assert not {name for name in loaded if name.startswith("ovirt_cinder_plugin.") and ".hostside" not in name}


# --- ovirt-cinder-vdsm-hooks install ------------------------------------------------------------------


def run_install(*arguments: str) -> subprocess.CompletedProcess[str]:
    if not CONSOLE_SCRIPT.exists():
        pytest.fail(f"{CONSOLE_SCRIPT} is missing: pip install -e . -c constraints.txt --no-deps")
    return subprocess.run([str(CONSOLE_SCRIPT), *arguments], capture_output=True, text=True, timeout=60, check=False)


def test_install_copies_both_scripts_into_the_prefix(tmp_path: Path) -> None:
    prefix = tmp_path / "libexec" / "vdsm" / "hooks"

    result = run_install("install", "--prefix", str(prefix))

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("installed ") == 2
    for hook in HOOKS:
        installed = prefix / hook / "50_cinder_rbd"
        assert stat.S_IMODE(installed.stat().st_mode) == 0o755
        first_line, _, body = installed.read_bytes().partition(b"\n")
        assert body == SCRIPTS[hook].read_bytes().partition(b"\n")[2]
        # the interpreter that has the package, as pip does for console scripts
        interpreter = Path(first_line.removeprefix(b"#!").decode())
        assert interpreter.is_absolute()
        assert os.access(interpreter, os.X_OK)
        assert sorted(p.name for p in installed.parent.iterdir()) == ["50_cinder_rbd"]

    # the installed script runs by itself (through its #! line) and finds the package
    domxml = tmp_path / "domxml"
    domxml.write_text(domain(placeholder(DISK_A, "vdb")))
    started = run_script(
        prefix / "before_vm_start" / "50_cinder_rbd", domxml, cinder_disks(connection_info(DISK_A)), interpreter=()
    )
    assert started.returncode == 0, started.stderr
    validate_domain(domxml)


def test_install_dry_run_changes_nothing(tmp_path: Path) -> None:
    prefix = tmp_path / "hooks"

    result = run_install("install", "--prefix", str(prefix), "--dry-run")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line, hook in zip(lines, HOOKS, strict=True):
        assert line.startswith(f"would install {SCRIPTS[hook]} -> {prefix / hook / '50_cinder_rbd'} (#!")
        assert line.endswith(", mode 0755)")
    assert not prefix.exists()


def test_install_over_an_older_copy_with_the_system_python(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = tmp_path / "hooks"
    (prefix / "before_vm_start").mkdir(parents=True)
    (prefix / "before_vm_start" / "50_cinder_rbd").write_text("#!/bin/sh\nexit 0\n")

    assert install.main(["install", "--prefix", str(prefix), "--python", "/usr/bin/python3"]) == 0

    for hook in HOOKS:
        installed = prefix / hook / "50_cinder_rbd"
        assert installed.read_bytes() == SCRIPTS[hook].read_bytes()  # the shipped #!/usr/bin/python3: a plain copy
        assert stat.S_IMODE(installed.stat().st_mode) == 0o755
        assert sorted(p.name for p in installed.parent.iterdir()) == ["50_cinder_rbd"]
    assert capsys.readouterr().out.count("#!/usr/bin/python3, mode 0755") == 2


def test_install_default_prefix_is_vdsms() -> None:
    arguments = install.build_parser().parse_args(["install"])
    assert arguments.prefix == Path("/usr/libexec/vdsm/hooks")
    assert arguments.python == sys.executable
    assert not arguments.dry_run


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--source", "{tmp}/nowhere"], "the hook scripts (before_vm_start/50_cinder_rbd and"),
        (["--python", "python3"], "the interpreter must be an absolute path without spaces"),
    ],
)
def test_install_refuses(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["install", "--prefix", str(tmp_path / "hooks"), *(a.format(tmp=tmp_path) for a in arguments)]

    assert install.main(argv) == 1

    assert message in one_line(capsys.readouterr().err)
    assert not (tmp_path / "hooks").exists()


def test_install_finds_the_scripts_in_the_data_files_of_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a package installed into site-packages (no checkout around it), its data files where pip puts
    # [options.data_files]: <prefix>/share/ovirt-cinder-plugin/vdsm_hooks
    site_packages = tmp_path / "lib" / "python3" / "site-packages"
    monkeypatch.setattr(install, "__file__", str(site_packages / "ovirt_cinder_plugin" / "hostside" / "install.py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    data = tmp_path / "share" / "ovirt-cinder-plugin" / "vdsm_hooks"
    with pytest.raises(install.InstallError, match="are not in"):
        install.find_scripts()
    for hook in HOOKS:
        (data / hook).mkdir(parents=True)
        shutil.copy(SCRIPTS[hook], data / hook / "50_cinder_rbd")

    assert install.find_scripts() == data
    assert install.script_sources()[0] == site_packages / "vdsm_hooks"
