"""``/api/hosts``: hypervisors driven through libvirt: ``routes`` (the thin views) and ``schemas``
(their marshmallow schemas, named after oVirt 3.6's XML elements)."""
