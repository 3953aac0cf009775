"""The ``ovirt-engine-host`` console command."""

from __future__ import annotations

from importlib.metadata import entry_points, version
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ovirt_engine_host import PLUGIN_ENTRY_POINT_GROUP
from ovirt_engine_host.config import EngineConfig


@click.group()
@click.version_option(version("ovirt-cinder-plugin"), prog_name="ovirt-engine-host")
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    envvar="OVIRT_ENGINE_STATE_DIR",
    help="Where the engine keeps its state.",
)
@click.option(
    "--database-url", envvar="OVIRT_ENGINE_DATABASE_URL", help="SQLAlchemy URL (default: SQLite in the state dir)."
)
@click.pass_context
def main(ctx: click.Context, state_dir: Path | None, database_url: str | None) -> None:
    """The reference oVirt-style engine that hosts storage-backend plugins."""
    ctx.obj = EngineConfig.from_environment(state_dir=state_dir, database_url=database_url)


@main.command("plugins")
def list_plugins() -> None:
    """List the plugins installed in the engine's entry point group."""
    found = sorted(entry_points(group=PLUGIN_ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not found:
        click.echo(f"no plugins in the entry point group {PLUGIN_ENTRY_POINT_GROUP}")
    for ep in found:
        dist = ep.dist.name if ep.dist else "?"
        click.echo(f"{ep.name}\t{ep.value}\t({dist})")


@main.group("db")
def db() -> None:
    """The engine database."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(config: EngineConfig) -> None:
    """Apply the engine's and every plugin's migrations."""
    from ovirt_engine_host.database import make_engine, upgrade
    from ovirt_engine_host.plugins import EngineHooks, build_plugin_manager

    hooks = EngineHooks(build_plugin_manager(config.disabled_plugins))
    config.state_dir.mkdir(parents=True, exist_ok=True)
    heads = upgrade(make_engine(config.effective_database_url), hooks.migration_dirs())
    click.echo(f"database at head: {', '.join(heads)}")


@db.command("check")
@click.pass_obj
def db_check(config: EngineConfig) -> None:
    """Compare the database with the engine's and every plugin's models (exit 1 on a difference)."""
    from ovirt_engine_host.database import make_engine, schema_differences
    from ovirt_engine_host.db.models import Base
    from ovirt_engine_host.plugins import EngineHooks, build_plugin_manager

    hooks = EngineHooks(build_plugin_manager(config.disabled_plugins))
    differences = schema_differences(make_engine(config.effective_database_url), [Base.metadata, *hooks.db_metadata()])
    for difference in differences:
        click.echo(difference)
    if differences:
        raise click.ClickException(f"the database differs from the models in {len(differences)} place(s)")
    click.echo("the database matches the models of the engine and its plugins")


@main.command("create-user")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="OVIRT_ENGINE_NEW_PASSWORD")
@click.option("--admin/--no-admin", default=False, help="Make the user an administrator.")
@click.pass_obj
def create_user(config: EngineConfig, name: str, password: str, admin: bool) -> None:
    """Add a user (the first administrator comes from here)."""
    from ovirt_engine_host.access.grants import add_user
    from ovirt_engine_host.database import make_engine, make_session_factory
    from ovirt_engine_host.db.models import User
    from ovirt_engine_host.security import hash_password

    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    sessions = make_session_factory(make_engine(config.effective_database_url))
    with sessions() as session:
        if session.scalar(select(User).where(User.name == name)):
            raise click.ClickException(f"a user named {name!r} exists")
        add_user(session, name, hash_password(password), admin)
        try:
            session.commit()
        except IntegrityError as error:
            raise click.ClickException(f"could not add {name!r}: {error.orig}") from error
    click.echo(f"user {name} added{' (administrator)' if admin else ''}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(config: EngineConfig, host: str, port: int, workers: int) -> None:
    """Serve the REST API with gunicorn (a production WSGI server)."""
    from gunicorn.app.base import BaseApplication

    from ovirt_engine_host.app import create_app

    class EngineServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # threads: a synchronous DELETE waits for Cinder (up to the poller's sync_wait_seconds)
            # without holding up the worker's other requests, nor being killed as a stuck worker
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 8)
            self.cfg.set("timeout", int(config.poller.sync_wait_seconds) + 60)
            self.cfg.set("accesslog", "-")
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 23: no ~/.gunicorn socket
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return create_app(config)

    EngineServer().run()
