"""Each pending command is worked on by exactly one engine process: claims race from several
threads (each with its own database connection and owner name) on SQLite and PostgreSQL; a lease
held by a live process is respected, and one held by a dead process on this host is taken over
at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from ovirt_engine_host.commands import clock, store
from ovirt_engine_host.commands.identity import is_dead, this_process
from ovirt_engine_host.commands.jobs import start_job
from ovirt_engine_host.db.models import Command, StorageDomain
from ovirt_engine_host.state import engine_state
from tests.engine import Engine

COMMANDS = 200
WORKERS = 4


def add_due_commands(engine: Engine, count: int) -> list[str]:
    with engine_state(engine.app).session_factory() as session:
        domain = StorageDomain(name="sd1", type="cinder", data_center_id=engine.data_center_id, backend_ref="x")
        session.add(domain)
        job = start_job(session, "claims", None, "waiting")
        commands = [
            Command(
                job_id=job.id,
                storage_domain_id=domain.id,
                entity_type="disk",
                entity_id=f"disk-{n}",
                kind="create_disk",
                request_id=f"request-{n}",
                state="pending",
                next_poll_at=clock.now() - timedelta(seconds=1),
            )
            for n in range(count)
        ]
        session.add_all(commands)
        session.commit()
        return [c.id for c in commands]


def test_racing_claims_share_out_the_commands_without_overlap(engine: Engine) -> None:
    engine_state(engine.app).poller.stop()
    ids = add_due_commands(engine, COMMANDS)
    sessions = engine_state(engine.app).session_factory
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(WORKERS)

    def worker(owner: str) -> None:
        start.wait()
        mine: list[str] = []
        while True:
            with sessions() as session:
                batch = store.claim_due(session, owner, lease_seconds=60, limit=7)
            if not batch:
                break
            mine += [c.id for c in batch]
        claimed[owner] = mine

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    everything = [command_id for mine in claimed.values() for command_id in mine]
    assert sorted(everything) == sorted(ids)  # every command claimed, none twice
    assert len(set(everything)) == len(everything)
    with sessions() as session:  # leases are held: nobody else gets them now
        assert store.claim_due(session, "latecomer", lease_seconds=60) == []


def test_a_dead_owners_lease_is_taken_over_and_a_live_ones_is_not(engine: Engine) -> None:
    engine_state(engine.app).poller.stop()
    (command_id,) = add_due_commands(engine, 1)
    host = this_process().split(":")[0]
    dead_owner = f"{host}:{2**22 + 7}:1"  # beyond pid_max's default: no such process
    assert is_dead(dead_owner)
    assert not is_dead(this_process())
    assert not is_dead("another-host:1:1")  # a process elsewhere is never declared dead
    sessions = engine_state(engine.app).session_factory
    for owner, taken_over in ((this_process(), False), ("another-host:1:1", False), (dead_owner, True)):
        with sessions() as session:
            command = session.get(Command, command_id)
            assert command is not None
            command.lease_owner, command.lease_until = owner, clock.now() + timedelta(seconds=60)
            command.next_poll_at = command.lease_until
            session.commit()
        with sessions() as session:
            claimed = store.claim_due(session, "successor", lease_seconds=60)
        assert [c.id for c in claimed] == ([command_id] if taken_over else []), owner
