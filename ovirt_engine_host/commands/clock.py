"""Time for the coordinator: aware UTC everywhere (SQLite hands back naive datetimes).

Everything the coordinator and its store decide about time goes through :func:`now`, so a test
can drive the poller's cadence and backoff with a clock it moves by hand (:func:`controlled`)
instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    return _source()


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def later(seconds: float, start: datetime | None = None) -> datetime:
    return (start or now()) + timedelta(seconds=seconds)


class ManualClock:
    """A clock that stands still until :meth:`advance` moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or _system_now()

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


@contextmanager
def controlled(start: datetime | None = None) -> Iterator[ManualClock]:
    """Within the block, :func:`now` is a :class:`ManualClock` (for tests; process-wide)."""
    global _source
    clock = ManualClock(start)
    previous, _source = _source, clock
    try:
        yield clock
    finally:
        _source = previous
