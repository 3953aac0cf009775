"""The engine's configuration: where it keeps its state and which database it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = Path(os.environ.get("OVIRT_ENGINE_STATE_DIR", "/var/lib/ovirt-engine-host"))


@dataclass(frozen=True)
class EngineConfig:
    """``database_url`` empty means SQLite in ``state_dir/engine.db``; PostgreSQL by URL
    (``postgresql+psycopg://user@host/db``)."""

    state_dir: Path = DEFAULT_STATE_DIR
    database_url: str = ""
    max_body_bytes: int = 1024 * 1024
    disabled_plugins: tuple[str, ...] = ()
    flask: dict[str, Any] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'engine.db'}"

    @property
    def secret_key_path(self) -> Path:
        return self.state_dir / "secret.key"

    @classmethod
    def from_environment(cls, **overrides: Any) -> EngineConfig:
        values: dict[str, Any] = {
            "state_dir": Path(os.environ.get("OVIRT_ENGINE_STATE_DIR", str(DEFAULT_STATE_DIR))),
            "database_url": os.environ.get("OVIRT_ENGINE_DATABASE_URL", ""),
            "disabled_plugins": tuple(p for p in os.environ.get("OVIRT_ENGINE_DISABLED_PLUGINS", "").split(",") if p),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
