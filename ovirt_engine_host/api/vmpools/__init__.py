"""``/api/vmpools``, named after oVirt 3.6's XML elements: ``routes`` (the thin views) and
``schemas``."""
