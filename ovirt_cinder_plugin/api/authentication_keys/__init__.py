"""``/api/openstackvolumeproviders/{id}/authenticationkeys`` (cephx keys,
write-only): ``routes`` (the thin views) and ``schemas``."""
