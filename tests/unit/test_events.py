"""The audit log on the in-process engine (SQLite): every change through the API is an event
with its user, object, outcome and correlation id, a refusal a warning and nothing else
written; a job's end is an event; ``/api/events`` lists newest first with ``max``, ``search``
and ``from``, gets one by id, answers XML valid against api.xsd, shows a user his own events
only; the log is pruned to ``events_keep``; no event ever holds a password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ovirt_engine_host.access import audit, events
from ovirt_engine_host.authorization import DeclaredAction
from ovirt_engine_host.commands.jobs import end_job, start_job
from ovirt_engine_host.db.models import Base, Event, User
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state
from tests.engine import Engine, assert_valid_xml, build_engine

XML = {"Accept": "application/xml"}
SECRET = "S3cret-pass-xyz"
MEMBER = ("member", "member-password")


@pytest.fixture
def fresh(tmp_path: Path) -> Engine:
    """An engine on a fresh SQLite database (named so: ``engine`` is the stack's fixture)."""
    return build_engine(tmp_path, "")


def session_of(engine: Engine) -> Session:
    return engine_state(engine.app).session_factory()


def all_events(engine: Engine) -> list[Event]:
    with session_of(engine) as session:
        return list(session.scalars(select(Event).order_by(Event.id)).all())


def row_counts(engine: Engine) -> dict[str, int]:
    with session_of(engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def add_data_center(engine: Engine, name: str, **kwargs: Any) -> Any:
    answer = engine.request("POST", "/api/datacenters", json={"name": name}, **kwargs)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def add_member(engine: Engine) -> str:
    """A user who is no administrator (his row, as the API's role work is under way)."""
    with session_of(engine) as session:
        user = User(name=MEMBER[0], password_hash=hash_password(MEMBER[1]))
        session.add(user)
        session.commit()
        return user.id


# -- what is recorded ---------------------------------------------------------------------------


def test_a_change_is_an_event_with_its_user_object_and_outcome(fresh: Engine) -> None:
    created = add_data_center(fresh, "dc-new")
    assert fresh.request("DELETE", f"/api/datacenters/{created['id']}").status_code == 204

    added, removed = all_events(fresh)
    assert (added.code, added.severity, added.user_name) == (2001, "normal", "admin")
    assert (added.object_type, added.object_id) == ("data_center", created["id"])
    assert added.description == "admin added data center dc-new: POST /api/datacenters (201)"
    assert (removed.code, removed.object_type, removed.object_id) == (2003, "data_center", created["id"])
    path = f"/api/datacenters/{created['id']}"
    assert removed.description == f"admin removed data center {created['id']}: DELETE {path} (204)"
    assert added.user_id == removed.user_id is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [({"name": "dc1"}, 409), ({"name": "bad name!"}, 422), ({}, 422)],
    ids=["existing-name", "invalid-name", "no-name"],
)
def test_a_refused_request_is_a_warning_and_writes_nothing_else(fresh: Engine, body: Any, status: int) -> None:
    before = row_counts(fresh)
    answer = fresh.request("POST", "/api/datacenters", json=body)
    assert answer.status_code == status

    after = row_counts(fresh)
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == {"events": 1}
    (event,) = all_events(fresh)
    assert event.severity == "warning"
    assert event.code in {2051, 3751}  # a data center, or no object when the body was refused unread
    assert event.description.endswith(f"POST /api/datacenters ({status})")
    assert event.description.startswith("admin could not")


def test_the_correlation_id_is_the_clients_header(fresh: Engine) -> None:
    add_data_center(fresh, "dc-corr", headers={"Correlation-Id": "my-request-7"})
    (event,) = all_events(fresh)
    assert event.correlation_id == "my-request-7"


def test_reads_and_unauthenticated_requests_are_not_recorded(fresh: Engine) -> None:
    assert fresh.request("GET", "/api/datacenters").status_code == 200
    assert fresh.request("GET", "/api/events").status_code == 200
    assert fresh.request("POST", "/api/datacenters", json={"name": "x"}, auth=("admin", "wrong")).status_code == 401
    assert [event.code for event in all_events(fresh)] in ([], [114])  # a failed login is access.logins' event


def test_a_job_end_is_an_event_correlated_by_the_job(fresh: Engine) -> None:
    with session_of(fresh) as session:
        owner_id = session.scalar(select(User.id).where(User.name == "admin"))
        done = start_job(session, "Adding Disk d1", owner_id, "Creating")
        end_job(done, True)
        failed = start_job(session, "Removing Disk d2", owner_id, "Removing")
        end_job(failed, False, "the backend refused")
        session.commit()
        ids = (done.id, failed.id)

    finished, failure = all_events(fresh)
    assert (finished.code, finished.severity, finished.correlation_id) == (events.JOB_FINISHED, "normal", ids[0])
    assert finished.description == "Job 'Adding Disk d1' finished"
    assert (finished.user_id, finished.user_name) == (owner_id, "admin")
    assert (failure.code, failure.severity, failure.correlation_id) == (events.JOB_FAILED, "error", ids[1])
    assert "refused" not in failure.description  # the backend's text stays with the job


def test_the_change_is_read_from_the_route_and_the_answer() -> None:
    declared = DeclaredAction("start", "vm", by="vm_id")
    started = audit.change_of("POST", "/api/vms/<string:vm_id>/start", {"vm_id": "v1;async"}, declared, None, None, 200)
    assert started == audit.Change("change", "vm", "v1")
    assert audit.code(started, 200) == 2404
    created = audit.change_of(
        "POST", "/api/storagedomains/<string:sd>/disks", {"sd": "s1"},
        DeclaredAction("create_disk", "storage_domain", by="sd"), "disk", {"id": "d1", "alias": "data"}, 201,
    )  # fmt: skip
    assert created == audit.Change("add", "disk", "d1", "data")
    assert audit.code(created, 201) == 2301
    revoked = audit.change_of(
        "DELETE", "/api/vms/<string:object_id>/permissions/<string:permission_id>",
        {"object_id": "v1", "permission_id": "p1"}, DeclaredAction("manipulate_permissions", "vm", by="object_id"),
        None, None, 204,
    )  # fmt: skip
    assert revoked == audit.Change("remove", "permission", "p1")
    assert audit.code(revoked, 204) == 3403
    refused = audit.change_of("POST", "/api/users", {}, DeclaredAction("manipulate_users", "system"), None, None, 422)
    assert refused == audit.Change("add")
    assert audit.code(refused, 422) == 3751


def test_a_permission_given_and_removed_is_an_event_each(fresh: Engine) -> None:
    member_id = add_member(fresh)
    path = f"/api/datacenters/{fresh.data_center_id}/permissions"
    given = fresh.request("POST", path, json={"role": {"name": "UserRole"}, "user": {"id": member_id}})
    assert given.status_code == 201, given.get_data(as_text=True)
    permission_id = given.get_json()["id"]
    assert fresh.request("DELETE", f"{path}/{permission_id}").status_code == 204

    added, removed = all_events(fresh)
    assert (added.code, added.object_type, added.object_id) == (3401, "permission", permission_id)
    assert (removed.code, removed.object_type, removed.object_id) == (3403, "permission", permission_id)
    assert removed.description == f"admin removed permission {permission_id}: DELETE {path}/{permission_id} (204)"
    assert fresh.request("GET", f"/api/events/{removed.id}").get_json()["permission"] == {"id": permission_id}


# -- /api/events --------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_max_search_and_from(fresh: Engine) -> None:
    for number in range(4):
        add_data_center(fresh, f"dc-{number}")
    fresh.request("POST", "/api/datacenters", json={"name": "dc-0"})  # 409
    ids = [event.id for event in all_events(fresh)]

    def listed(query: str = "") -> list[int]:
        answer = fresh.request("GET", f"/api/events{query}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return [int(event["id"]) for event in answer.get_json()]

    assert listed() == ids[::-1]
    assert listed("?max=2") == ids[:-3:-1]
    assert listed("?search=severity%3Dwarning") == [ids[-1]]
    assert listed("?search=code%3D2001") == ids[-2::-1]
    assert listed("?search=user%3Dadmin") == listed("?search=user.name%3Dadm*") == ids[::-1]
    assert listed("?search=user%3Dnobody") == []
    assert listed("?search=description%3D*dc-2*") == [ids[2]]
    assert listed(f"?from={ids[1]}") == ids[:1:-1]
    assert listed(f"?from={ids[1]}&max=1") == [ids[-1]]
    assert fresh.request("GET", "/api/events?search=colour%3Dred").status_code == 400
    assert fresh.request("GET", "/api/events?from=x").status_code == 422


def test_one_event_by_id(fresh: Engine) -> None:
    created = add_data_center(fresh, "dc-one")
    (event,) = all_events(fresh)
    answer = fresh.request("GET", f"/api/events/{event.id}")
    assert answer.status_code == 200
    shown = answer.get_json()
    assert (shown["id"], shown["href"]) == (str(event.id), f"/api/events/{event.id}")
    assert (shown["code"], shown["severity"]) == (2001, "normal")
    assert shown["data_center"] == {"id": created["id"], "href": f"/api/datacenters/{created['id']}"}
    assert shown["user"]["user_name"] == "admin"
    assert fresh.request("GET", f"/api/events/{event.id + 1}").status_code == 404


def test_xml_is_valid_against_the_schema_and_json_keeps_what_xml_cannot_carry(fresh: Engine) -> None:
    add_data_center(fresh, "dc-xml", headers={"Correlation-Id": "c-1"})
    with session_of(fresh) as session:
        events.record(session, 2301, "admin added disk d1", object_type="disk", object_id="d1")
        events.record(session, 2401, "admin added VM v1", object_type="vm", object_id="v1", severity="error")
        session.commit()

    document = assert_valid_xml(fresh.request("GET", "/api/events", headers=XML).data)
    assert [element.get("id") for element in document.iter("event")] == ["3", "2", "1"]
    assert document.find("event[@id='2']/disk") is None
    assert document.xpath("event[@id='3']/vm/@href") == ["/api/vms/v1"]
    assert document.findtext("event[@id='1']/correlation_id") == "c-1"
    assert document.findtext("event[@id='1']/user/user_name") == "admin"
    one = assert_valid_xml(fresh.request("GET", "/api/events/1", headers=XML).data)
    assert (one.tag, one.findtext("code"), one.findtext("severity")) == ("event", "2001", "normal")
    assert fresh.request("GET", "/api/events/2").get_json()["disk"] == {"id": "d1", "href": "/api/disks/d1"}


def test_a_path_xml_cannot_carry_is_escaped_in_the_event(fresh: Engine) -> None:
    assert fresh.request("DELETE", "/api/vms/vm%01x").status_code == 404
    (event,) = all_events(fresh)
    assert (event.object_type, event.object_id) == ("vm", "vm\\x01x")
    assert event.description == "admin could not remove VM vm\\x01x: DELETE /api/vms/vm\\x01x (404)"
    document = assert_valid_xml(fresh.request("GET", "/api/events", headers=XML).data)
    assert document.xpath("event/vm/@id") == ["vm\\x01x"]


def test_a_user_sees_his_own_events_only(fresh: Engine) -> None:
    member_id = add_member(fresh)
    add_data_center(fresh, "dc-admin")
    assert fresh.request("POST", "/api/datacenters", json={"name": "dc-m"}, auth=MEMBER).status_code in {401, 403}
    admins, members = all_events(fresh)
    assert members.user_id == member_id

    answer = fresh.request("GET", "/api/events", auth=MEMBER)
    assert [event["id"] for event in answer.get_json()] == [str(members.id)]
    assert fresh.request("GET", f"/api/events/{members.id}", auth=MEMBER).status_code == 200
    assert fresh.request("GET", f"/api/events/{admins.id}", auth=MEMBER).status_code == 404
    everyone = fresh.request("GET", "/api/events").get_json()
    assert [event["id"] for event in everyone] == [str(members.id), str(admins.id)]
    filtered = fresh.request("GET", "/api/events", headers={"Filter": "true"}).get_json()
    assert [event["id"] for event in filtered] == [str(admins.id)]
    assert fresh.request("GET", f"/api/events/{members.id}", headers={"Filter": "true"}).status_code == 404


# -- pruning ------------------------------------------------------------------------------------


def test_the_log_keeps_the_newest_events_keep(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", events_keep=5)
    for number in range(8):
        add_data_center(engine, f"dc-{number}")
    kept = [event.description.split(":")[0] for event in all_events(engine)]
    assert kept == [f"admin added data center dc-{n}" for n in range(3, 8)]


def test_pruning_is_one_ranged_delete_now_and_then(fresh: Engine) -> None:
    with session_of(fresh) as session:
        for number in range(30):
            events.record(session, 2001, f"event {number}")
        session.commit()
        assert events.prune(session, 10) == 20
        session.commit()
        assert session.scalar(select(func.min(Event.id))) == 21
        assert events.prune(session, 10) == 0
    pruner = events.Pruner(100_000)
    assert pruner.every == events.PRUNE_EVERY
    assert events.Pruner(50).every == 5
    with pytest.raises(ValueError, match="events_keep"):
        events.Pruner(0)


# -- secrets ------------------------------------------------------------------------------------


def test_no_event_ever_holds_a_password(fresh: Engine) -> None:
    added = fresh.request("POST", f"/api/users?password={SECRET}", json={"user_name": "bob", "password": SECRET})
    assert added.status_code == 201, added.get_data(as_text=True)
    user_id = added.get_json()["id"]
    changed = fresh.request("PUT", f"/api/users/{user_id}", json={"password": SECRET + "-2"})
    assert changed.status_code == 200
    refused = fresh.request("PUT", f"/api/users/{user_id}", json={"password": "short", "token": SECRET})
    assert refused.status_code in {400, 422}
    duplicate = fresh.request("POST", "/api/users", json={"user_name": "bob", "password": SECRET})
    assert duplicate.status_code == 409

    recorded = all_events(fresh)
    assert len(recorded) == 4
    assert recorded[0].description == "admin added user bob: POST /api/users (201)"
    assert (recorded[1].code, recorded[1].object_id) == (2702, user_id)
    with session_of(fresh) as session:
        columns = ", ".join(column.name for column in Event.__table__.columns)
        rows = session.execute(text(f"SELECT {columns} FROM events")).all()  # noqa: S608 - our own column names
    assert len(rows) == 4
    assert not any(SECRET in str(value) for row in rows for value in row)
