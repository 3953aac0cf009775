"""The plugin module the engine loads from the ``ovirt_engine.plugins`` entry point.

Hook implementations live here (and only here): they translate the engine's objects into calls
of the plugin's service layer. The hook specifications belong to the engine.
"""

from __future__ import annotations

from typing import Any

import pluggy
from sqlalchemy import MetaData

PROJECT_NAME = "ovirt_engine"
STORAGE_DOMAIN_TYPE = "cinder"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookimpl
def ovirt_engine_storage_domain_types() -> list[str]:
    return [STORAGE_DOMAIN_TYPE]


@hookimpl
def ovirt_engine_register_rest(api: Any, services: Any) -> None:
    from ovirt_cinder_plugin.api.routes import create_blueprint

    api.register_blueprint(create_blueprint(services))


@hookimpl
def ovirt_engine_db_metadata() -> MetaData:
    from ovirt_cinder_plugin.db.models import Base

    return Base.metadata


@hookimpl
def ovirt_engine_migrations() -> dict[str, str]:
    from ovirt_cinder_plugin.db import BRANCH, VERSIONS_DIR

    return {"branch": BRANCH, "versions_dir": str(VERSIONS_DIR)}
