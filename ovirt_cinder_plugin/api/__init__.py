"""The plugin's REST resources: OpenStack volume providers, their volume types and
authentication keys. JSON and XML come from the engine's Blueprint (``services.Blueprint``)."""
