"""Register Cinder in the stack's Keystone: the `service` project, Cinder's service user (roles
admin and service, so its token can act as a service token), and the `volumev3` and
`block-storage` catalog entries that cinderclient looks up.

Runs in the stack's Cinder environment (it has python-keystoneclient). Idempotent.
Environment: OS_AUTH_URL, OS_PASSWORD (Keystone's admin), CINDER_SERVICE_PASSWORD, CINDER_URL.
"""

from __future__ import annotations

import os
from typing import Any

from keystoneclient.v3 import client
from stack_admin import admin_session


def find_or_create(manager: Any, name: str, **fields: Any) -> Any:
    for item in manager.list():
        if item.name == name:
            return item
    return manager.create(name=name, **fields)


def main() -> None:
    keystone = client.Client(session=admin_session())
    service_project = find_or_create(keystone.projects, "service", domain="default")
    password = os.environ["CINDER_SERVICE_PASSWORD"]
    users = [u for u in keystone.users.list(domain="default") if u.name == "cinder"]
    if users:
        cinder_user = keystone.users.update(users[0], password=password)
    else:
        cinder_user = keystone.users.create(name="cinder", password=password, domain="default")
    for role_name in ("admin", "service"):
        role = find_or_create(keystone.roles, role_name)
        keystone.roles.grant(role, user=cinder_user, project=service_project)

    url = os.environ["CINDER_URL"] + "/%(project_id)s"
    for name, service_type in (("cinderv3", "volumev3"), ("cinder", "block-storage")):
        services = [s for s in keystone.services.list() if s.type == service_type]
        service = services[0] if services else keystone.services.create(name=name, type=service_type)
        for endpoint in keystone.endpoints.list(service=service):
            keystone.endpoints.delete(endpoint)
        for interface in ("public", "internal", "admin"):
            keystone.endpoints.create(service=service, url=url, interface=interface, region="RegionOne")
    print("registered:", [(s.name, s.type) for s in keystone.services.list()])


if __name__ == "__main__":
    main()
