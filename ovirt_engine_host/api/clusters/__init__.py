"""``/api/clusters``: clusters: ``routes`` (the thin views) and ``schemas`` (their marshmallow
schemas, named after oVirt 3.6's XML elements, and the ``cluster`` reference of hosts, VMs and
pools)."""
