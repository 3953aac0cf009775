"""Attaching volumes to hosts through Cinder's attachments API (microversion 3.44+).

Attachments are created **without** an ``instance_id``: Cinder lets only Nova delete an
attachment bound to an instance (the OSSA-2023-003 check answers 500 otherwise), and the engine
is not Nova. The VM is named in the connector's ``host`` bookkeeping instead, and releasing is a
plain ``DELETE /attachments/{id}`` that leaves the volume ``available``.

The attachments API answers with a flat ``connection_info``; the engine's contract, like Nova and
os-brick, nests the driver's parameters under ``data`` (``nova/volume/cinder.py`` does the same).
"""

from __future__ import annotations

from typing import Any

from cinderclient import exceptions as cinder_exceptions

from ovirt_cinder_plugin.cinder.calls import boundary
from ovirt_cinder_plugin.cinder.credentials import CinderConnection

SECRET_KEYS = frozenset({"keyring", "key", "secret", "auth_password"})
TOP_LEVEL_KEYS = frozenset({"driver_volume_type", "attachment_id"})


@boundary
def connector_for(host_name: str, address: str) -> dict[str, Any]:
    """os-brick's connector properties of a hypervisor, as far as RBD needs them."""
    return {
        "platform": "x86_64",
        "os_type": "linux",
        "ip": address,
        "host": host_name,
        "multipath": False,
        "initiator": None,
    }


@boundary
def nested(flat: dict[str, Any], attachment_id: str) -> dict[str, Any]:
    """``{"driver_volume_type", "data", "attachment_id"}`` from the flat answer, with every key
    that could carry key material left out."""
    data = {k: v for k, v in flat.items() if k not in TOP_LEVEL_KEYS and k not in SECRET_KEYS}
    return {
        "driver_volume_type": str(flat.get("driver_volume_type") or ""),
        "data": data,
        "attachment_id": str(flat.get("attachment_id") or attachment_id),
    }


@boundary
def attach(connection: CinderConnection, volume_id: str, connector: dict[str, Any]) -> dict[str, Any]:
    """Create and complete an attachment; the volume is ``in-use`` afterwards."""
    created = connection.client.attachments.create(volume_id, connector, instance_id=None, mode="rw")
    attachment = created if isinstance(created, dict) else created.to_dict()  # cinderclient answers a dict
    attachment_id = str(attachment["id"])
    info = dict(attachment.get("connection_info") or {})
    try:
        connection.client.attachments.complete(attachment_id)
    except Exception:
        connection.client.attachments.delete(attachment_id)  # never leave the volume reserved
        raise
    return nested(info, attachment_id)


@boundary
def detach(connection: CinderConnection, attachment_id: str) -> bool:
    """Delete the attachment; False when it was gone already (releasing twice is no error)."""
    try:
        connection.client.attachments.delete(attachment_id)
    except cinder_exceptions.NotFound:
        return False
    return True


@boundary
def connection_data(connection: CinderConnection, volume_id: str, connector: dict[str, Any]) -> dict[str, Any]:
    """The driver's connection data for a volume (``data``: for RBD the pool/image, monitors and
    cephx user), without attaching it: Cinder's ``os-initialize_connection``, then
    ``os-terminate_connection``; the volume's status never changes. For the plugin's own use
    (an independent copy), not for a host."""
    info = connection.client.volumes.initialize_connection(volume_id, connector)
    try:
        data = dict((info or {}).get("data") or {})
    finally:
        connection.client.volumes.terminate_connection(volume_id, connector)
    return {k: v for k, v in data.items() if k not in SECRET_KEYS}
