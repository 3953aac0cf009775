"""``/api/openstackvolumeproviders``: ``routes`` (the thin views) and ``schemas``."""
