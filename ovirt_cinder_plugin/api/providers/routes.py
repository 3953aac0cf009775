"""``/api/openstackvolumeproviders``: list, add (with its ``cinder`` storage domain), get, update,
remove. Views stay thin: the work is in :mod:`ovirt_cinder_plugin.services.providers`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ovirt_cinder_plugin.api.common import PROVIDERS_PATH
from ovirt_cinder_plugin.api.providers.schemas import ProviderDeleteArgs, ProviderSchema, ProviderUpdateSchema
from ovirt_cinder_plugin.services.providers import ProviderService
from ovirt_engine_host.contract import PluginServices


def create_blueprint(services: PluginServices, providers: ProviderService) -> Any:
    blp = services.Blueprint(
        "openstackvolumeproviders",
        __name__,
        url_prefix=PROVIDERS_PATH,
        description="OpenStack volume providers (Cinder)",
    )

    @blp.route("")
    class ProviderViews(MethodView):
        @blp.action("read", "openstack_volume_provider")
        @blp.response(200, ProviderSchema(many=True))
        def get(self) -> Any:
            """List OpenStack volume providers"""
            with providers.session() as session:
                return providers.list(session)

        @blp.action("configure_openstack_volume_provider", "system")
        @blp.arguments(ProviderSchema)
        @blp.response(201, ProviderSchema)
        @blp.alt_response(409, description="A provider of that name exists")
        @blp.alt_response(502, description="Keystone or Cinder cannot be reached")
        def post(self, data: dict[str, Any]) -> Any:
            """Add an OpenStack volume provider (and its cinder storage domain)"""
            return providers.add(data)

    @blp.route("/<string:provider_id>")
    class ProviderByIdViews(MethodView):
        @blp.action("read", "openstack_volume_provider", by="provider_id")
        @blp.response(200, ProviderSchema)
        def get(self, provider_id: str) -> Any:
            """Get an OpenStack volume provider"""
            with providers.session() as session:
                return providers.get(session, provider_id)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(ProviderUpdateSchema)
        @blp.response(200, ProviderSchema)
        def put(self, data: dict[str, Any], provider_id: str) -> Any:
            """Update an OpenStack volume provider"""
            return providers.update(provider_id, data)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(ProviderDeleteArgs, location="query")
        @blp.response(204)
        @blp.alt_response(409, description="The provider's storage domain still has disks (use force=true)")
        def delete(self, args: dict[str, Any], provider_id: str) -> None:
            """Remove an OpenStack volume provider (and its storage domain)"""
            providers.remove(provider_id, force=args["force"])

    return blp
