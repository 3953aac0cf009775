"""The ``ovirt-engine-host`` console command."""

from __future__ import annotations

from importlib.metadata import entry_points, version

import click

from ovirt_engine_host import PLUGIN_ENTRY_POINT_GROUP


@click.group()
@click.version_option(version("ovirt-cinder-plugin"), prog_name="ovirt-engine-host")
def main() -> None:
    """The reference oVirt-style engine that hosts storage-backend plugins."""


@main.command("plugins")
def list_plugins() -> None:
    """List the plugins installed in the engine's entry point group."""
    found = sorted(entry_points(group=PLUGIN_ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not found:
        click.echo(f"no plugins in the entry point group {PLUGIN_ENTRY_POINT_GROUP}")
    for ep in found:
        dist = ep.dist.name if ep.dist else "?"
        click.echo(f"{ep.name}\t{ep.value}\t({dist})")
