"""Opening libvirt: one connection per call site, with libvirt's default error printer silenced
(it writes every caught lookup error to stderr)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import libvirt

libvirt.registerErrorHandler(lambda *_: None, None)


class HostUnreachable(Exception):
    status = 502

    def __init__(self, uri: str, cause: object) -> None:
        super().__init__(f"cannot reach libvirt at {uri}: {cause}")


_EMBEDDED: dict[str, Any] = {}
_EMBEDDED_LOCK = threading.Lock()


@contextmanager
def connected(uri: str) -> Iterator[Any]:
    """A connection for one call. The embedded test driver keeps its domains only while a
    connection is open, so its connection stays open for the life of the process."""
    if uri.startswith("test:"):
        with _EMBEDDED_LOCK:
            if uri not in _EMBEDDED:
                _EMBEDDED[uri] = _open(uri)
        yield _EMBEDDED[uri]
        return
    connection = _open(uri)
    try:
        yield connection
    finally:
        connection.close()


def _open(uri: str) -> Any:
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as error:
        raise HostUnreachable(uri, error.get_error_message()) from error


def supports_secrets(connection: Any) -> bool:
    """``test:///default`` has no secret driver."""
    try:
        connection.listAllSecrets()
    except libvirt.libvirtError as error:
        if error.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return False
        raise
    return True
