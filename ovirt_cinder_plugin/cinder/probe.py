"""Check that a Cinder answers for a set of credentials, and show what it offers.

Reads the standard OpenStack variables (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME) and, for the Cinder endpoint,
OVIRT_STACK_CINDER_URL or OS_VOLUME_URL (empty: Keystone's catalog). Prints the negotiated
microversion and the volume types; exits 1 with the reason when Keystone or Cinder refuse.

Example:  eval "$(stack/env)"; python -m ovirt_cinder_plugin.cinder.probe
"""

from __future__ import annotations

import os
import sys

from ovirt_cinder_plugin.cinder.calls import boundary
from ovirt_cinder_plugin.cinder.connection import CinderCredentials, connect
from ovirt_cinder_plugin.cinder.errors import CinderError
from ovirt_cinder_plugin.cinder.volume_types import list_volume_types


@boundary
def credentials_from_environment(env: dict[str, str]) -> CinderCredentials:
    return CinderCredentials(
        url=env.get("OVIRT_STACK_CINDER_URL") or env.get("OS_VOLUME_URL", ""),
        auth_url=env.get("OS_AUTH_URL", ""),
        username=env.get("OS_USERNAME", ""),
        password=env.get("OS_PASSWORD", ""),
        project_name=env.get("OS_PROJECT_NAME", ""),
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
    )


@boundary
def main() -> int:
    credentials = credentials_from_environment(dict(os.environ))
    try:
        connection = connect(credentials)
        volume_types = list_volume_types(connection)
    except CinderError as error:
        print(f"probe: {error}", file=sys.stderr)
        return 1
    print(f"Cinder at {connection.endpoint} (found from {credentials.url or 'the Keystone catalog'})")
    print(
        f"  API v3, microversions {connection.server_min_version}..{connection.server_max_version}, "
        f"using {connection.microversion}"
    )
    for volume_type in volume_types:
        print(f"  volume type {volume_type.name:12} {volume_type.id}  {volume_type.extra_specs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
