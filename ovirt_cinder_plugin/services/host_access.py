"""How hosts reach the plugin's volumes: fresh connection info for every VM start and hot-plug
(monitors change: a stored copy could be stale), released at stop and unplug, and the cephx keys
every host of a data center must hold as libvirt secrets.

The connection info names the libvirt secret by ``secret_uuid``: Cinder's ``rbd_secret_uuid``.
The provider's authentication key with that uuid is what the host registers under that uuid,
as in oVirt, where the administrator adds the key with the uuid Cinder is configured with.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select

from ovirt_cinder_plugin.cinder import attachments
from ovirt_cinder_plugin.cinder.errors import SecretMissing
from ovirt_cinder_plugin.db.models import Provider
from ovirt_cinder_plugin.services.disks import DiskOperations

USAGE_PREFIX = "ovirt"


def usage_name(provider_id: str, key_uuid: str) -> str:
    return f"{USAGE_PREFIX}/{provider_id}/{key_uuid}"


class HostAccess:
    def __init__(self, disks: DiskOperations) -> None:
        self.disks = disks
        self.providers = disks.providers

    def prepare(self, storage_domain: Any, disk: Any, host: Any, vm: Any) -> dict[str, Any]:
        connection = self.disks.connection(storage_domain)
        connector = attachments.connector_for(host.name, host.address)
        info = attachments.attach(connection, disk.active_volume_id, connector)
        data = info["data"]
        if data.get("auth_enabled") and data.get("secret_uuid"):
            self._check_key(storage_domain, str(data["secret_uuid"]), info["attachment_id"], connection)
        return info

    def _check_key(self, storage_domain: Any, secret_uuid: str, attachment_id: str, connection: Any) -> None:
        with self.providers.session() as session:
            provider = session.get(Provider, storage_domain.backend_ref or "")
            if provider is not None and any(k.uuid == secret_uuid for k in provider.keys):
                return
            name = provider.name if provider else storage_domain.backend_ref
        attachments.detach(connection, attachment_id)  # nothing may stay attached for a refused start
        raise SecretMissing(uuid=secret_uuid, provider=name)

    def release(self, storage_domain: Any, connection_info: dict[str, Any]) -> bool:
        attachment_id = connection_info.get("attachment_id")
        if not attachment_id:
            return False
        return attachments.detach(self.disks.connection(storage_domain), str(attachment_id))

    def secrets(self, data_center: Any) -> list[dict[str, Any]]:
        found = []
        with self.providers.session() as session:
            providers = session.scalars(select(Provider).where(Provider.data_center_id == data_center.id)).all()
            for provider in providers:
                for key in provider.keys:
                    if key.usage_type != "ceph":
                        continue
                    value = self.providers.services.secret_box.decrypt(key.value_encrypted)
                    found.append(
                        {
                            "usage_type": "ceph",
                            "usage_name": usage_name(provider.id, key.uuid),
                            "uuid": key.uuid,
                            "value": base64.b64decode(value),
                            "description": f"cephx key of the OpenStack volume provider {provider.name}",
                        }
                    )
        return found
