"""The engine's built-in permissions plugin: the rule that decides when no installed plugin has
an opinion (as datasette ships its default permissions as a plugin of its own). Registered
first, so that it answers last (pluggy asks the latest registration first)."""

from __future__ import annotations

from ovirt_engine_host.contract import Permission, UserView, hookimpl

OWNED_TYPES = frozenset({"disk", "vm", "job"})
"""Objects a user creates and then owns: he sees and changes only his own."""
OPEN_TYPES = frozenset({"api"})
"""What every user may use whatever the action (the API's front door)."""


@hookimpl
def ovirt_engine_permission(user: UserView, action: str, object_type: str) -> Permission:
    if user.administrator or object_type in OPEN_TYPES:
        return "allow"
    if object_type in OWNED_TYPES:
        return "own"
    if object_type == "vm_pool" and action == "operate":
        return "allow"  # a pool is where a user takes a VM (allocatevm)
    return "allow" if action == "read" else "deny"
