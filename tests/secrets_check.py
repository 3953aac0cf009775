"""No event, log or tool output holds a secret: after every test that had an engine on the stack, every column of
every event is searched for the secrets that test could have sent (the stack's passwords, its
cephx key, the engine administrator's password). Every provider and key operation of the whole
suite goes through an engine of the ``engine`` fixture, so this covers them all."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ovirt_engine_host.db.models import Event
from ovirt_engine_host.state import engine_state
from tests.ceph import cephx_key
from tests.engine import ADMIN, Engine
from tests.stack import Stack


def stack_secrets(stack: Stack) -> tuple[str, ...]:
    """The stack's secret values (passwords files, the cephx key), each at least 8 characters."""
    folder = Path(stack.env.get("OVIRT_STACK_DIR", ".stack")) / "secrets"
    found = [path.read_text().strip() for path in folder.iterdir() if path.is_file()] if folder.is_dir() else []
    found += [stack.env.get("OS_PASSWORD", ""), cephx_key(stack), ADMIN[1]]
    return tuple(sorted({secret for secret in found if len(secret) >= 8}))


def texts_holding_secrets(stack: Stack, texts: dict[str, str]) -> list[str]:
    """The names of the texts (a tool's output, a log) that contain one of the stack's secrets."""
    secrets = stack_secrets(stack)
    return sorted(name for name, text in texts.items() if any(secret in text for secret in secrets))


def events_holding_secrets(engine: Engine, stack: Stack) -> list[str]:
    """Each event one of whose columns contains a secret, described without the secret."""
    secrets = stack_secrets(stack)
    leaks = []
    with engine_state(engine.app).session_factory() as session:
        for event in session.scalars(select(Event)):
            text = " ".join(str(value) for value in vars(event).values())
            if any(secret in text for secret in secrets):
                leaks.append(f"event {event.id} (code {event.code})")
    return leaks
