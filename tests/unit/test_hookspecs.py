"""The plugin contract holds: every hook spec is documented (its docstring, and docs/hookspecs.md
generated from the contract without drift), pluggy accepts the specs and dispatches storage hooks
by storage-domain type, the Cinder plugin implements only specified hooks and imports nothing of
the engine but the contract. (That the engine calls every spec in some test is checked by
tests/integration/test_every_hook_is_called.py, from the calls the tests really made.)"""

from __future__ import annotations

import ast
import inspect
import re
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy
import pytest

import ovirt_cinder_plugin.plugin
from ovirt_engine_host import contract, contract_docs
from tests.storage_types import storage_type

PROJECT_NAME = "ovirt_engine"
SPEC_ATTRIBUTE = f"{PROJECT_NAME}_spec"
IMPL_ATTRIBUTE = f"{PROJECT_NAME}_impl"

TESTS_ROOT = Path(__file__).resolve().parents[1]
HOOKSPECS_DOC = TESTS_ROOT.parent / "docs" / "hookspecs.md"

# The hooks every plugin answers (registries and notifications); all others dispatch by type.
COLLECTING_HOOKS = {
    "ovirt_engine_storage_domain_types",
    "ovirt_engine_register_rest",
    "ovirt_engine_register_access",
    "ovirt_engine_db_metadata",
    "ovirt_engine_migrations",
    "ovirt_engine_host_secrets",
}

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


def hook_specs(module: types.ModuleType) -> dict[str, Callable[..., Any]]:
    """The functions of ``module`` that carry the ``ovirt_engine`` hookspec marker, by name."""
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isfunction(value) and hasattr(value, SPEC_ATTRIBUTE)
    }


def implemented_hook_names(plugin: object) -> set[str]:
    """The hooks ``plugin`` implements (what ``pm.register(plugin)`` would register)."""
    names = set()
    for attribute in dir(plugin):
        options = getattr(getattr(plugin, attribute, None), IMPL_ATTRIBUTE, None)
        if isinstance(options, dict):
            names.add(options.get("specname") or attribute)
    return names


def documented_hook_names() -> list[str]:
    return re.findall(r"^## `([^`]+)`\s*$", HOOKSPECS_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)


SPECS = hook_specs(contract)


def is_firstresult(name: str) -> bool:
    return bool(getattr(SPECS[name], SPEC_ATTRIBUTE)["firstresult"])


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(contract)
    return pm


# ---------------------------------------------------------------------------------------------
# The specs and their documentation
# ---------------------------------------------------------------------------------------------


def test_the_module_declares_the_contract() -> None:
    assert contract.hookspec.project_name == PROJECT_NAME
    assert len(SPECS) >= 12
    assert all(name.startswith(f"{PROJECT_NAME}_") for name in SPECS)
    unmarked = [
        name for name, value in vars(contract).items() if name.startswith(f"{PROJECT_NAME}_") and name not in SPECS
    ]
    assert unmarked == [], "functions named like hooks but not marked @hookspec"


def test_importing_the_specs_builds_no_plugin_manager() -> None:
    assert not [name for name, value in vars(contract).items() if isinstance(value, pluggy.PluginManager)]


def test_storage_hooks_are_firstresult_and_registries_collect() -> None:
    assert SPECS.keys() >= COLLECTING_HOOKS
    assert {name for name in SPECS if not is_firstresult(name)} == COLLECTING_HOOKS


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_docstring_documents_parameters_return_and_when(name: str) -> None:
    spec = SPECS[name]
    doc = inspect.getdoc(spec) or ""
    assert doc, f"{name} has no docstring"
    undocumented = [p for p in inspect.signature(spec).parameters if f":param {p}:" not in doc]
    assert undocumented == [], f"{name}: parameters without ':param <name>:'"
    documented = set(re.findall(r":param (\w+):", doc))
    assert documented <= set(inspect.signature(spec).parameters), f"{name} documents parameters it does not take"
    assert ":return:" in doc
    assert "**When**:" in doc
    assert ".. versionadded::" in doc
    if is_firstresult(name):
        assert "first non-None" in doc
    else:
        assert "not firstresult" in doc.lower()


def test_every_spec_has_a_docs_section() -> None:
    missing = sorted(set(SPECS) - set(documented_hook_names()))
    assert missing == [], f"add a '## `<name>`' section to {HOOKSPECS_DOC.name}"


def test_the_committed_reference_is_what_the_contract_renders() -> None:
    assert HOOKSPECS_DOC.read_text(encoding="utf-8") == contract_docs.render(), (
        "docs/hookspecs.md drifted from ovirt_engine_host/contract.py: run python -m ovirt_engine_host.contract_docs"
    )


def test_docs_document_no_hook_that_does_not_exist() -> None:
    documented = documented_hook_names()
    assert sorted(set(documented) - set(SPECS)) == []
    assert len(documented) == len(set(documented)), "a hook has two sections"


# ---------------------------------------------------------------------------------------------
# pluggy accepts the specs and dispatches by storage-domain type
# ---------------------------------------------------------------------------------------------


