"""``/api/openstackvolumeproviders/{id}/authenticationkeys``: the provider's cephx keys, stored
encrypted and never returned; every change reaches the data center's active hosts at once."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ovirt_cinder_plugin.api.authentication_keys.schemas import AuthenticationKeySchema, AuthenticationKeyUpdateSchema
from ovirt_cinder_plugin.api.common import PROVIDERS_PATH
from ovirt_cinder_plugin.services.providers import ProviderService
from ovirt_engine_host.contract import PluginServices


def create_blueprint(services: PluginServices, providers: ProviderService) -> Any:
    blp = services.Blueprint(
        "openstackvolumeauthenticationkeys", __name__, url_prefix=PROVIDERS_PATH,
        description="OpenStack volume authentication keys (cephx, write-only)",
    )  # fmt: skip

    @blp.route("/<string:provider_id>/authenticationkeys")
    class KeyViews(MethodView):
        @blp.action("read", "openstack_volume_provider", by="provider_id")
        @blp.response(200, AuthenticationKeySchema(many=True))
        def get(self, provider_id: str) -> Any:
            """List the provider's authentication keys (values are never returned)"""
            with providers.session() as session:
                return list(providers.get(session, provider_id).keys)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(AuthenticationKeySchema)
        @blp.response(201, AuthenticationKeySchema)
        def post(self, data: dict[str, Any], provider_id: str) -> Any:
            """Add an authentication key (a cephx key, stored encrypted)"""
            return providers.add_key(provider_id, data)

    @blp.route("/<string:provider_id>/authenticationkeys/<string:key_id>")
    class KeyByIdViews(MethodView):
        @blp.action("read", "openstack_volume_provider", by="provider_id")
        @blp.response(200, AuthenticationKeySchema)
        def get(self, provider_id: str, key_id: str) -> Any:
            """Get an authentication key"""
            with providers.session() as session:
                return providers.get_key(session, provider_id, key_id)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(AuthenticationKeyUpdateSchema)
        @blp.response(200, AuthenticationKeySchema)
        def put(self, data: dict[str, Any], provider_id: str, key_id: str) -> Any:
            """Update an authentication key"""
            return providers.update_key(provider_id, key_id, data)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.response(204)
        def delete(self, provider_id: str, key_id: str) -> None:
            """Remove an authentication key"""
            providers.remove_key(provider_id, key_id)

    return blp
