"""The engine's refusals: an exception carrying the HTTP status and a message that names the
field or the reason, raised by the service layer and answered by the REST layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Refused(Exception):
    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def backend_refusal(error: BaseException) -> Refused:
    """A plugin's exception as a refusal. Plugins cannot import the engine, so the contract is
    duck-typed: an integer ``status`` attribute (4xx: the request is wrong; 5xx: the backend
    failed) is kept; anything else is a backend failure (502)."""
    status = getattr(error, "status", None)
    if not isinstance(status, int) or not 400 <= status <= 599:
        status = 502
    return Refused(status, str(error) or type(error).__name__)


def is_transient(error: BaseException) -> bool:
    """Whether retrying may succeed (the plugin marks network trouble ``transient = True``)."""
    return bool(getattr(error, "transient", False))
