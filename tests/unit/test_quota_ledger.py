"""The quota ledger judges a burst of requests on one quota read: what it allowed counts as
reserved until the next read, and the quota set is read again once it is stale."""

from __future__ import annotations

from ovirt_cinder_plugin.services.quota_ledger import FRESH_SECONDS, TYPES_SECONDS, QuotaLedger
from tests.fake_cinder import FakeCinder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_judged_on_one_read_plus_what_was_allowed_meanwhile() -> None:
    cinder = FakeCinder()
    cinder.quota_set = {"volumes": {"limit": 10, "in_use": 0, "reserved": 0}, "gigabytes": {"limit": 5, "in_use": 1}}
    connection, clock = cinder.connection(), Clock()
    ledger = QuotaLedger(clock)
    verdicts = [
        ledger.check("p", connection, operation="create", size_gib=2, count=1, volume_type="fake") for _ in range(3)
    ]
    assert [v["allowed"] for v in verdicts] == [True, True, False]
    assert verdicts[2]["limit"] == "gigabytes"
    assert (verdicts[2]["in_use"], verdicts[2]["requested"], verdicts[2]["maximum"]) == (5, 2, 5)
    assert len(cinder.calls_to("quotas", "get")) == 1  # one read for the burst
    assert len(cinder.calls_to("volume_types", "list")) == 1

    clock.now += FRESH_SECONDS + 0.1  # stale: read again (Cinder now tells the real usage)
    cinder.quota_set = {"gigabytes": {"limit": 5, "in_use": 1}}
    assert ledger.check("p", connection, operation="create", size_gib=2, count=1, volume_type="fake")["allowed"]
    assert len(cinder.calls_to("quotas", "get")) == 2
    assert len(cinder.calls_to("volume_types", "list")) == 1  # types are kept longer
    clock.now += TYPES_SECONDS
    ledger.check("p", connection, operation="extend", size_gib=1, count=0, volume_type="fake")
    assert len(cinder.calls_to("volume_types", "list")) == 2


def test_forgetting_a_provider_reads_its_quota_again() -> None:
    cinder = FakeCinder()
    cinder.quota_set = {"gigabytes": {"limit": 2, "in_use": 0}}
    connection, ledger = cinder.connection(), QuotaLedger(Clock())
    assert ledger.check("p", connection, operation="create", size_gib=2, count=1, volume_type="fake")["allowed"]
    assert not ledger.check("p", connection, operation="create", size_gib=2, count=1, volume_type="fake")["allowed"]
    ledger.forget("p")  # e.g. Cinder refused a create the ledger had allowed: its reservation is void
    assert ledger.check("p", connection, operation="create", size_gib=2, count=1, volume_type="fake")["allowed"]
