"""Who the engine's users are and what they may do: authentication (HTTP Basic and SSO tokens),
roles and action groups, permissions on objects with inheritance, groups, and the audit log."""
