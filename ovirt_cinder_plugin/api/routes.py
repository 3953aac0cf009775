"""The plugin's blueprint: ``/api/openstackvolumeproviders`` with its ``volumetypes`` and
``authenticationkeys``. Views stay thin: the work is in :mod:`ovirt_cinder_plugin.services.providers`."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ovirt_cinder_plugin.api.schemas import (
    PROVIDERS_PATH,
    AuthenticationKeySchema,
    AuthenticationKeyUpdateSchema,
    ProviderDeleteArgs,
    ProviderSchema,
    ProviderUpdateSchema,
    VolumeTypeSchema,
    dict_to_properties,
    provider_reference,
)
from ovirt_cinder_plugin.cinder.volume_types import VolumeType
from ovirt_cinder_plugin.services.providers import ProviderService


def volume_type_document(provider: Any, volume_type: VolumeType) -> dict[str, Any]:
    provider_id = provider.id
    return {
        "id": volume_type.id,
        "href": f"{PROVIDERS_PATH}/{provider_id}/volumetypes/{volume_type.id}",
        "name": volume_type.name,
        "description": volume_type.description or None,
        "properties": dict_to_properties(volume_type.extra_specs),
        "openstack_volume_provider": provider_reference(provider),
    }


def create_blueprint(services: Any, providers: ProviderService) -> Any:
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

        @blp.action("create", "openstack_volume_provider")
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

        @blp.action("update", "openstack_volume_provider", by="provider_id")
        @blp.arguments(ProviderUpdateSchema)
        @blp.response(200, ProviderSchema)
        def put(self, data: dict[str, Any], provider_id: str) -> Any:
            """Update an OpenStack volume provider"""
            return providers.update(provider_id, data)

        @blp.action("delete", "openstack_volume_provider", by="provider_id")
        @blp.arguments(ProviderDeleteArgs, location="query")
        @blp.response(204)
        @blp.alt_response(409, description="The provider's storage domain still has disks (use force=true)")
        def delete(self, args: dict[str, Any], provider_id: str) -> None:
            """Remove an OpenStack volume provider (and its storage domain)"""
            providers.remove(provider_id, force=args["force"])

    @blp.route("/<string:provider_id>/volumetypes")
    class VolumeTypeViews(MethodView):
        @blp.action("read", "openstack_volume_type")
        @blp.response(200, VolumeTypeSchema(many=True))
        def get(self, provider_id: str) -> Any:
            """List the provider's Cinder volume types (live)"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                return [volume_type_document(provider, t) for t in providers.volume_types(provider)]

    @blp.route("/<string:provider_id>/volumetypes/<string:volume_type_id>")
    class VolumeTypeByIdViews(MethodView):
        @blp.action("read", "openstack_volume_type", by="volume_type_id")
        @blp.response(200, VolumeTypeSchema)
        def get(self, provider_id: str, volume_type_id: str) -> Any:
            """Get one of the provider's Cinder volume types"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                return volume_type_document(provider, providers.volume_type(provider, volume_type_id))

    @blp.route("/<string:provider_id>/authenticationkeys")
    class KeyViews(MethodView):
        @blp.action("read", "openstack_volume_authentication_key")
        @blp.response(200, AuthenticationKeySchema(many=True))
        def get(self, provider_id: str) -> Any:
            """List the provider's authentication keys (values are never returned)"""
            with providers.session() as session:
                return list(providers.get(session, provider_id).keys)

        @blp.action("create", "openstack_volume_authentication_key")
        @blp.arguments(AuthenticationKeySchema)
        @blp.response(201, AuthenticationKeySchema)
        def post(self, data: dict[str, Any], provider_id: str) -> Any:
            """Add an authentication key (a cephx key, stored encrypted)"""
            return providers.add_key(provider_id, data)

    @blp.route("/<string:provider_id>/authenticationkeys/<string:key_id>")
    class KeyByIdViews(MethodView):
        @blp.action("read", "openstack_volume_authentication_key", by="key_id")
        @blp.response(200, AuthenticationKeySchema)
        def get(self, provider_id: str, key_id: str) -> Any:
            """Get an authentication key"""
            with providers.session() as session:
                return providers.get_key(session, provider_id, key_id)

        @blp.action("update", "openstack_volume_authentication_key", by="key_id")
        @blp.arguments(AuthenticationKeyUpdateSchema)
        @blp.response(200, AuthenticationKeySchema)
        def put(self, data: dict[str, Any], provider_id: str, key_id: str) -> Any:
            """Update an authentication key"""
            return providers.update_key(provider_id, key_id, data)

        @blp.action("delete", "openstack_volume_authentication_key", by="key_id")
        @blp.response(204)
        def delete(self, provider_id: str, key_id: str) -> None:
            """Remove an authentication key"""
            providers.remove_key(provider_id, key_id)

    return blp
