"""The engine's own REST resources, one sub-module per resource."""
