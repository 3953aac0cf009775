"""The engine's hosts: added to a cluster in maintenance, activated once libvirt answers and the
libvirt secrets of the cluster's data center are registered there; every plugin's keys reach
every active host."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ovirt_engine_host.db.models import Cluster, Host, Vm
from ovirt_engine_host.errors import Refused, backend_refusal
from ovirt_engine_host.hostagent.agent import HostAgent
from ovirt_engine_host.hostagent.libvirt_session import HostUnreachable, connected
from ovirt_engine_host.services.clusters import resolve_cluster
from ovirt_engine_host.state import EngineState

LOG = logging.getLogger(__name__)
SYSTEM_URI = "qemu:///system"
TEST_URI = "test:///default"


def default_libvirt_uri() -> str:
    """``qemu:///system`` when a libvirtd answers here, else libvirt's embedded test driver."""
    try:
        with connected(SYSTEM_URI):
            return SYSTEM_URI
    except HostUnreachable:
        LOG.info("no libvirtd answers at %s: the host uses %s", SYSTEM_URI, TEST_URI)
        return TEST_URI


class HostService:
    def __init__(self, state: EngineState) -> None:
        self.state = state

    def agent(self, host: Host) -> HostAgent:
        config = self.state.config
        return HostAgent(host.libvirt_uri, config.hook_pythonpath)

    @staticmethod
    def get(session: Session, host_id: str) -> Host:
        host = session.get(Host, host_id) or session.scalar(select(Host).where(Host.name == host_id))
        if host is None:
            raise Refused(404, f"host {host_id} not found")
        return host

    def add(self, data: dict[str, Any]) -> Host:
        with self.state.session_factory() as session:
            cluster = resolve_cluster(session, data["cluster"])
            host = Host(
                name=data["name"],
                address=data["address"],
                libvirt_uri=data.get("libvirt_uri") or default_libvirt_uri(),
                cluster_id=cluster.id,
            )
            session.add(host)
            try:
                session.commit()
            except IntegrityError as error:
                raise Refused(409, f"name: a host named {data['name']!r} exists") from error
            return host

    def activate(self, host_id: str) -> Host:
        with self.state.session_factory() as session:
            host = self.get(session, host_id)
            self.sync_secrets(host)
            host.status = "up"
            session.commit()
            return host

    def deactivate(self, host_id: str) -> Host:
        with self.state.session_factory() as session:
            host = self.get(session, host_id)
            running = session.scalars(select(Vm.name).where(Vm.host_id == host.id, Vm.status != "down")).all()
            if running:
                raise Refused(409, f"host {host.name} still runs {', '.join(running)}")
            host.status = "maintenance"
            session.commit()
            return host

    def remove(self, host_id: str) -> None:
        with self.state.session_factory() as session:
            host = self.get(session, host_id)
            if host.status != "maintenance":
                raise Refused(409, f"host {host.name} is {host.status}: move it to maintenance first")
            try:
                self.agent(host).sync_secrets([])  # the engine's secrets leave with the host
            except Exception as error:  # noqa: BLE001 - an unreachable host is removed all the same
                LOG.warning("could not remove the secrets of host %s: %s", host.name, error)
            session.delete(host)
            session.commit()

    def sync_secrets(self, host: Host) -> None:
        """Register the secrets of the host's data center on it (and drop stale ``ovirt/`` ones)."""
        data_center = self.state.services.data_centers.get(host.cluster.data_center_id)
        if data_center is None:
            raise Refused(409, f"host {host.name}: its data center {host.cluster.data_center_id} is gone")
        try:
            self.agent(host).sync_secrets(self.state.hooks.host_secrets(data_center))
        except Exception as error:
            raise backend_refusal(error) from error

    def refresh_data_center(self, data_center_id: str) -> None:
        """After a plugin's keys changed: every active host of the data center gets them now."""
        with self.state.session_factory() as session:
            hosts = session.scalars(
                select(Host)
                .join(Cluster, Host.cluster_id == Cluster.id)
                .where(Cluster.data_center_id == data_center_id, Host.status == "up")
            ).all()
        for host in hosts:
            try:
                self.sync_secrets(host)
            except Refused as refused:  # the next activation or start registers them again
                LOG.warning("secrets of host %s not refreshed: %s", host.name, refused)