class TypedStoragePlugin:
    """A tiny plugin serving one storage-domain type, as a real plugin would."""

    def __init__(self, domain_type: str, calls: list[str]) -> None:
        self.domain_type = domain_type
        self.calls = calls

    @hookimpl
    def ovirt_engine_storage_domain_types(self) -> list[dict[str, Any]]:
        return [storage_type(self.domain_type)]

    @hookimpl
    def ovirt_engine_create_disk(self, storage_domain: Any, disk: Any) -> dict[str, str] | None:
        self.calls.append(self.domain_type)
        if storage_domain.type != self.domain_type:
            return None
        return {"backend_id": f"{self.domain_type}-volume", "kind": "create_disk", "request_id": disk.id}

    # Fewer arguments than the spec (no ``request``): pluggy passes only what is asked for.
    @hookimpl
    def ovirt_engine_check_quota(self, storage_domain: Any) -> dict[str, Any] | None:
        if storage_domain.type != self.domain_type:
            return None
        return {"allowed": True, "limit": None, "message": None, "in_use": None, "requested": None, "maximum": None}


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def pm(calls: list[str]) -> pluggy.PluginManager:
    manager = new_plugin_manager()
    manager.register(TypedStoragePlugin("cinder", calls), name="cinder")
    manager.register(TypedStoragePlugin("other", calls), name="other")
    manager.check_pending()
    return manager


def domain(domain_type: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(id="sd-1", type=domain_type, backend_ref="provider-1", data_center_id="dc-1")


def test_an_implementation_may_take_fewer_arguments(pm: pluggy.PluginManager) -> None:
    quota_request = types.SimpleNamespace(operation="create", size_delta=1 << 30, volume_type=None, count=1)
    verdict = pm.hook.ovirt_engine_check_quota(storage_domain=domain("cinder"), request=quota_request, services=None)
    assert verdict is not None
    assert verdict["allowed"] is True


@pytest.mark.parametrize("domain_type", ["cinder", "other"])
def test_storage_hooks_dispatch_by_storage_domain_type(
    pm: pluggy.PluginManager, calls: list[str], domain_type: str
) -> None:
    disk = types.SimpleNamespace(id="disk-1", name="d", provisioned_size=1 << 30)
    handle = pm.hook.ovirt_engine_create_disk(
        storage_domain=domain(domain_type), disk=disk, resuming=False, services=None
    )
    assert handle == {"backend_id": f"{domain_type}-volume", "kind": "create_disk", "request_id": "disk-1"}
    # pluggy asks the last registered plugin first: "other" declines a cinder domain with None,
    # and "cinder" is never asked about an "other" domain (the first non-None result wins).
    assert calls == (["other", "cinder"] if domain_type == "cinder" else ["other"])


def test_a_type_nobody_serves_gets_none(pm: pluggy.PluginManager, calls: list[str]) -> None:
    disk = types.SimpleNamespace(id="disk-1")
    assert (
        pm.hook.ovirt_engine_create_disk(storage_domain=domain("nfs"), disk=disk, resuming=False, services=None) is None
    )
    assert sorted(calls) == ["cinder", "other"]


def test_the_registry_hook_collects_every_plugin(pm: pluggy.PluginManager) -> None:
    registered = [t["name"] for types_ in pm.hook.ovirt_engine_storage_domain_types() for t in types_]
    assert sorted(registered) == ["cinder", "other"]


def test_an_implementation_asking_for_an_unknown_argument_is_refused() -> None:
    class Mistaken:
        @hookimpl
        def ovirt_engine_create_disk(self, storage_domain: Any, volume: Any) -> None:
            return None

    with pytest.raises(pluggy.PluginValidationError):
        new_plugin_manager().register(Mistaken())


def test_the_cinder_plugin_implements_only_specified_hooks() -> None:
    pm = new_plugin_manager()
    pm.register(ovirt_cinder_plugin.plugin, name="cinder")
    pm.check_pending()
    assert implemented_hook_names(ovirt_cinder_plugin.plugin) <= SPECS.keys()


# ---------------------------------------------------------------------------------------------
# The plugin sees only the contract
# ---------------------------------------------------------------------------------------------

PLUGIN_ROOT = TESTS_ROOT.parent / "ovirt_cinder_plugin"


def engine_imports(path: Path) -> list[str]:
    """The ``ovirt_engine_host`` modules a source file imports (at any depth of the file)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "ovirt_engine_host"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ovirt_engine_host":
            found += (
                [node.module]
                if node.module != "ovirt_engine_host"
                else [f"ovirt_engine_host.{a.name}" for a in node.names]
            )
    return found


def test_the_plugin_imports_nothing_of_the_engine_but_the_contract() -> None:
    modules = sorted(PLUGIN_ROOT.rglob("*.py"))
    assert len(modules) > 20
    foreign = {
        str(p.relative_to(PLUGIN_ROOT)): m
        for p in modules
        for m in engine_imports(p)
        if m != "ovirt_engine_host.contract"
    }
    assert foreign == {}


def test_the_import_check_sees_engine_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    lines = [
        "import ovirt_engine_host.db",
        "from ovirt_engine_host import app",
        "from ovirt_engine_host.contract import x",
    ]
    source.write_text("\n".join(lines))
    assert engine_imports(source) == ["ovirt_engine_host.db", "ovirt_engine_host.app", "ovirt_engine_host.contract"]
