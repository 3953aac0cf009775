"""Removing a data center: refused (409) while it has storage domains, or hosts, VMs or VM pools
in its clusters; its clusters, then empty, go with it (oVirt detaches them and keeps them; here a
cluster is always in a data center). Nothing is written when it is refused."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.db.models import Cluster, DataCenter, StorageDomain
from ovirt_engine_host.errors import Refused
from ovirt_engine_host.services.clusters import members_of


class DataCenterService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @staticmethod
    def get(session: Session, data_center_id: str) -> DataCenter:
        found = session.get(DataCenter, data_center_id)
        if found is None:
            raise Refused(404, f"data center {data_center_id} not found")
        return found

    def remove(self, data_center_id: str) -> None:
        with self._sessions() as session:
            data_center = self.get(session, data_center_id)
            clusters = select(Cluster.id).where(Cluster.data_center_id == data_center.id)
            domains = select(StorageDomain.id).where(StorageDomain.data_center_id == data_center.id).limit(1)
            remaining = ["storage domains"] if session.scalar(domains) is not None else []
            remaining += members_of(session, clusters)
            if remaining:
                raise Refused(409, f"the data center still has {' and '.join(remaining)}")
            session.execute(delete(Cluster).where(Cluster.data_center_id == data_center.id))
            session.delete(data_center)
            try:
                session.commit()
            except IntegrityError as error:  # something was added to it meanwhile
                raise Refused(409, "the data center is in use: something was added to it meanwhile") from error
