"""The schemas of ``/api/openstackvolumeproviders/{id}/volumetypes``, named after oVirt 3.6's XML
elements."""

from __future__ import annotations

import marshmallow as ma


class VolumeTypeSchema(ma.Schema):
    xml_element = "openstack_volume_type"
    xml_collection = "openstack_volume_types"

    id = ma.fields.String()
    href = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    properties = ma.fields.Raw()
    openstack_volume_provider = ma.fields.Raw()
