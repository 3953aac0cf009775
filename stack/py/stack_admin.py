"""The stack's Keystone admin session, shared by the stack's helper scripts.

Environment: OS_AUTH_URL and OS_PASSWORD (Keystone's bootstrap admin, project admin).
"""

from __future__ import annotations

import os

from keystoneauth1 import session
from keystoneauth1.identity import v3


def admin_session(timeout: float = 30) -> session.Session:
    auth = v3.Password(
        auth_url=os.environ["OS_AUTH_URL"],
        username="admin",
        password=os.environ["OS_PASSWORD"],
        project_name="admin",
        user_domain_id="default",
        project_domain_id="default",
    )
    return session.Session(auth=auth, timeout=timeout)
