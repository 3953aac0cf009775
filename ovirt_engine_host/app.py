"""``create_app(config)``: Flask + flask-smorest ``Api`` + the pluggy plugin manager.

Nothing is built at import time: each call builds its own plugin manager, database engine and
API, so tests (and several apps in one process) never share state.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask import Flask

from ovirt_engine_host import authorization, openapi, rest
from ovirt_engine_host.access import audit, creators
from ovirt_engine_host.access.registry import PluginAccessRegistry
from ovirt_engine_host.access.tree import AccessModel
from ovirt_engine_host.api import docs
from ovirt_engine_host.api.clusters import routes as clusters
from ovirt_engine_host.api.datacenters import routes as datacenters
from ovirt_engine_host.api.disks import routes as disks
from ovirt_engine_host.api.events import routes as events
from ovirt_engine_host.api.groups import routes as groups
from ovirt_engine_host.api.hosts import routes as hosts
from ovirt_engine_host.api.jobs import routes as jobs
from ovirt_engine_host.api.permissions import routes as permissions
from ovirt_engine_host.api.roles import routes as roles
from ovirt_engine_host.api.root import routes as root
from ovirt_engine_host.api.snapshots import routes as snapshots
from ovirt_engine_host.api.sso import routes as sso
from ovirt_engine_host.api.storagedomains import routes as storagedomains
from ovirt_engine_host.api.templates import routes as templates
from ovirt_engine_host.api.unregistered import routes as unregistered
from ovirt_engine_host.api.users import routes as users
from ovirt_engine_host.api.vmpools import routes as vmpools
from ovirt_engine_host.api.vms import routes as vms
from ovirt_engine_host.commands import collection
from ovirt_engine_host.commands import disks as disk_commands
from ovirt_engine_host.commands import snapshots as snapshot_commands
from ovirt_engine_host.commands import stateless as stateless_commands
from ovirt_engine_host.commands import templates as template_commands
from ovirt_engine_host.commands.coordinator import CommandCoordinator
from ovirt_engine_host.commands.operations import Registry
from ovirt_engine_host.commands.poller import Poller
from ovirt_engine_host.config import EngineConfig
from ovirt_engine_host.database import make_engine, make_session_factory
from ovirt_engine_host.monitoring.monitor import DomainMonitor
from ovirt_engine_host.plugin_services import EngineServices
from ovirt_engine_host.plugins import EngineHooks, build_plugin_manager
from ovirt_engine_host.security import SecretBox
from ovirt_engine_host.services.hosts import HostService
from ovirt_engine_host.services.vm_monitor import VmChecks, VmMonitor
from ovirt_engine_host.state import EngineState

ENGINE_BLUEPRINTS = (
    root.blp,
    datacenters.blp,
    clusters.blp,
    storagedomains.blp,
    disks.blp,
    jobs.blp,
    hosts.blp,
    vms.blp,
    snapshots.blp,
    templates.blp,
    vmpools.blp,
    unregistered.blp,
    users.blp,
    events.blp,
    roles.blp,
    groups.blp,
)


def create_app(config: EngineConfig | None = None, extra_plugins: tuple[object, ...] = ()) -> Flask:
    config = config or EngineConfig.from_environment()
    config.state_dir.mkdir(parents=True, exist_ok=True)
    app = Flask("ovirt_engine_host")
    app.config.update(
        API_TITLE="oVirt engine (reference host)",
        API_VERSION="0.1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=docs.SWAGGER_UI_URL,  # served by the engine: the docs work offline
        OPENAPI_SWAGGER_UI_CONFIG=docs.SWAGGER_UI_CONFIG,
        API_SPEC_OPTIONS=openapi.spec_options(),
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        **config.flask,
    )
    database = make_engine(config.effective_database_url)
    session_factory = make_session_factory(database)
    creators.install(session_factory)
    services = EngineServices.build(session_factory, SecretBox.from_key_file(config.secret_key_path), rest.Blueprint)
    hooks = EngineHooks(build_plugin_manager(config.disabled_plugins, extra_plugins), services)
    registry = Registry()  # the kinds of commands and jobs this application runs
    disk_commands.register(registry)
    snapshot_commands.register(registry)
    template_commands.register(registry)
    stateless_commands.register(registry)
    collection.register(registry)
    coordinator = CommandCoordinator(session_factory, hooks, config.poller, registry)
    # the monitors start and stop with the poller, in threads of their own
    monitor = DomainMonitor(session_factory, hooks, config.monitor)
    vm_monitor = VmMonitor(lambda: VmChecks(state), config.vm_monitor_interval)
    poller = Poller(coordinator, [monitor, vm_monitor])
    access = AccessModel()
    hooks.register_access(PluginAccessRegistry(access))
    state = EngineState(
        config, database, session_factory, hooks, services, coordinator, poller, monitor, vm_monitor, access
    )
    state.attach(app)
    services.secret_listeners.append(lambda data_center_id: HostService(state).refresh_data_center(data_center_id))

    # oVirt's canonical URLs: collections without a trailing slash, the slashed form an alias
    # that answers the same (a redirect loses a POST's body for curl and the oVirt SDK). Set
    # before any rule is added: each rule takes the map's setting when it is added.
    app.url_map.strict_slashes = False
    api = flask_smorest.Api(app, spec_kwargs={"extra_plugins": [openapi.OvirtOpenApiPlugin()]})
    openapi.install(api)  # before any blueprint: the document is made as they register
    for blueprint in ENGINE_BLUEPRINTS:
        api.register_blueprint(blueprint)
    api.register_blueprint(permissions.create_blueprint(access))
    app.register_blueprint(docs.assets)
    hooks.register_rest(api, services)
    rest.install(app)  # after the Api: these handlers replace flask-smorest's own
    audit.install(app, session_factory, config.events_keep)  # after rest's hooks: it runs before them
    app.before_request(rest.require_authentication(sso.install(app, session_factory, config)))
    app.before_request(authorization.authorize_request)
    if config.poller.enabled:
        state.poller.start()
    return app


def wsgi_app(**overrides: Any) -> Flask:
    """For WSGI servers: the configuration comes from OVIRT_ENGINE_* variables."""
    return create_app(EngineConfig.from_environment(**overrides))
