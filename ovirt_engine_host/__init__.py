"""The reference engine: the host that the Cinder plugin is installed into.

It owns the plugin contract (the pluggy hook specifications, project name ``ovirt_engine``),
the engine's entities and REST API, the command coordinator and the host agent.
"""

PLUGIN_ENTRY_POINT_GROUP = "ovirt_engine.plugins"
