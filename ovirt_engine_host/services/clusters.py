"""Clusters (oVirt's): hosts, and the VMs and VM pools that run on them, in one data center.

A data center made through the API gets no cluster, as in oVirt: ``POST /api/clusters`` adds
one (``db upgrade`` made the ``Default`` cluster of the ``Default`` data center, and one cluster
for each data center that existed before clusters did). A body names a cluster by id or by name;
or, the engine's older form, by its data center alone (``cluster: {data_center: {…}}``): that
data center's first cluster by name is taken, none is made; a data center without a cluster is
refused (400, naming ``cluster.data_center``). A cluster stays in its data center; it is
removed only when no host, VM or VM pool is in it (409). Every refusal comes before any write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.db.models import Cluster, DataCenter, Host, Vm, VmPool
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.references import resolve

MEMBERS: tuple[tuple[type[Any], str], ...] = ((Host, "hosts"), (Vm, "VMs"), (VmPool, "VM pools"))
"""What belongs to a cluster, and its word in a refusal."""


def first_cluster(session: Session, data_center: DataCenter, field: str = "cluster.data_center") -> Cluster:
    """The data center's first cluster by name, or 400 naming ``field``."""
    found = session.scalar(
        select(Cluster).where(Cluster.data_center_id == data_center.id).order_by(Cluster.name).limit(1)
    )
    if found is None:
        raise Refused(400, f"{field}: data center {data_center.name} has no cluster: add one, or name the cluster")
    return found


def resolve_cluster(session: Session, reference: Mapping[str, Any] | None, field: str = "cluster") -> Cluster:
    """The cluster a body's ``cluster`` names (by id or name, or by its data center alone);
    400 naming the field when there is none. A cluster named with a data center it is not in is
    refused too."""
    reference = reference or {}
    named = reference.get("data_center")
    data_center = resolve(session, "data_center", named, f"{field}.data_center") if named else None
    if not (reference.get("id") or reference.get("name")):
        if data_center is None:
            raise Refused(422, f"{field}: give the cluster's id or name (or its data center)")
        return first_cluster(session, data_center, f"{field}.data_center")
    cluster: Cluster = resolve(session, "cluster", reference, field)
    if data_center is not None and cluster.data_center_id != data_center.id:
        raise Refused(400, f"{field}.data_center: cluster {cluster.name} is not in data center {data_center.name}")
    return cluster


def data_center_of(session: Session, cluster_id: str) -> str:
    """The id of the cluster's data center."""
    data_center_id: str = session.execute(select(Cluster.data_center_id).where(Cluster.id == cluster_id)).scalar_one()
    return data_center_id


def members_of(session: Session, cluster_ids: Any) -> list[str]:
    """What is still in the clusters (``cluster_ids``: a column expression or a list of ids),
    in words: ``hosts``, ``VMs``, ``VM pools``."""
    return [
        what
        for model, what in MEMBERS
        if session.scalar(select(model.id).where(model.cluster_id.in_(cluster_ids)).limit(1)) is not None
    ]


class ClusterService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @staticmethod
    def get(session: Session, cluster_id: str) -> Cluster:
        """The cluster a path names, by id or else by name; 404."""
        cluster = session.get(Cluster, cluster_id) or session.scalar(select(Cluster).where(Cluster.name == cluster_id))
        if cluster is None:
            raise Refused(404, f"cluster {cluster_id} not found")
        return cluster

    def add(self, data: dict[str, Any]) -> Cluster:
        with self._sessions() as session:
            data_center = resolve(session, "data_center", data.pop("data_center", None), "data_center")
            self._refuse_taken(session, data["name"])
            cluster = Cluster(**data, data_center_id=data_center.id)
            session.add(cluster)
            self._commit(session, data["name"])
            return cluster

    def update(self, cluster_id: str, changes: dict[str, Any]) -> Cluster:
        """A new name or description; a cluster does not move to another data center (409)."""
        with self._sessions() as session:
            cluster = self.get(session, cluster_id)
            moving = changes.pop("data_center", None)
            if moving is not None:
                data_center = resolve(session, "data_center", moving, "data_center")
                if data_center.id != cluster.data_center_id:
                    raise Refused(409, f"data_center: cluster {cluster.name} cannot move to another data center")
            if changes.get("name", cluster.name) != cluster.name:
                self._refuse_taken(session, changes["name"])
            for key, value in changes.items():
                setattr(cluster, key, value)
            self._commit(session, cluster.name)
            return cluster

    def remove(self, cluster_id: str) -> None:
        with self._sessions() as session:
            cluster = self.get(session, cluster_id)
            remaining = members_of(session, [cluster.id])
            if remaining:
                raise Refused(409, f"cluster {cluster.name} still has {' and '.join(remaining)}")
            session.delete(cluster)
            self._commit(session, cluster.name, "the cluster is in use: something was added to it meanwhile")

    @staticmethod
    def _refuse_taken(session: Session, name: str) -> None:
        if session.scalar(select(Cluster.id).where(Cluster.name == name)) is not None:
            raise Refused(409, f"name: a cluster named {name!r} exists")

    @staticmethod
    def _commit(session: Session, name: str, conflict: str = "") -> None:
        """Commit; a conflict found by the database (a concurrent request) is a 409."""
        try:
            session.commit()
        except IntegrityError as error:
            raise Refused(409, conflict or f"name: a cluster named {name!r} exists") from error
