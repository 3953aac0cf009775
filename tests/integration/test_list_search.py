"""oVirt's ``max`` and ``search`` on SQLite and on the stack's PostgreSQL (the ``engine`` fixture
gives both): the same answers on both databases, in JSON and in XML valid against api.xsd, the
order stable, and a query that cannot be parsed a 400 naming ``search``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert

from ovirt_engine_host.db.models import Disk, StorageDomain, Vm
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml

XML = {"Accept": "application/xml"}


def disk(alias: str, domain_id: str, status: str = "ok") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "alias": alias, "description": "", "storage_domain_id": domain_id,
        "provisioned_size": 1 << 30, "actual_size": 1 << 30, "status": status, "format": "raw", "sparse": True,
        "bootable": False, "shareable": False, "interface": "virtio", "volume_type": None,
        "active_volume_id": str(uuid.uuid4()),
    }  # fmt: skip


def test_max_and_search_on_both_databases(engine: Engine) -> None:
    engine_state(engine.app).poller.stop()
    with engine_state(engine.app).session_factory() as session:
        for name in ("fast", "slow"):
            session.add(StorageDomain(id=name, name=f"{name}-sd", type="cinder", data_center_id=engine.data_center_id))
        session.flush()
        rows = [disk(f"web{n}", "fast") for n in range(3)] + [disk(f"db{n}", "slow", "locked") for n in range(2)]
        rows += [disk("100%_sure", "slow")]
        session.execute(insert(Disk), rows)
        session.execute(
            insert(Vm),
            [{"name": f"vm-{n}", "memory": 1 << 30, "cluster_id": engine.cluster_id} for n in range(3)],
        )
        session.commit()

    def aliases(query: str) -> list[str]:
        answer = engine.request("GET", f"/api/disks?{query}")
        assert answer.status_code == 200, answer.json
        document = assert_valid_xml(engine.request("GET", f"/api/disks?{query}", headers=XML).data)
        found = [d["alias"] for d in answer.json]
        assert [d.findtext("alias") for d in document] == found  # the same list in XML
        return found

    assert aliases("") == ["100%_sure", "db0", "db1", "web0", "web1", "web2"]
    assert aliases("search=name%3DWEB*") == ["web0", "web1", "web2"]
    assert aliases("search=name%3Dweb*&max=2") == ["web0", "web1"]
    assert aliases("search=storage%3Dslow-sd and status%3Dlocked") == ["db0", "db1"]
    assert aliases("search=status!%3Dlocked and alias%3D*0") == ["web0"]
    assert aliases("search=name%3D100%25_*") == ["100%_sure"]  # % and _ are no wildcards
    assert aliases("search=name%3D1_0*") == []
    assert aliases("max=1") == ["100%_sure"]
    on_domain = engine.request("GET", "/api/storagedomains/fast/disks?search=name%3D*1").json
    assert [d["alias"] for d in on_domain] == ["web1"]
    vms = engine.request("GET", "/api/vms?search=name%3Dvm-*&max=2", headers=XML)
    assert [v.findtext("name") for v in assert_valid_xml(vms.data)] == ["vm-0", "vm-1"]
    refused = engine.request("GET", "/api/disks?search=name%3Dweb* or name%3Ddb*", headers=XML)
    assert refused.status_code == 400
    assert str(assert_valid_xml(refused.data).findtext("detail")).startswith("search: ")
    assert engine.request("GET", "/api/vms?search=colour%3Dred").json["message"].startswith("search: ")
