"""``/api/events``: the audit log: ``routes`` (the thin views) and ``schemas`` (their
marshmallow schemas, named after oVirt 3.6's XML elements)."""
