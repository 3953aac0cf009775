"""The schemas of ``/api/clusters``, named after oVirt 3.6's XML elements, and the ``cluster``
field of the resources that belong to a cluster (hosts, VMs, VM pools): a reference when loaded,
``<cluster id="…" href="…"/>`` when dumped (the cluster's data center is reachable from it)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ovirt_engine_host.api.common import OPENAPI_SCHEMA, Reference, RequiresAny, ResourceSchema, name_field
from ovirt_engine_host.db.models import Cluster

CLUSTERS = "/api/clusters"


def cluster_link(cluster_id: str) -> dict[str, str]:
    return {"id": cluster_id, "href": f"{CLUSTERS}/{cluster_id}"}


class ClusterReference(RequiresAny):
    """A cluster by id or name; or, the engine's older form, by its data center alone
    (``<cluster><data_center id|name/></cluster>``): that data center's first cluster by name."""

    required_any = (("id", "name", "data_center"),)

    id = ma.fields.String()
    name = ma.fields.String()
    href = ma.fields.String(load_only=True)
    data_center = ma.fields.Nested(Reference)


def cluster_field(**kwargs: Any) -> ma.fields.Method:
    """The ``cluster`` of a host, a VM or a pool: its schema defines ``cluster_dump`` (use
    :func:`cluster_link`) and ``cluster_load`` (:func:`load_cluster`)."""
    return ma.fields.Method("cluster_dump", deserialize="cluster_load", metadata={OPENAPI_SCHEMA: ClusterReference},
                            **kwargs)  # fmt: skip


def load_cluster(value: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = ClusterReference().load(value)
    return loaded


class ClusterSchema(ResourceSchema):
    xml_element = "cluster"
    xml_collection = "clusters"
    collection_path = CLUSTERS

    name = name_field(40, required=True)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    data_center = ma.fields.Method(
        "data_center_dump", deserialize="data_center_load", required=True, metadata={OPENAPI_SCHEMA: Reference}
    )

    def data_center_dump(self, cluster: Cluster) -> dict[str, str]:
        return {"id": cluster.data_center_id, "href": f"/api/datacenters/{cluster.data_center_id}"}

    def data_center_load(self, value: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = Reference().load(value)
        return loaded


class ClusterUpdateSchema(ClusterSchema):
    """``PUT``: the name and the description; a missing one stays as it is. A cluster does not
    move to another data center."""

    name = name_field(40)
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    data_center = ma.fields.Method(
        "data_center_dump", deserialize="data_center_load", metadata={OPENAPI_SCHEMA: Reference}
    )
