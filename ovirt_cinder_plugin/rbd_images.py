"""Independent copies of RBD volumes: Cinder makes a volume from another as a copy-on-write
child and has no call to cut the tie, so the plugin flattens the new image itself with python
``rbd``. It connects as Cinder's connection info for the volume says (monitors, pool and image,
cephx user) with the provider's cephx key for that user; nothing of it is stored.

``rados`` and ``rbd`` are imported on first use: a plugin that never copies needs neither.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

LOG = logging.getLogger(__name__)
CONNECT_TIMEOUT = 30


class FlattenFailed(Exception):
    """Ceph refused to flatten the image (the reason is Ceph's)."""


def flatten(data: Mapping[str, Any], key: str | None) -> bool:
    """Flatten the image ``data`` names (Cinder's ``rbd`` connection data); False when it has no
    parent already (a repeated flatten is harmless)."""
    import rados
    import rbd

    pool, image_name = str(data["name"]).split("/", 1)
    monitors = ",".join(f"{host}:{port}" for host, port in zip(data["hosts"], data["ports"], strict=True))
    conf = {"mon_host": monitors, **({"key": key} if key else {})}
    cluster = rados.Rados(rados_id=str(data.get("auth_username") or "admin"), conf=conf)
    try:
        cluster.connect(timeout=CONNECT_TIMEOUT)
        with cluster.open_ioctx(pool) as ioctx, rbd.Image(ioctx, image_name) as image:
            try:
                image.parent_info()
            except rbd.ImageNotFound:
                return False
            image.flatten()
        LOG.info("flattened %s: it no longer depends on its parent", data["name"])
        return True
    except (rados.Error, rbd.Error) as error:
        raise FlattenFailed(f"Ceph could not flatten {data['name']}: {error}") from error
    finally:
        cluster.shutdown()
