"""The engine's layers: every import arrow points down.

From the top: the application (``app``) and the generators that build one (``openapi_document``,
``access.docs``); the API layer (``api.*``, ``rest``, ``openapi``, the XML ``representation``);
then the service layer and what it stands on (services, commands, monitors, the host agent,
access rules, models, state, the plugins' facade and manager, the contract). A view calls the
services; a service never reaches back into a view, a schema, the REST plumbing or the app.

The imports are read with ``ast`` from the package's files: every ``import`` at any depth of a
file (inside functions, and under ``TYPE_CHECKING``: an arrow is an arrow), followed through the
package's modules, so that a rule also holds for what a module reaches through another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import ovirt_engine_host

PACKAGE = "ovirt_engine_host"
PACKAGE_ROOT = Path(ovirt_engine_host.__file__).resolve().parent

API_LAYER = (
    f"{PACKAGE}.api",
    f"{PACKAGE}.rest",
    f"{PACKAGE}.openapi",
    f"{PACKAGE}.representation",
    f"{PACKAGE}.app",
    f"{PACKAGE}.openapi_document",
)
"""What the service layer never imports: the API layer, and the application above it."""
BELOW_THE_API = (
    f"{PACKAGE}.services",
    f"{PACKAGE}.commands",
    f"{PACKAGE}.monitoring",
    f"{PACKAGE}.hostagent",
    f"{PACKAGE}.access",
    f"{PACKAGE}.db",
    f"{PACKAGE}.state",
    f"{PACKAGE}.plugin_services",
    f"{PACKAGE}.plugins",
    f"{PACKAGE}.contract",  # and contract_docs, contract_*: see below_the_api()
    f"{PACKAGE}.references",
    f"{PACKAGE}.errors",
    f"{PACKAGE}.config",
    f"{PACKAGE}.database",
    f"{PACKAGE}.security",
    f"{PACKAGE}.listing",
    f"{PACKAGE}.default_permissions",
    f"{PACKAGE}.xml_text",
    f"{PACKAGE}.authorization",
)
"""What reaches nothing of :data:`API_LAYER`. Besides the service layer and what it stands on:
``listing``, ``xml_text`` and ``authorization``, which ``rest`` and the views build on, and the
built-in ``default_permissions`` plugin."""
GENERATORS = frozenset({f"{PACKAGE}.access.docs"})
"""Scripts that write a document from a throw-away application: they stand above the app."""

AUTHORIZATION = f"{PACKAGE}.authorization"
AUTHORIZATION_EXCEPTIONS = {
    # An after-request hook, run in the request like the permission check: it names the object
    # of a change from the view's declared action, which authorization reads from the view.
    f"{PACKAGE}.access.audit": "reads the view's declared action",
}
"""``authorization`` is the request's permission check, for ``rest`` and the views: below the
API (the services, the state, the plugins' facade…) only these modules import it, for the
reason given."""

ROUTES = "routes"


def module_names() -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(module: str, path: Path) -> set[str]:
    """What a file imports, at any depth: ``from a.b import c`` gives ``a.b`` and ``a.b.c``
    (``c`` may be a module); relative imports are resolved against the module's package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_names()
    return {
        module: {name for name in imported_names(module, path) if name in modules and name != module}
        for module, path in modules.items()
    }


GRAPH = import_graph()


def within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def below_the_api(module: str) -> bool:
    return module not in GENERATORS and (within(module, BELOW_THE_API) or module.startswith(f"{PACKAGE}.contract"))


def reached(module: str, graph: Mapping[str, set[str]] = GRAPH) -> dict[str, list[str]]:
    """Every module ``module`` imports, directly or through others, with one path to it."""
    paths = {module: [module]}
    pending = [module]
    while pending:
        current = pending.pop()
        for target in sorted(graph[current]):
            if target not in paths:
                paths[target] = [*paths[current], target]
                pending.append(target)
    del paths[module]
    return paths


def arrows(paths: Mapping[str, list[str]], wrong: Iterable[str]) -> list[str]:
    return sorted(" -> ".join(path) for target, path in paths.items() if target in set(wrong))


def resource_of_routes(module: str) -> str | None:
    """``api.<resource>.routes`` -> ``<resource>``, else None."""
    parts = module.split(".")
    if len(parts) == 4 and parts[:2] == [PACKAGE, "api"] and parts[3] == ROUTES:
        return parts[2]
    return None


LOWER = sorted(m for m in GRAPH if below_the_api(m))
API_LAYER_MODULES = sorted(m for m in GRAPH if within(m, API_LAYER))
ROUTES_MODULES = sorted(m for m in GRAPH if resource_of_routes(m))
REPRESENTATIONS = sorted(m for m in GRAPH if within(m, [f"{PACKAGE}.representation"]))


@pytest.mark.parametrize("module", LOWER)
def test_below_the_api_nothing_imports_the_api_or_the_app(module: str) -> None:
    wrong = arrows(reached(module), API_LAYER_MODULES)
    assert not wrong, "arrows pointing up:\n" + "\n".join(wrong)


@pytest.mark.parametrize("module", [m for m in LOWER if m != AUTHORIZATION])
def test_below_the_api_only_the_listed_modules_import_authorization(module: str) -> None:
    if module in AUTHORIZATION_EXCEPTIONS:
        assert AUTHORIZATION in GRAPH[module], f"{module} no longer imports authorization: drop its exception"
        return
    wrong = arrows(reached(module), [AUTHORIZATION])
    assert not wrong, "the request's permission check, below the API:\n" + "\n".join(wrong)


@pytest.mark.parametrize("module", ROUTES_MODULES)
def test_a_resources_routes_import_no_other_resources_routes(module: str) -> None:
    others = [m for m in ROUTES_MODULES if m != module]
    wrong = arrows(reached(module), others)
    assert not wrong, "another resource's routes (share through api/shared.py):\n" + "\n".join(wrong)


@pytest.mark.parametrize("module", REPRESENTATIONS)
def test_representations_import_no_views(module: str) -> None:
    wrong = arrows(reached(module), ROUTES_MODULES)
    assert not wrong, "views, from a representation:\n" + "\n".join(wrong)


def circle_through(module: str) -> str | None:
    """A circle of imports from ``module`` back to itself, or None."""
    for target in sorted(GRAPH[module]):
        back = reached(target).get(module)
        if back:
            return " -> ".join([module, target, *back[1:]])
    return None


def test_the_engine_modules_import_one_another_without_a_circle() -> None:
    circles = [circle for circle in map(circle_through, sorted(GRAPH)) if circle]
    assert not circles, "\n".join(circles)


# ---------------------------------------------------------------------------------------------
# The rules see what they claim to see
# ---------------------------------------------------------------------------------------------


def test_the_layers_hold_the_modules_they_name() -> None:
    assert {
        f"{PACKAGE}.services.disks",
        f"{PACKAGE}.commands.coordinator",
        f"{PACKAGE}.monitoring.monitor",
        f"{PACKAGE}.hostagent.agent",
        f"{PACKAGE}.access.audit",
        f"{PACKAGE}.db.models",
        f"{PACKAGE}.state",
        f"{PACKAGE}.plugin_services",
        f"{PACKAGE}.contract",
        f"{PACKAGE}.contract_docs",
    } <= set(LOWER)
    assert f"{PACKAGE}.access.docs" not in LOWER
    assert {f"{PACKAGE}.api.disks.routes", f"{PACKAGE}.api.vms.routes"} <= set(ROUTES_MODULES)
    assert f"{PACKAGE}.representation.xml" in REPRESENTATIONS
    assert {f"{PACKAGE}.rest", f"{PACKAGE}.openapi", f"{PACKAGE}.app"} <= set(API_LAYER_MODULES)


def test_the_graph_holds_the_arrows_the_package_has() -> None:
    assert f"{PACKAGE}.api.disks.routes" in GRAPH[f"{PACKAGE}.app"]  # from ovirt_engine_host.api.disks import routes
    assert f"{PACKAGE}.rest" in GRAPH[f"{PACKAGE}.app"]  # from ovirt_engine_host import ..., rest
    assert f"{PACKAGE}.app" in GRAPH[f"{PACKAGE}.cli"]  # imported inside a function
    assert f"{PACKAGE}.representation.schema" in GRAPH[f"{PACKAGE}.representation.xml"]  # relative


def test_the_check_finds_an_arrow_through_another_module() -> None:
    graph = {"low": {"middle"}, "middle": {"high"}, "high": set()}
    assert arrows(reached("low", graph), ["high"]) == ["low -> middle -> high"]


def test_the_parser_sees_every_form_of_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    source = package / "mod.py"
    source.write_text(
        "import a.b\n"
        "from c import d\n"
        "from . import sibling\n"
        "from .other import name\n"
        "def later():\n"
        "    import e\n"
        "if TYPE_CHECKING:\n"
        "    from f import g\n"
    )
    assert imported_names("pkg.mod", source) == {
        "a.b", "c", "c.d", "pkg", "pkg.sibling", "pkg.other", "pkg.other.name", "e", "f", "f.g"
    }  # fmt: skip
