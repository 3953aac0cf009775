"""``/api/templates``."""
