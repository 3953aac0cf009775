"""``/api/openstackvolumeproviders/{id}/volumetypes``: the provider's Cinder volume types, read
live from Cinder by every user (whoever may add a disk picks its type among them), and managed
there by those holding ``configure_openstack_volume_provider`` on the provider (add, update,
remove; anyone else is refused with a 403)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from ovirt_cinder_plugin.api.common import PROVIDERS_PATH, dict_to_properties, provider_reference
from ovirt_cinder_plugin.api.volume_types.schemas import (
    VolumeTypeCreateSchema,
    VolumeTypeSchema,
    VolumeTypeUpdateSchema,
)
from ovirt_cinder_plugin.cinder.volume_types import VolumeType
from ovirt_cinder_plugin.services.providers import ProviderService
from ovirt_engine_host.contract import PluginServices


def volume_type_document(provider: Any, volume_type: VolumeType) -> dict[str, Any]:
    return {
        "id": volume_type.id,
        "href": f"{PROVIDERS_PATH}/{provider.id}/volumetypes/{volume_type.id}",
        "name": volume_type.name,
        "description": volume_type.description or None,
        "properties": dict_to_properties(volume_type.extra_specs),
        "openstack_volume_provider": provider_reference(provider),
    }


def create_blueprint(services: PluginServices, providers: ProviderService) -> Any:
    blp = services.Blueprint(
        "openstackvolumetypes", __name__, url_prefix=PROVIDERS_PATH, description="OpenStack volume types (Cinder's)"
    )

    @blp.route("/<string:provider_id>/volumetypes")
    class VolumeTypeViews(MethodView):
        @blp.action("read", "openstack_volume_type")
        @blp.response(200, VolumeTypeSchema(many=True))
        def get(self, provider_id: str) -> Any:
            """List the provider's Cinder volume types (live)"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                return [volume_type_document(provider, t) for t in providers.volume_types(provider)]

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(VolumeTypeCreateSchema)
        @blp.response(201, VolumeTypeSchema)
        @blp.alt_response(409, description="Cinder has a type of that name, or its policy refuses the provider's user")
        def post(self, data: dict[str, Any], provider_id: str) -> Any:
            """Add a Cinder volume type (its properties are Cinder's extra specs)"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                return volume_type_document(provider, providers.add_volume_type(provider, data))

    @blp.route("/<string:provider_id>/volumetypes/<string:volume_type_id>")
    class VolumeTypeByIdViews(MethodView):
        @blp.action("read", "openstack_volume_type")
        @blp.response(200, VolumeTypeSchema)
        def get(self, provider_id: str, volume_type_id: str) -> Any:
            """Get one of the provider's Cinder volume types"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                return volume_type_document(provider, providers.volume_type(provider, volume_type_id))

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.arguments(VolumeTypeUpdateSchema)
        @blp.response(200, VolumeTypeSchema)
        @blp.alt_response(409, description="The name is taken, or volumes use the type (its extra specs stay)")
        def put(self, data: dict[str, Any], provider_id: str, volume_type_id: str) -> Any:
            """Update a Cinder volume type; properties replace its extra specs"""
            with providers.session() as session:
                provider = providers.get(session, provider_id)
                updated = providers.update_volume_type(provider, volume_type_id, data)
                return volume_type_document(provider, updated)

        @blp.action("configure_openstack_volume_provider", "openstack_volume_provider", by="provider_id")
        @blp.response(204)
        @blp.alt_response(409, description="Volumes use the type (Cinder's message)")
        def delete(self, provider_id: str, volume_type_id: str) -> None:
            """Remove a Cinder volume type"""
            with providers.session() as session:
                providers.remove_volume_type(providers.get(session, provider_id), volume_type_id)

    return blp
