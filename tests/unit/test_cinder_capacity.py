"""The Cinder boundary's side of domain monitoring, against the fake Cinder: the capacity from
the pools' statistics (sizes summed over the pools that report numbers), the project's quota
when Cinder refuses the statistics (not an administrator) or no pool has numbers, and which of
the two it is; the plugin's domain status when Cinder cannot be reached; the volume list's
``condition`` and ``reason`` with one messages request for all failed volumes. (On the real
stack: tests/integration/test_domain_monitoring.py.)"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cinderclient import exceptions as cinder_exceptions
from keystoneauth1 import exceptions as ks_exceptions

from ovirt_cinder_plugin.cinder import capacity, volumes
from ovirt_cinder_plugin.services.domain_status import domain_status
from tests.fake_cinder import FakeCinder, Message, Pool

GiB = 1 << 30


def test_pool_statistics_sum_the_pools_that_report_sizes() -> None:
    cinder = FakeCinder()
    cinder.pool_stats = [Pool("h@rbd#rbd", 10.5, 4.0), Pool("h@fake#fake", "infinite", "infinite"),
                         Pool("h@rbd2#rbd", 2, 1)]  # fmt: skip
    found = capacity.read_capacity(cinder.connection())
    assert found == capacity.Capacity(available=5 * GiB, used=round(7.5 * GiB), source="pool_statistics")
    assert cinder.calls_to("quotas", "get") == []


def test_without_the_statistics_the_quota_tells() -> None:
    cinder = FakeCinder()
    cinder.fail[("pools", "list")] = cinder_exceptions.Forbidden(403, "Policy doesn't allow scheduler_stats:get_pools")
    cinder.quota_set = {"gigabytes": {"limit": 100, "in_use": 30, "reserved": 2}}
    assert capacity.read_capacity(cinder.connection()) == capacity.Capacity(68 * GiB, 32 * GiB, "quota")


def test_an_unlimited_quota_has_no_available_and_pools_without_numbers_fall_back() -> None:
    cinder = FakeCinder()
    cinder.pool_stats = [Pool("h@fake#fake", "infinite", "unknown")]
    cinder.quota_set = {"gigabytes": {"limit": -1, "in_use": 3, "reserved": 0}}
    assert capacity.read_capacity(cinder.connection()) == capacity.Capacity(None, 3 * GiB, "quota")


class Operations:
    """The part of the plugin's DiskOperations the domain status uses."""

    def __init__(self, cinder: FakeCinder) -> None:
        self.cinder = cinder

    def connection(self, storage_domain: Any) -> Any:
        return self.cinder.connection()


def test_the_domain_status_says_unreachable_with_the_reason_when_cinder_does_not_answer() -> None:
    cinder = FakeCinder()
    cinder.fail[("pools", "list")] = ks_exceptions.ConnectFailure("Unable to establish connection to 127.0.0.1:8776")
    status = domain_status(Operations(cinder), SimpleNamespace(name="stack-cinder"))  # type: ignore[arg-type]
    assert status["reachable"] is False
    assert "cannot reach Cinder" in status["reason"]
    assert "Unable to establish connection" in status["reason"]
    assert (status["available"], status["used"], status["source"]) == (None, None, None)


def test_the_domain_status_of_an_answering_cinder() -> None:
    cinder = FakeCinder()
    cinder.pool_stats = [Pool("h@rbd#rbd", 4, 3)]
    status = domain_status(Operations(cinder), SimpleNamespace(name="stack-cinder"))  # type: ignore[arg-type]
    assert status == {"reachable": True, "reason": None, "available": 3 * GiB, "used": GiB,
                      "source": "pool_statistics"}  # fmt: skip


def test_listed_volumes_carry_their_condition_and_the_reasons_of_failures_in_one_request() -> None:
    cinder = FakeCinder()
    fine, busy = cinder.add("in-use"), cinder.add("extending")
    full, silent = cinder.add("error_extending"), cinder.add("error")
    cinder.user_messages = [
        Message(full.id, "extend volume:Not enough space", "2026-01-01T00:00:02"),
        Message(full.id, "an older message", "2026-01-01T00:00:01"),
        Message(fine.id, "not about a failure", "2026-01-01T00:00:03"),
    ]
    listed = {volume["id"]: volume for volume in volumes.list_volumes(cinder.connection())}
    assert [(listed[v.id]["condition"], listed[v.id]["reason"]) for v in (fine, busy, full, silent)] == [
        ("ok", None), ("busy", None), ("error", "extend volume:Not enough space"),
        ("error", "Cinder reports the volume error"),
    ]  # fmt: skip
    assert len(cinder.calls_to("messages", "list")) == 1
    cinder.calls.clear()
    cinder.volumes_by_id = {fine.id: fine}
    volumes.list_volumes(cinder.connection())
    assert cinder.calls_to("messages", "list") == [], "no failed volume, no messages request"
