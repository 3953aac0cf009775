"""The per-application engine state, kept in ``app.extensions`` (nothing at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access.tree import AccessModel
from ovirt_engine_host.commands.coordinator import CommandCoordinator
from ovirt_engine_host.commands.poller import Poller
from ovirt_engine_host.config import EngineConfig
from ovirt_engine_host.monitoring.monitor import DomainMonitor
from ovirt_engine_host.plugin_services import EngineServices
from ovirt_engine_host.plugins import EngineHooks

EXTENSION_KEY = "ovirt_engine"


@dataclass(frozen=True)
class EngineState:
    config: EngineConfig
    database: Engine
    session_factory: sessionmaker[Session]
    hooks: EngineHooks
    services: EngineServices
    coordinator: CommandCoordinator
    poller: Poller
    monitor: DomainMonitor
    vm_monitor: Any  # a VmMonitor (its module needs this one's); both monitors go with the poller
    access: AccessModel

    def attach(self, app: Flask) -> None:
        app.extensions[EXTENSION_KEY] = self


def engine_state(app: Flask | None = None) -> EngineState:
    state: EngineState = (app or current_app).extensions[EXTENSION_KEY]
    return state


def db_session() -> Session:
    return engine_state().session_factory()
