"""Markers by directory (tests/unit -> unit, tests/integration -> integration, tests/e2e ->
e2e) and the session-wide local stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine import Engine, build_engine, postgres_database, stop_engine
from tests.secrets_check import events_holding_secrets
from tests.stack import Stack, StackUnavailable, bring_up

pytest_plugins = ["tests.hookcalls"]

TESTS_ROOT = Path(__file__).resolve().parent
MARKER_BY_DIRECTORY = {"unit": "unit", "integration": "integration", "e2e": "e2e"}
SERVICE_FIXTURES = {"stack", "engine"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        directory = Path(str(item.fspath)).relative_to(TESTS_ROOT).parts[0]
        marker = MARKER_BY_DIRECTORY.get(directory)
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid}: tests live under tests/unit, tests/integration or tests/e2e")
        item.add_marker(marker)
        if marker == "unit" and SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid}: a unit test must not use the local stack")
    # Tests that restart the stack go last: every other test shares the running one; the checks
    # of what every other test did go after them.
    items.sort(
        key=lambda item: (
            item.get_closest_marker("after_every_test") is not None,
            item.get_closest_marker("restarts_stack") is not None,
        )
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "restarts_stack: stops and starts the stack (runs last)")
    config.addinivalue_line("markers", "after_every_test: checks what every other test did (runs after them)")


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The running local stack (started when it is not running)."""
    try:
        yield bring_up()
    except StackUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, stack: Stack) -> Iterator[Engine]:
    """The engine with the Cinder plugin, on SQLite and on PostgreSQL (the stack's); after the
    test, no event it recorded may hold a secret (:mod:`tests.secrets_check`)."""
    if request.param == "sqlite":
        built = build_engine(tmp_path, "", poll=True)
        yield built
        leaks = events_holding_secrets(built, stack)
        stop_engine(built)
        assert leaks == [], "events holding a secret"
        return
    with postgres_database(stack.env["OVIRT_STACK_POSTGRES_URL"]) as url:
        built = build_engine(tmp_path, url, poll=True)
        yield built
        leaks = events_holding_secrets(built, stack)
        stop_engine(built)
        assert leaks == [], "events holding a secret"
