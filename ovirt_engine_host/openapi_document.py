"""The OpenAPI document of a throw-away application, for ``docs/openapi.json`` and the other
documents generated from the running application (``docs/permissions.md``).

It sits above :mod:`ovirt_engine_host.app` (it builds an application), apart from
:mod:`ovirt_engine_host.openapi`, which ``create_app`` installs.

``python -m ovirt_engine_host.openapi_document [PATH]`` writes the document (default
``docs/openapi.json``); ``tests/unit/test_openapi_snapshot.py`` fails when the committed file
differs, so that a change to the API is always a deliberate one.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from ovirt_engine_host.app import create_app
from ovirt_engine_host.config import EngineConfig, PollerSettings
from ovirt_engine_host.state import engine_state

SNAPSHOT_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


@contextmanager
def throwaway_app() -> Iterator[Flask]:
    """An application with its installed plugins on a temporary state directory (SQLite there,
    not migrated; no poller), for what is generated from the running application."""
    with tempfile.TemporaryDirectory(prefix="ovirt-throwaway-") as state_dir:
        app = create_app(EngineConfig(state_dir=Path(state_dir), poller=PollerSettings(enabled=False)))
        try:
            yield app
        finally:
            engine_state(app).database.dispose()


def spec_of(app: Flask) -> dict[str, Any]:
    """The OpenAPI document an application serves."""
    spec: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return spec


def document() -> dict[str, Any]:
    """The OpenAPI document of a throw-away app."""
    with throwaway_app() as app:
        return spec_of(app)


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    target = Path(arguments[0]) if arguments else SNAPSHOT_PATH
    target.write_text(render(document()))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
