"""Which hook specs the engine really calls while the tests run (a pytest plugin, loaded by the
conftest): every plugin manager the engine builds (``create_app``) gets pluggy's hook-call
monitoring, and each test's calls are kept by its node id.

The records of a run are kept in pytest's cache, merged with those of earlier runs for tests
that still exist, so that ``tests/integration/test_every_hook_is_called.py`` can tell, after any
selection of tests, which specs no test makes the engine call. On a fresh clone (CI) the cache is
empty and the whole suite's own calls decide.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pluggy
import pytest

import ovirt_engine_host.app

CACHE_KEY = "ovirt/hookcalls"
REPO_ROOT = Path(__file__).resolve().parent.parent


class HookCallRecorder:
    name = "ovirt-hookcalls"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.current: set[str] | None = None
        self.this_run: dict[str, list[str]] = {}
        self._build = getattr(ovirt_engine_host.app, "build_plugin_manager")  # noqa: B009 - patched below

    def install(self) -> None:
        def build(*arguments: Any, **keywords: Any) -> pluggy.PluginManager:
            manager: pluggy.PluginManager = self._build(*arguments, **keywords)
            manager.add_hookcall_monitoring(self._before, self._after)
            return manager

        setattr(ovirt_engine_host.app, "build_plugin_manager", build)  # noqa: B010 - every app built in the tests

    def uninstall(self) -> None:
        setattr(ovirt_engine_host.app, "build_plugin_manager", self._build)  # noqa: B010

    def _before(self, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        if self.current is not None:
            self.current.add(hook_name)

    def _after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        pass

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.current = set()
        yield
        self.this_run[item.nodeid] = sorted(self.current)
        self.current = None

    def recorded(self) -> dict[str, list[str]]:
        """Earlier runs' records of tests whose file still exists, overlaid with this run's."""
        cache = getattr(self.config, "cache", None)  # None with -p no:cacheprovider
        cached: dict[str, list[str]] = cache.get(CACHE_KEY, {}) if cache is not None else {}
        alive = {nodeid: calls for nodeid, calls in cached.items() if (REPO_ROOT / nodeid.split("::")[0]).exists()}
        return {**alive, **self.this_run}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is not None:
            cache.set(CACHE_KEY, self.recorded())
        self.uninstall()


def pytest_configure(config: pytest.Config) -> None:
    recorder = HookCallRecorder(config)
    recorder.install()
    config.pluginmanager.register(recorder, HookCallRecorder.name)


def recorder_of(config: pytest.Config) -> HookCallRecorder:
    plugin = config.pluginmanager.get_plugin(HookCallRecorder.name)
    assert isinstance(plugin, HookCallRecorder)
    return plugin
