"""oVirt's SSO endpoints, outside ``/api`` as in oVirt: ``routes`` (the token endpoint and the
logout, on a plain Flask blueprint) and ``schemas`` (their form fields)."""
