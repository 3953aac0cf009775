"""The plugin's state for one engine application: its provider service, its Cinder connections
and its disk operations, built on first use from the engine's ``services`` object.

Several engine applications may live in one process (tests, tools); the plugin module is shared
by all of them, so nothing is kept in module globals but this registry, keyed by the identity of
each application's ``services`` and dropped with it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ovirt_cinder_plugin.connections import ConnectionCache
from ovirt_cinder_plugin.disks import DiskOperations
from ovirt_cinder_plugin.host_access import HostAccess
from ovirt_cinder_plugin.providers import ProviderService

_RUNTIMES: dict[int, PluginRuntime] = {}
_LOCK = threading.Lock()


class PluginRuntime:
    def __init__(self, services: Any) -> None:
        self.providers = ProviderService(services)
        self.disks = DiskOperations(self.providers)
        self.host_access = HostAccess(self.disks)


def runtime_for(services: Any) -> PluginRuntime:
    key = id(services)
    with _LOCK:
        runtime = _RUNTIMES.get(key)
        if runtime is None:
            runtime = _RUNTIMES[key] = PluginRuntime(services)
            weakref.finalize(services, _RUNTIMES.pop, key, None)
        return runtime


__all__ = ["ConnectionCache", "PluginRuntime", "runtime_for"]
