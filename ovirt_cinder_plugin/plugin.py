"""The plugin module the engine loads from the ``ovirt_engine.plugins`` entry point.

Hook implementations live here (and only here): they translate the engine's objects into calls
of the plugin's service layer. The hook specifications belong to the engine.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "ovirt_engine"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
