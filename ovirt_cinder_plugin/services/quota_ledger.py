"""Quota checks without a Cinder round trip per disk.

The engine asks for a verdict before every create and extend; reading the project's quota set
costs a request (and the volume types another), which would add a fifth to the time of every
create. A ledger per provider keeps the quota set for :data:`FRESH_SECONDS` and adds to it what
the requests it allowed meanwhile consume, so that a burst of creates is judged on the numbers
Cinder will see; the volume types are kept for :data:`TYPES_SECONDS`.

The verdict stays advisory, as the contract says: whatever another client consumed in the last
seconds is caught by Cinder itself, whose refusal reaches the user as the same 409.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ovirt_cinder_plugin.cinder import quota
from ovirt_cinder_plugin.cinder.connection import CinderConnection

FRESH_SECONDS = 2.0
TYPES_SECONDS = 60.0


@dataclass
class _Snapshot:
    read_at: float
    project_id: str
    usage: dict[str, Any]
    type_names: dict[str | None, str | None] = field(default_factory=dict)
    types_read_at: float = 0.0


class QuotaLedger:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._snapshots: dict[str, _Snapshot] = {}
        self._lock = threading.Lock()

    def check(
        self,
        key: str,
        connection: CinderConnection,
        *,
        operation: quota.QuotaOperation,
        size_gib: int,
        count: int,
        volume_type: str | None,
    ) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            snapshot = self._snapshots.get(key)
        if snapshot is None or now - snapshot.read_at > FRESH_SECONDS:
            project_id, usage = quota.read_usage(connection)
            kept = snapshot.type_names if snapshot else {}
            snapshot = _Snapshot(now, project_id, usage, kept, snapshot.types_read_at if snapshot else 0.0)
        if now - snapshot.types_read_at > TYPES_SECONDS:
            snapshot.type_names, snapshot.types_read_at = {}, now
        if volume_type not in snapshot.type_names:
            snapshot.type_names[volume_type] = quota.volume_type_name(connection, volume_type)
        type_name = snapshot.type_names[volume_type]
        with self._lock:
            answer = quota.verdict(snapshot.project_id, snapshot.usage, operation, size_gib, count, type_name)
            if answer["allowed"]:
                for demand in quota.demands(operation, size_gib, count, type_name):
                    entry = snapshot.usage.setdefault(demand.quota, {"limit": quota.UNLIMITED, "in_use": 0})
                    entry["reserved"] = int(entry.get("reserved") or 0) + demand.added
            self._snapshots[key] = snapshot
        return answer

    def forget(self, key: str) -> None:
        with self._lock:
            self._snapshots.pop(key, None)
