"""The engine's configuration: where it keeps its state and which database it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = Path(os.environ.get("OVIRT_ENGINE_STATE_DIR", "/var/lib/ovirt-engine-host"))


@dataclass(frozen=True)
class PollerSettings:
    """The command poller. One poll of a storage domain is one backend request whatever the
    number of operations pending there, so the cadence is the domain's, not each operation's: a
    pending operation is first polled ``initial_delay`` seconds after it started, then its whole
    domain every ``interval`` seconds while anything is pending there. Only while the domain's
    backend fails does its poll back off: ``interval`` doubling up to ``max_delay``, back to
    ``interval`` at the first answer. ``lease_seconds`` is how long an engine process may work
    on a command before another one may take it over (a crashed process on this host is noticed
    at once). A cycle also takes the commands due within ``coalesce_seconds``, so that operations
    started one after the other share a poll. ``sync_wait_seconds`` bounds how long a
    synchronous ``DELETE`` waits before answering 202. ``enabled`` is false only for tools that
    must not poll (the poller runs in every engine process). Every field can be set by an
    ``OVIRT_ENGINE_POLL_<FIELD>`` variable (``OVIRT_ENGINE_POLL_INTERVAL=0.5``)."""

    enabled: bool = True
    initial_delay: float = 0.2
    interval: float = 0.5
    max_delay: float = 10.0
    lease_seconds: float = 60.0
    coalesce_seconds: float = 0.5
    sync_wait_seconds: float = 60.0

    @classmethod
    def from_environment(cls) -> PollerSettings:
        def number(name: str, default: float) -> float:
            return float(os.environ.get(f"OVIRT_ENGINE_POLL_{name}", default))

        defaults = cls()
        return cls(
            enabled=os.environ.get("OVIRT_ENGINE_POLL_ENABLED", "1") not in {"0", "false", "no"},
            initial_delay=number("INITIAL_DELAY", defaults.initial_delay),
            interval=number("INTERVAL", defaults.interval),
            max_delay=number("MAX_DELAY", defaults.max_delay),
            lease_seconds=number("LEASE_SECONDS", defaults.lease_seconds),
            coalesce_seconds=number("COALESCE_SECONDS", defaults.coalesce_seconds),
            sync_wait_seconds=number("SYNC_WAIT_SECONDS", defaults.sync_wait_seconds),
        )


@dataclass(frozen=True)
class MonitorSettings:
    """The storage-domain monitor, a thread next to the command poller in every engine process
    (:mod:`ovirt_engine_host.monitoring`). Every ``status_interval`` seconds a domain's backend
    is asked how it is (reachable, capacity); a domain whose backend has not answered for
    ``inactive_after`` seconds becomes ``inactive`` (no new disks), ``active`` again at the first
    answer. Every ``sync_interval`` seconds the domain's disks are reconciled with one volume
    list of the backend. ``lease_seconds`` bounds how long one process may hold a domain's
    monitoring before another may take over (a hung backend call, a crashed process). The
    settings are per engine and stored nowhere: each process reads them, the due times they make
    are in the database so that only one process works on a domain per period. Every field can
    be set by an ``OVIRT_ENGINE_MONITOR_<FIELD>`` variable (``OVIRT_ENGINE_MONITOR_SYNC_INTERVAL=60``);
    ``enabled`` false (``0``) runs no monitor thread (it runs only where the poller runs)."""

    enabled: bool = True
    status_interval: float = 10.0
    sync_interval: float = 60.0
    inactive_after: float = 60.0
    lease_seconds: float = 120.0

    @classmethod
    def from_environment(cls) -> MonitorSettings:
        def number(name: str, default: float) -> float:
            return float(os.environ.get(f"OVIRT_ENGINE_MONITOR_{name}", default))

        defaults = cls()
        return cls(
            enabled=os.environ.get("OVIRT_ENGINE_MONITOR_ENABLED", "1") not in {"0", "false", "no"},
            status_interval=number("STATUS_INTERVAL", defaults.status_interval),
            sync_interval=number("SYNC_INTERVAL", defaults.sync_interval),
            inactive_after=number("INACTIVE_AFTER", defaults.inactive_after),
            lease_seconds=number("LEASE_SECONDS", defaults.lease_seconds),
        )


@dataclass(frozen=True)
class EngineConfig:
    """``database_url`` empty means SQLite in ``state_dir/engine.db``; PostgreSQL by URL
    (``postgresql+psycopg://user@host/db``). The VDSM hook scripts the host agent runs are the
    plugins' (each storage-domain type names its directory); ``hook_pythonpath`` is their
    ``PYTHONPATH``: the host agent runs on the engine's
    machine, where the plugins' host-side modules are importable from the engine's installation
    (on a VDSM hypervisor the package is installed instead)."""

    state_dir: Path = DEFAULT_STATE_DIR
    database_url: str = ""
    max_body_bytes: int = 1024 * 1024
    disabled_plugins: tuple[str, ...] = ()
    poller: PollerSettings = field(default_factory=lambda: PollerSettings())
    monitor: MonitorSettings = field(default_factory=lambda: MonitorSettings())
    hook_pythonpath: str = str(Path(__file__).resolve().parent.parent)
    flask: dict[str, Any] = field(default_factory=dict)
    # How often the VM monitor asks the hosts what they run (seconds; 0: no monitor).
    vm_monitor_interval: float = 5.0
    # How long an SSO token (``/ovirt-engine/sso/oauth/token``) is valid, in seconds: 10 hours,
    # oVirt's default hard limit of a session (``UserSessionHardLimit``, 600 minutes). There is
    # no idle timeout: a client that loses its token logs in again (the SDK does on a 401).
    token_seconds: int = 10 * 3600
    # Failed logins of one user name (token endpoint and HTTP Basic alike) allowed within
    # ``login_failure_seconds``; further attempts for that name answer 429 until the oldest
    # failure leaves the window (``ovirt_engine_host.access.logins``).
    login_failures: int = 5
    login_failure_seconds: int = 60
    # The audit log (/api/events) keeps this many of the newest events (at least 1); the older
    # ones are pruned now and then (ovirt_engine_host.access.events.Pruner).
    events_keep: int = 100_000

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
            "poller": PollerSettings.from_environment(),
            "monitor": MonitorSettings.from_environment(),
            "hook_pythonpath": os.environ.get("OVIRT_ENGINE_HOOK_PYTHONPATH") or cls.hook_pythonpath,
            "vm_monitor_interval": float(os.environ.get("OVIRT_ENGINE_VM_MONITOR_INTERVAL", cls.vm_monitor_interval)),
            "token_seconds": int(os.environ.get("OVIRT_ENGINE_TOKEN_SECONDS", cls.token_seconds)),
            "login_failures": int(os.environ.get("OVIRT_ENGINE_LOGIN_FAILURES", cls.login_failures)),
            "login_failure_seconds": int(
                os.environ.get("OVIRT_ENGINE_LOGIN_FAILURE_SECONDS", cls.login_failure_seconds)
            ),
            "events_keep": int(os.environ.get("OVIRT_ENGINE_EVENTS_KEEP", cls.events_keep)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
