"""libvirtd answers on qemu:///system and really runs QEMU (TCG: no KVM needed)."""

from __future__ import annotations

import uuid

import libvirt
from lxml import etree

from tests.stack import Stack

libvirt.registerErrorHandler(lambda *_: None, None)  # errors arrive as exceptions anyway


def test_libvirt_answers_and_offers_tcg_x86_64(stack: Stack) -> None:
    connection = libvirt.open(stack.libvirt_uri)
    try:
        assert connection.getURI() == "qemu:///system"
        assert connection.getLibVersion() >= 9_000_000
        capabilities = etree.fromstring(connection.getCapabilities().encode())
        assert capabilities.xpath("/capabilities/guest[arch/@name='x86_64']/arch/domain[@type='qemu']")
    finally:
        connection.close()


def test_a_tcg_domain_starts_and_stops(stack: Stack) -> None:
    name = f"pytest-{uuid.uuid4().hex[:8]}"
    xml = f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
      <os><type arch='x86_64'>hvm</type></os><devices><graphics type='vnc' port='-1' listen='127.0.0.1'/></devices>
    </domain>"""
    connection = libvirt.open(stack.libvirt_uri)
    try:
        domain = connection.createXML(xml, 0)  # transient: gone once destroyed
        try:
            state, _ = domain.state()
            assert state == libvirt.VIR_DOMAIN_RUNNING
            assert domain.ID() > 0
        finally:
            domain.destroy()
        assert name not in [d.name() for d in connection.listAllDomains()]
    finally:
        connection.close()
