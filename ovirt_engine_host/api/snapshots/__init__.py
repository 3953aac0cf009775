"""``/api/vms/{id}/snapshots`` and the VM's snapshot actions: ``routes`` (the thin views) and
``schemas`` (their marshmallow schemas, named after oVirt 3.6's XML elements)."""
