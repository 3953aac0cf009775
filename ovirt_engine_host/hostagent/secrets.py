"""libvirt secrets from the plugins' :class:`HostSecret` lists: each defined ephemeral and private
(never written to the host's disk, never readable back), its value set, and every ``ovirt/``
secret no plugin lists any more removed. Values are never logged."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libvirt
from lxml import etree

from ovirt_engine_host.contract import HostSecret
from ovirt_engine_host.hostagent.libvirt_session import supports_secrets

LOG = logging.getLogger(__name__)
ENGINE_USAGE_PREFIX = "ovirt/"


@dataclass
class SecretSync:
    defined: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: bool = False


def secret_xml(secret: HostSecret) -> str:
    root = etree.Element("secret", ephemeral="yes", private="yes")
    etree.SubElement(root, "uuid").text = secret["uuid"]
    etree.SubElement(root, "description").text = secret["description"]
    usage = etree.SubElement(root, "usage", type=secret["usage_type"])
    etree.SubElement(usage, "name").text = secret["usage_name"]
    return etree.tostring(root, encoding="unicode")


def sync_secrets(connection: Any, secrets: Sequence[HostSecret], uri: str) -> SecretSync:
    report = SecretSync()
    if not supports_secrets(connection):
        LOG.warning(
            "libvirt at %s has no secrets (e.g. test:///default): %d secret(s) not registered", uri, len(secrets)
        )
        report.skipped = True
        return report
    wanted = {secret["uuid"]: secret for secret in secrets}
    for existing in connection.listAllSecrets():
        usage = existing.usageID() or ""
        if usage.startswith(ENGINE_USAGE_PREFIX) and existing.UUIDString() not in wanted:
            existing.undefine()
            report.removed.append(usage)
    for secret in secrets:
        try:
            defined = connection.secretDefineXML(secret_xml(secret))
        except libvirt.libvirtError:  # the uuid is taken under another usage: replace it
            connection.secretLookupByUUIDString(secret["uuid"]).undefine()
            defined = connection.secretDefineXML(secret_xml(secret))
        defined.setValue(secret["value"])
        report.defined.append(secret["usage_name"])
    LOG.info("libvirt at %s: secrets %s registered, %s removed", uri, report.defined, report.removed)
    return report
