"""Polling Cinder until a resource reaches a status (Cinder works asynchronously)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.connection import CinderConnection
from ovirt_cinder_plugin.cinder.volumes import operation_states


def wait_for_status(get: Callable[[str], Any], resource_id: str, wanted: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        resource = get(resource_id)
        if resource.status == wanted:
            return resource
        if resource.status.startswith("error"):
            raise AssertionError(f"{resource_id} went to {resource.status}, not {wanted}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{resource_id} still {resource.status} after {timeout}s, not {wanted}")
        time.sleep(0.25)


def wait_until(condition: Callable[[], bool], failure: str, timeout: float = 120) -> None:
    """Poll ``condition`` until it holds; fail with ``failure`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{failure} after {timeout}s")
        time.sleep(0.25)


def wait_until_gone(get: Callable[[str], Any], resource_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            resource = get(resource_id)
        except cinder_exceptions.NotFound:
            return
        if resource.status.startswith("error"):
            raise AssertionError(f"{resource_id} went to {resource.status} while being deleted")
        time.sleep(0.25)
    raise AssertionError(f"{resource_id} still exists after {timeout}s")


def wait_until_settled(
    connection: CinderConnection, domain: str, handles: Sequence[dict[str, str]], timeout: float = 120
) -> list[dict[str, Any]]:
    """Poll as the engine does until no operation is pending."""
    deadline = time.monotonic() + timeout
    while True:
        states = operation_states(connection, domain, handles)
        if all(state["state"] != "pending" for state in states):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending after {timeout}s: {states}")
        time.sleep(0.25)
