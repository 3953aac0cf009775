"""The engine's built-in permissions plugin: the rule that decides when no installed plugin has
an opinion (as datasette ships its default permissions as a plugin of its own). Registered
first, so that it answers last (pluggy asks the latest registration first).

The facts come from the permissions (roles given on objects, inherited down the tree): this
rule only says what they mean: an action group a role of his holds on the object (or above it)
is allowed, whether or not he sees the object (PowerUserRole on a data center lets him put disks
on its domains without listing them); what a user may not see is hidden (404, no existence leak),
except an administrative object (a provider, a host, a user), refused (403) to whoever holds no
administrative role; a ``read`` of what he sees is allowed; any other action group is allowed
exactly where a role of his holds it."""

from __future__ import annotations

from ovirt_engine_host.contract import AccessFacts, AccessTarget, Decision, UserView, hookimpl


@hookimpl
def ovirt_engine_permission(user: UserView, action_group: str, target: AccessTarget, facts: AccessFacts) -> Decision:
    if action_group != "read" and facts.granted:
        return "allow"  # a role holding the group reaches it: he may use it, seen or not
    if not facts.visible:
        return "deny" if target.administrative and not user.administrator else "hide"
    return "allow" if action_group == "read" else "deny"
