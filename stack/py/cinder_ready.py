"""Wait until the stack's Cinder can place volumes, then make sure a volume type exists for each
backend (extra spec volume_backend_name = the backend's name).

Cinder accepts creates before the scheduler has heard from a backend, and then fails them with
"No valid backend": ready means the scheduler and each cinder-volume service are `up` and the
scheduler lists a pool of each backend.

Usage: cinder_ready.py BACKEND [BACKEND ...]   (runs in the stack's Cinder environment)
Environment: OS_AUTH_URL, OS_PASSWORD (Keystone's admin), WAIT_TIMEOUT (seconds, default 180).
"""

from __future__ import annotations

import os
import sys
import time
import warnings

from cinderclient import client as cinder_client
from stack_admin import admin_session

warnings.simplefilter("ignore")


def main(backends: list[str]) -> int:
    cinder = cinder_client.Client("3.71", session=admin_session(timeout=10))
    deadline = time.monotonic() + float(os.environ.get("WAIT_TIMEOUT", "180"))
    last: object = None
    while time.monotonic() < deadline:
        try:
            services = {(s.binary, s.host.split("@")[-1]): s.state for s in cinder.services.list()}
            pools = [p.name for p in cinder.pools.list()]
            last = (services, pools)
            ready = any(b == "cinder-scheduler" and st == "up" for (b, _), st in services.items()) and all(
                services.get(("cinder-volume", backend)) == "up"
                and any(p.split("@")[-1].startswith(f"{backend}#") for p in pools)
                for backend in backends
            )
            if ready:
                break
        except Exception as error:  # noqa: BLE001 - the API may still be starting
            last = repr(error)
        time.sleep(0.5)
    else:
        print("not ready:", last)
        return 1
    print("ready:", last)
    existing = {t.name: t for t in cinder.volume_types.list()}
    for backend in backends:
        volume_type = existing.get(backend) or cinder.volume_types.create(backend, is_public=True)
        if volume_type.get_keys().get("volume_backend_name") != backend:
            volume_type.set_keys({"volume_backend_name": backend})  # refused once volumes use the type
        print("volume type", backend, volume_type.get_keys())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
