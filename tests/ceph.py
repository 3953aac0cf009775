"""Looking at Ceph directly (python rados/rbd as client.cinder), to check what Cinder did."""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import rados
import rbd

from tests.stack import Stack


@contextmanager
def open_pool(stack: Stack) -> Iterator[Any]:
    """An I/O context on the stack's volume pool, as the cinder user with its own keyring."""
    cluster = rados.Rados(conffile=stack.ceph_conf, rados_id=stack.ceph_user, conf={"keyring": stack.ceph_keyring})
    cluster.connect(timeout=10)
    try:
        ioctx = cluster.open_ioctx(stack.ceph_pool)
        try:
            yield ioctx
        finally:
            ioctx.close()
    finally:
        cluster.shutdown()


def cephx_key(stack: Stack) -> str:
    """The stack's cephx key of its Cinder user (base64, as ``ceph auth get-key`` prints it)."""
    keyring = configparser.ConfigParser()
    keyring.read(stack.ceph_keyring)
    return keyring[f"client.{stack.ceph_user}"]["key"].strip()


def image_names(ioctx: Any) -> set[str]:
    return set(rbd.RBD().list(ioctx))


def image_size(ioctx: Any, name: str) -> int:
    with rbd.Image(ioctx, name, read_only=True) as image:
        return int(image.size())


def image_parent(ioctx: Any, name: str) -> tuple[str, str, str] | None:
    """(pool, image, snapshot) of a copy-on-write clone's parent; None for a plain image."""
    with rbd.Image(ioctx, name, read_only=True) as image:
        try:
            parent = image.get_parent_image_spec()
        except rbd.ImageNotFound:
            return None
        return parent["pool_name"], parent["image_name"], parent["snap_name"]
