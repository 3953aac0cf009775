"""Every hook spec of the contract is called by the engine in some test: not named in a docstring,
called — as pluggy's hook-call monitoring saw it while the tests ran (tests/hookcalls.py). Runs
after every other test (``after_every_test``)."""

from __future__ import annotations

import inspect

import pytest

from ovirt_engine_host import contract
from tests.hookcalls import recorder_of

SPECS = sorted(
    name for name, value in vars(contract).items() if inspect.isfunction(value) and hasattr(value, "ovirt_engine_spec")
)


@pytest.mark.after_every_test
def test_the_engine_calls_every_hook_spec_in_some_test(request: pytest.FixtureRequest) -> None:
    recorded = recorder_of(request.config).recorded()
    called = {name for calls in recorded.values() for name in calls}
    uncalled = [name for name in SPECS if name not in called]
    assert uncalled == [], (
        "hook specs no test makes the engine call (a spec exists only while the engine calls it; "
        "after a partial run, run the whole suite once)"
    )
    callers = {name: sorted(n for n, calls in recorded.items() if name in calls)[:1] for name in SPECS}
    assert all(callers.values()), callers
