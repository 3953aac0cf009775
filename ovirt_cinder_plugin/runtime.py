"""The plugin's state for one engine application: its provider service, its Cinder connections
and its disk operations, built on first use from the engine's ``services`` object.

Several engine applications may live in one process (tests, tools) and the plugin module is
shared by all of them, so the state is kept by each application's engine, registered under the
plugin's name (``services.extension``), never in this module.
"""

from __future__ import annotations

from ovirt_cinder_plugin.services.disks import DiskOperations
from ovirt_cinder_plugin.services.host_access import HostAccess
from ovirt_cinder_plugin.services.providers import ProviderService
from ovirt_engine_host.contract import PluginServices

EXTENSION_NAME = "cinder"


class PluginRuntime:
    def __init__(self, services: PluginServices) -> None:
        self.providers = ProviderService(services)
        self.disks = DiskOperations(self.providers)
        self.host_access = HostAccess(self.disks)


def runtime_for(services: PluginServices) -> PluginRuntime:
    runtime: PluginRuntime = services.extension(EXTENSION_NAME, lambda: PluginRuntime(services))
    return runtime
