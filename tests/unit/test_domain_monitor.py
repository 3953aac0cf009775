"""The storage-domain monitor's rules, on SQLite with a small storage plugin whose backend is a
dict (the real Cinder path is tests/integration/test_domain_monitoring.py): the reconciliation
marks disks of vanished or failed volumes illegal and heals only its own, follows sizes, leaves
disks with an operation under way alone, deletes nothing, and asks for one volume list per
domain per period however many monitors share the database; the status probe makes a silent
domain inactive only after ``inactive_after`` (new disks refused with 409), active again at the
first answer; the representation shows the capacity in JSON and in XML valid against api.xsd."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from ovirt_engine_host.commands import clock
from ovirt_engine_host.commands.jobs import start_job
from ovirt_engine_host.config import MonitorSettings
from ovirt_engine_host.contract import hookimpl
from ovirt_engine_host.db.models import Command, Disk, DiskAttachment, StorageDomain, StorageDomainMonitor, Vm
from ovirt_engine_host.monitoring.monitor import DomainMonitor
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml, build_engine, stop_engine
from tests.storage_types import storage_type

TYPE = "dictstore"
GiB = 1 << 30
SETTINGS = MonitorSettings(status_interval=10, sync_interval=60, inactive_after=30, lease_seconds=120)


class DictBackend:
    """A storage plugin whose volumes are a dict; ``reachable`` false: it answers nothing."""

    def __init__(self) -> None:
        self.volumes: dict[str, dict[str, Any]] = {}
        self.reachable = True
        self.list_calls = 0
        self.status_calls = 0

    def volume(
        self, size: int = GiB, status: str = "available", condition: str = "ok", reason: str | None = None
    ) -> str:
        volume_id = str(uuid.uuid4())
        self.volumes[volume_id] = {
            "id": volume_id, "name": "", "description": "", "size": size, "volume_type": None, "created": None,
            "status": status, "attached": False, "engine_id": None, "request_id": None, "condition": condition,
            "reason": reason,
        }  # fmt: skip
        return volume_id

    @hookimpl
    def ovirt_engine_storage_domain_types(self) -> list[dict[str, Any]]:
        return [storage_type(TYPE)]

    @hookimpl
    def ovirt_engine_list_volumes(self, storage_domain: Any) -> list[dict[str, Any]] | None:
        if storage_domain.type != TYPE:
            return None
        self.list_calls += 1
        if not self.reachable:
            raise ConnectionError("the dict is unreachable")
        return [dict(volume) for volume in self.volumes.values()]

    @hookimpl
    def ovirt_engine_domain_status(self, storage_domain: Any) -> dict[str, Any] | None:
        if storage_domain.type != TYPE:
            return None
        self.status_calls += 1
        if not self.reachable:
            return {"reachable": False, "reason": "the dict does not answer", "available": None, "used": None,
                    "source": None}  # fmt: skip
        used = sum(volume["size"] for volume in self.volumes.values())
        return {"reachable": True, "reason": None, "available": 100 * GiB - used, "used": used, "source": "dict"}


@pytest.fixture
def backend() -> DictBackend:
    return DictBackend()


@pytest.fixture
def dict_engine(tmp_path: Path, backend: DictBackend) -> Iterator[Engine]:
    built = build_engine(tmp_path, "", extra_plugins=(backend,), monitor=SETTINGS)
    with engine_state(built.app).session_factory() as session:
        session.add(StorageDomain(id="sd-1", name="dict1", type=TYPE, data_center_id=built.data_center_id))
        session.commit()
    yield built
    stop_engine(built)


@pytest.fixture
def manual_clock() -> Iterator[clock.ManualClock]:
    with clock.controlled() as controlled:
        yield controlled


def monitor_of(dict_engine: Engine) -> DomainMonitor:
    return engine_state(dict_engine.app).monitor


def add_disk(dict_engine: Engine, volume_id: str, **changes: Any) -> str:
    row = {"id": volume_id, "alias": f"disk-{volume_id[:8]}", "storage_domain_id": "sd-1", "provisioned_size": GiB,
           "status": "ok", "active_volume_id": volume_id, **changes}  # fmt: skip
    with engine_state(dict_engine.app).session_factory() as session:
        session.execute(insert(Disk), [row])
        session.commit()
    return volume_id


def disk(dict_engine: Engine, disk_id: str) -> Disk:
    with engine_state(dict_engine.app).session_factory() as session:
        found = session.get(Disk, disk_id)
        assert found is not None
        return found


def test_a_vanished_volume_makes_its_disk_illegal_and_its_return_heals_it(
    dict_engine: Engine, backend: DictBackend, manual_clock: clock.ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    volume_id = add_disk(dict_engine, backend.volume())
    kept = backend.volumes.pop(volume_id)
    with caplog.at_level(logging.INFO, logger="ovirt_engine_host.monitoring"):
        monitor_of(dict_engine).run_once()
    gone = disk(dict_engine, volume_id)
    assert (gone.status, gone.status_detail) == ("illegal", f"volume {volume_id} no longer exists in Dictstore")
    assert any(volume_id in record.getMessage() and record.levelno == logging.WARNING for record in caplog.records)

    backend.volumes[volume_id] = kept  # back (say, restored by an administrator)
    manual_clock.advance(SETTINGS.sync_interval)
    monitor_of(dict_engine).run_once()
    healed = disk(dict_engine, volume_id)
    assert (healed.status, healed.status_detail, healed.sync_detail) == ("ok", None, None)


def test_a_failed_volume_makes_its_disk_illegal_with_the_reason_and_fine_again_ok(
    dict_engine: Engine, backend: DictBackend, manual_clock: clock.ManualClock
) -> None:
    volume_id = add_disk(dict_engine, backend.volume())
    backend.volumes[volume_id].update(status="error_extending", condition="error", reason="the pool is full")
    monitor_of(dict_engine).run_once()
    failed = disk(dict_engine, volume_id)
    assert failed.status == "illegal"
    assert failed.status_detail == f"volume {volume_id} is error_extending in Dictstore: the pool is full"

    backend.volumes[volume_id].update(status="available", condition="ok", reason=None, size=3 * GiB)
    manual_clock.advance(SETTINGS.sync_interval)
    monitor_of(dict_engine).run_once()
    fine = disk(dict_engine, volume_id)
    assert (fine.status, fine.provisioned_size) == ("ok", 3 * GiB)


def test_a_volume_resized_outside_the_engine_gives_its_disk_its_size(dict_engine: Engine, backend: DictBackend) -> None:
    volume_id = add_disk(dict_engine, backend.volume(size=5 * GiB))
    monitor_of(dict_engine).run_once()
    resized = disk(dict_engine, volume_id)
    assert (resized.status, resized.provisioned_size) == ("ok", 5 * GiB)


def test_an_illegal_disk_the_reconciliation_did_not_mark_stays_illegal(
    dict_engine: Engine, backend: DictBackend
) -> None:
    detail = "Cinder refused to delete volume …: it has snapshots"
    volume_id = add_disk(dict_engine, backend.volume(size=2 * GiB), status="illegal", status_detail=detail)
    monitor_of(dict_engine).run_once()
    kept = disk(dict_engine, volume_id)
    assert (kept.status, kept.status_detail, kept.provisioned_size) == ("illegal", detail, GiB)


def test_a_disk_with_an_operation_under_way_is_left_alone(dict_engine: Engine, backend: DictBackend) -> None:
    state = engine_state(dict_engine.app)
    locked = add_disk(dict_engine, backend.volume(), status="locked")
    removing = add_disk(dict_engine, backend.volume(), removing=True)
    commanded = add_disk(dict_engine, backend.volume())
    in_locked_vm = add_disk(dict_engine, backend.volume())
    with state.session_factory() as session:
        job = start_job(session, "Extending", None, "Extending the volume")
        session.flush()
        extend = {"entity_type": "disk", "entity_id": commanded, "kind": "extend_disk", "request_id": commanded}
        session.add(Command(job_id=job.id, storage_domain_id="sd-1", backend_id=commanded, state="pending", **extend))
        session.add(Vm(id="vm-1", name="vm1", memory=GiB, cluster_id=dict_engine.cluster_id, locked_by_job_id=job.id))
        session.flush()
        session.add(DiskAttachment(vm_id="vm-1", disk_id=in_locked_vm))
        session.commit()
    busy = [locked, removing, commanded, in_locked_vm]
    for volume_id in busy:
        del backend.volumes[volume_id]
    monitor_of(dict_engine).run_once()
    assert backend.list_calls == 1
    assert [(disk(dict_engine, d).status, disk(dict_engine, d).status_detail) for d in busy] == [
        ("locked", None), ("ok", None), ("ok", None), ("ok", None)
    ]  # fmt: skip


def test_reconciliation_deletes_nothing(dict_engine: Engine, backend: DictBackend) -> None:
    volume_id = add_disk(dict_engine, backend.volume())
    del backend.volumes[volume_id]
    monitor_of(dict_engine).run_once()
    with engine_state(dict_engine.app).session_factory() as session:
        assert session.scalars(select(Disk.id)).all() == [volume_id]


def test_one_volume_list_per_domain_per_period_whatever_the_number_of_monitors(
    dict_engine: Engine, backend: DictBackend, manual_clock: clock.ManualClock
) -> None:
    state = engine_state(dict_engine.app)
    monitors = [DomainMonitor(state.session_factory, state.hooks, SETTINGS) for _ in range(4)]
    start = threading.Barrier(len(monitors))

    def run(monitor: DomainMonitor) -> None:
        start.wait()
        monitor.run_once()

    threads = [threading.Thread(target=run, args=(monitor,)) for monitor in monitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (backend.list_calls, backend.status_calls) == (1, 1)
    for monitor in monitors:
        monitor.run_once()
    assert (backend.list_calls, backend.status_calls) == (1, 1), "nothing is due again before its period"
    manual_clock.advance(SETTINGS.status_interval)
    for monitor in monitors:
        monitor.run_once()
    assert (backend.list_calls, backend.status_calls) == (1, 2), "the status is probed more often than a sync"
    manual_clock.advance(SETTINGS.sync_interval)
    for monitor in monitors:
        monitor.run_once()
    assert (backend.list_calls, backend.status_calls) == (2, 3)


def test_a_lease_held_by_another_process_is_respected_until_it_expires(
    dict_engine: Engine, backend: DictBackend, manual_clock: clock.ManualClock
) -> None:
    monitor_of(dict_engine).run_once()  # makes the row
    state = engine_state(dict_engine.app)
    with state.session_factory() as session:
        row = session.get(StorageDomainMonitor, "sd-1")
        assert row is not None
        row.lease_owner, row.lease_until = "elsewhere:1:1", clock.later(SETTINGS.lease_seconds)
        session.commit()
    manual_clock.advance(SETTINGS.sync_interval)
    assert monitor_of(dict_engine).run_once() == []
    manual_clock.advance(SETTINGS.lease_seconds)
    assert [claim.storage_domain_id for claim in monitor_of(dict_engine).run_once()] == ["sd-1"]


def domain_json(dict_engine: Engine) -> dict[str, Any]:
    answer = dict_engine.request("GET", "/api/storagedomains/sd-1")
    assert answer.status_code == 200, answer.json
    found: dict[str, Any] = answer.json
    return found


def test_a_silent_backend_makes_the_domain_inactive_after_a_while_refusing_new_disks(
    dict_engine: Engine, backend: DictBackend, manual_clock: clock.ManualClock
) -> None:
    monitor_of(dict_engine).run_once()
    assert domain_json(dict_engine)["status"]["state"] == "active"
    backend.reachable = False
    manual_clock.advance(SETTINGS.status_interval)
    monitor_of(dict_engine).run_once()
    assert domain_json(dict_engine)["status"]["state"] == "active", "one missed answer is no outage"
    manual_clock.advance(SETTINGS.inactive_after)
    monitor_of(dict_engine).run_once()
    shown = domain_json(dict_engine)
    assert shown["status"]["state"] == "inactive"
    assert "error=the dict does not answer" in shown["status"]["detail"]
    body = {"alias": "new", "provisioned_size": GiB, "storage_domains": {"storage_domain": [{"id": "sd-1"}]}}
    refused = dict_engine.request("POST", "/api/disks", json=body)
    assert refused.status_code == 409
    assert "dict1 is inactive" in refused.json["message"]

    backend.reachable = True
    manual_clock.advance(SETTINGS.status_interval)
    monitor_of(dict_engine).run_once()
    assert domain_json(dict_engine)["status"]["state"] == "active"


def test_the_domain_shows_its_capacity_in_json_and_xml(dict_engine: Engine, backend: DictBackend) -> None:
    add_disk(dict_engine, backend.volume(size=2 * GiB))
    add_disk(dict_engine, backend.volume(size=3 * GiB), provisioned_size=3 * GiB)
    monitor_of(dict_engine).run_once()
    shown = domain_json(dict_engine)
    assert (shown["available"], shown["used"], shown["committed"]) == (95 * GiB, 5 * GiB, 5 * GiB)
    assert shown["status"]["detail"].startswith("capacity_source=dict; since=")
    listed = next(d for d in dict_engine.request("GET", "/api/storagedomains").json if d["id"] == "sd-1")
    assert listed == shown
    xml = dict_engine.request("GET", "/api/storagedomains/sd-1", headers={"Accept": "application/xml"})
    document = assert_valid_xml(xml.data)
    assert [document.findtext(name) for name in ("available", "used", "committed")] == [
        str(95 * GiB), str(5 * GiB), str(5 * GiB)
    ]  # fmt: skip
    assert json.loads(json.dumps(shown))["status"]["state"] == document.findtext("status/state") == "active"
