"""The Cinder boundary for disks and quota, against a fake cinderclient (tests/fake_cinder.py).

The real Cinder's answers that these fakes imitate are checked by
tests/integration/test_cinder_volumes.py and tests/integration/test_cinder_quota.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exceptions
from keystoneauth1 import exceptions as ks_exceptions

from ovirt_cinder_plugin.cinder import errors, quota, volumes
from ovirt_cinder_plugin.cinder.calls import translate
from ovirt_cinder_plugin.cinder.connection import CinderConnection, CinderCredentials, keystone_session
from ovirt_cinder_plugin.cinder.volumes import DOMAIN_KEY, GIB, REQUEST_ID_KEY
from tests.fake_cinder import DELETE_REFUSED, PROJECT_ID, FakeCinder, Message

DOMAIN = "domain-1"
OVER_LIMIT = "VolumeSizeExceedsLimit: Requested volume size 2G is larger than maximum allowed limit 1G."


@pytest.fixture
def cinder() -> FakeCinder:
    return FakeCinder()


@pytest.fixture
def connection(cinder: FakeCinder) -> CinderConnection:
    return cinder.connection()


# errors


@pytest.mark.parametrize(
    ("error_class", "status", "transient"),
    [
        (errors.CinderError, 502, False),
        (errors.ServiceUnreachable, 502, True),
        (errors.CinderServerError, 502, True),
        (errors.AuthenticationFailed, 502, False),
        (errors.UnsupportedApi, 502, False),
        (errors.CinderRefused, 400, False),
        (errors.QuotaExceeded, 409, False),
        (errors.VolumeInUse, 409, False),
        (errors.SizeNotRepresentable, 400, False),
        (errors.VolumeTypeUnknown, 400, False),
    ],
)
def test_every_error_says_how_the_engine_answers(
    error_class: type[errors.CinderError], status: int, transient: bool
) -> None:
    assert (error_class.status, error_class.transient) == (status, transient)


@pytest.mark.parametrize(
    ("raised", "expected", "transient"),
    [
        (ks_exceptions.ConnectFailure("Unable to establish connection"), errors.ServiceUnreachable, True),
        (ks_exceptions.ConnectTimeout("timed out"), errors.ServiceUnreachable, True),
        (ks_exceptions.DiscoveryFailure("no versions"), errors.ServiceUnreachable, True),
        (cinder_exceptions.ConnectionError("refused"), errors.ServiceUnreachable, True),
        (cinder_exceptions.ClientException(503, "Service Unavailable"), errors.CinderServerError, True),
        (cinder_exceptions.ClientException(500, "oops"), errors.CinderServerError, True),
        (ks_exceptions.ServiceUnavailable(url="http://keystone/v3/auth/tokens"), errors.CinderServerError, True),
        (cinder_exceptions.OverLimit(413, OVER_LIMIT), errors.QuotaExceeded, False),
        (cinder_exceptions.BadRequest(400, "Invalid input"), errors.CinderRefused, False),
        (cinder_exceptions.Forbidden(403, "Policy doesn't allow"), errors.CinderRefused, False),
        (ks_exceptions.Unauthorized("The request you have made requires authentication."), errors.CinderError, False),
    ],
)
def test_client_exceptions_are_translated(
    raised: Exception, expected: type[errors.CinderError], transient: bool
) -> None:
    translated = translate(raised, service_url="http://cinder.example:8776/v3")
    assert type(translated) is expected
    assert translated.transient is transient


def test_other_exceptions_are_not_hidden() -> None:
    assert translate(KeyError("id"), service_url="http://cinder.example:8776/v3") is None


def test_an_unreachable_cinder_is_transient_for_a_real_client() -> None:
    # cinderclient on keystoneauth, as connect() builds it, against a port where nothing listens
    credentials = CinderCredentials(url="http://127.0.0.1:9/v3", timeout=2)
    client = cinder_client.Client("3.71", session=keystone_session(credentials), os_endpoint=credentials.url)
    unreachable = CinderConnection(
        client=client, microversion="3.71", server_min_version="3.0", server_max_version="3.71"
    )
    with pytest.raises(errors.ServiceUnreachable) as raised:
        volumes.operation_states(unreachable, DOMAIN, [])
    assert raised.value.transient
    assert str(raised.value).startswith("cannot reach Cinder at http://127.0.0.1:9/v3: ")
    assert isinstance(raised.value.__cause__, ks_exceptions.ConnectFailure)


# size_in_gib


@pytest.mark.parametrize(("size", "gib"), [(GIB, 1), (5 * GIB, 5), (1024 * GIB, 1024)])
def test_whole_gib_sizes_are_accepted(size: int, gib: int) -> None:
    assert volumes.size_in_gib(size) == gib


@pytest.mark.parametrize("size", [0, -GIB, GIB + 1, GIB - 1, 512, True])
def test_other_sizes_are_refused(size: int) -> None:
    with pytest.raises(errors.SizeNotRepresentable) as raised:
        volumes.size_in_gib(size, field="size")
    assert raised.value.status == 400
    assert str(raised.value) == (
        f"size: Cinder volumes are sized in whole GiB; {size} bytes is not a positive multiple of 1073741824"
    )


# create_volume


def create(connection: CinderConnection, request_id: str = "req-1", **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "request_id": request_id,
        "storage_domain_id": DOMAIN,
        "name": "disk1",
        "description": "the first disk",
        "size_gib": 2,
        "volume_type": "fake",
    } | overrides
    return volumes.create_volume(connection, **arguments)


def test_create_tags_the_volume_with_request_and_domain(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume_id = create(connection)
    volume = cinder.volumes_by_id[volume_id]
    assert volume.metadata == {REQUEST_ID_KEY: "req-1", DOMAIN_KEY: DOMAIN}
    assert (volume.size, volume.name, volume.description) == (2, "disk1", "the first disk")
    ((args, kwargs),) = cinder.calls_to("volumes", "create")
    assert args == (2,)
    assert kwargs["volume_type"] == "fake"


def test_create_again_finds_the_volume_of_the_first_attempt(cinder: FakeCinder, connection: CinderConnection) -> None:
    first = create(connection)
    cinder.volumes_by_id[first].status = "available"
    assert create(connection) == first
    assert len(cinder.calls_to("volumes", "create")) == 1
    lookups = cinder.calls_to("volumes", "list")
    assert [kwargs["search_opts"] for _, kwargs in lookups] == [{"metadata": {REQUEST_ID_KEY: "req-1"}}] * 2


def test_create_again_returns_a_failed_volume_too(cinder: FakeCinder, connection: CinderConnection) -> None:
    # the poll reports its failure; creating a second one would hide it
    first = create(connection)
    cinder.volumes_by_id[first].status = "error"
    assert create(connection) == first


def test_create_ignores_a_volume_of_the_request_that_is_being_deleted(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    first = create(connection)
    cinder.volumes_by_id[first].status = "deleting"
    second = create(connection)
    assert second != first
    assert len(cinder.calls_to("volumes", "create")) == 2


def test_create_of_another_request_makes_another_volume(cinder: FakeCinder, connection: CinderConnection) -> None:
    assert create(connection, "req-1") != create(connection, "req-2")


def test_create_over_cinders_own_quota_is_quota_exceeded(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.fail["volumes", "create"] = cinder_exceptions.OverLimit(413, OVER_LIMIT)
    with pytest.raises(errors.QuotaExceeded) as raised:
        create(connection)
    assert raised.value.status == 409
    assert str(raised.value) == OVER_LIMIT


def test_create_of_an_unknown_type_names_the_field(connection: CinderConnection) -> None:
    with pytest.raises(errors.VolumeTypeUnknown) as raised:
        create(connection, volume_type="gold")
    assert raised.value.status == 400
    assert str(raised.value) == "openstack_volume_type: Cinder has no volume type 'gold'"


def test_create_refused_for_another_reason_keeps_cinders_words(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    cinder.fail["volumes", "create"] = cinder_exceptions.BadRequest(400, "Invalid input received: name too long")
    with pytest.raises(errors.CinderRefused) as raised:
        create(connection)
    assert type(raised.value) is errors.CinderRefused
    assert raised.value.status == 400
    assert "Invalid input received: name too long (HTTP 400)" in str(raised.value)


def test_create_when_cinder_is_unreachable_is_transient(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.fail["volumes", "list"] = ks_exceptions.ConnectFailure("Unable to establish connection")
    with pytest.raises(errors.ServiceUnreachable) as raised:
        create(connection)
    assert raised.value.transient
    assert "http://cinder.example:8776/v3" in str(raised.value)
    assert cinder.calls_to("volumes", "create") == []


# delete_volume


def test_delete_starts_the_delete(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available")
    volumes.delete_volume(connection, volume.id)
    assert volume.status == "deleting"


def test_delete_of_a_missing_volume_is_done(cinder: FakeCinder, connection: CinderConnection) -> None:
    volumes.delete_volume(connection, "00000000-0000-0000-0000-000000000000")
    assert len(cinder.calls_to("volumes", "delete")) == 1


def test_delete_again_while_cinder_deletes_is_fine(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available")
    volumes.delete_volume(connection, volume.id)
    volumes.delete_volume(connection, volume.id)  # Cinder answers 400 to this one
    assert volume.status == "deleting"


def test_delete_of_a_volume_with_snapshots_is_volume_in_use(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available")
    volume.has_snapshots = True
    with pytest.raises(errors.VolumeInUse) as raised:
        volumes.delete_volume(connection, volume.id)
    assert raised.value.status == 409
    assert str(raised.value) == f"Cinder refused to delete volume {volume.id}: {DELETE_REFUSED}"


def test_delete_when_cinder_fails_is_transient(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.fail["volumes", "delete"] = cinder_exceptions.ClientException(500, "Internal Server Error")
    with pytest.raises(errors.CinderServerError) as raised:
        volumes.delete_volume(connection, "some-id")
    assert raised.value.transient


# extend_volume


def test_extend_grows_a_smaller_volume(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("in-use", size=1)
    volumes.extend_volume(connection, volume.id, 3)
    assert cinder.calls_to("volumes", "extend") == [((volume.id, 3), {})]


@pytest.mark.parametrize(("status", "size"), [("extending", 1), ("available", 3), ("available", 4), ("in-use", 3)])
def test_extend_sends_nothing_when_already_done_or_under_way(
    cinder: FakeCinder, connection: CinderConnection, status: str, size: int
) -> None:
    volume = cinder.add(status, size=size)
    volumes.extend_volume(connection, volume.id, 3)
    assert cinder.calls_to("volumes", "extend") == []


def test_extend_over_quota_is_quota_exceeded(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available", size=1)
    cinder.fail["volumes", "extend"] = cinder_exceptions.OverLimit(413, "VolumeSizeExceedsAvailableQuota: ...")
    with pytest.raises(errors.QuotaExceeded):
        volumes.extend_volume(connection, volume.id, 2)


def test_extend_of_a_missing_volume_is_refused(connection: CinderConnection) -> None:
    with pytest.raises(errors.CinderRefused, match="could not be found"):
        volumes.extend_volume(connection, "00000000-0000-0000-0000-000000000000", 2)


# operation_states


def handle(volume_id: str, kind: str) -> dict[str, str]:
    return {"backend_id": volume_id, "kind": kind, "request_id": f"req-{volume_id}"}


@pytest.mark.parametrize(
    ("kind", "status", "state"),
    [
        ("create_disk", "creating", "pending"),
        ("create_disk", "downloading", "pending"),
        ("create_disk", "reserved", "pending"),
        ("create_disk", "maintenance", "pending"),
        ("create_disk", "available", "done"),
        ("create_disk", "in-use", "done"),
        ("create_disk", "error", "failed"),
        ("extend_disk", "extending", "pending"),
        ("extend_disk", "available", "done"),
        ("extend_disk", "in-use", "done"),
        ("extend_disk", "error_extending", "failed"),
        ("delete_disk", "deleting", "pending"),
        ("delete_disk", "error_deleting", "failed"),
        ("delete_disk", "available", "failed"),
        ("delete_disk", "in-use", "failed"),
        ("retype_disk", "retyping", "pending"),
        ("retype_disk", "error", "failed"),
    ],
)
def test_each_status_maps_to_a_state(
    cinder: FakeCinder, connection: CinderConnection, kind: str, status: str, state: str
) -> None:
    volume = cinder.add(status, size=3, metadata={DOMAIN_KEY: DOMAIN})
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, kind)])
    assert set(answer) == {"backend_id", "state", "reason", "actual_size", "backend_status"}
    assert (answer["backend_id"], answer["state"], answer["backend_status"]) == (volume.id, state, status)
    assert answer["actual_size"] == (3 * GIB if state == "done" else None)
    assert (answer["reason"] is not None) == (state == "failed")


@pytest.mark.parametrize("kind", ["create_disk", "delete_disk", "extend_disk"])
def test_a_volume_cinder_does_not_list_is_gone(cinder: FakeCinder, connection: CinderConnection, kind: str) -> None:
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle("vanished", kind)])
    assert answer == {
        "backend_id": "vanished",
        "state": "gone",
        "reason": "Cinder has no volume vanished",
        "actual_size": None,
        "backend_status": None,
    }


def test_a_delete_cinder_did_not_do_says_so(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available", metadata={DOMAIN_KEY: DOMAIN})
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, "delete_disk")])
    assert answer["reason"] == f"Cinder kept volume {volume.id} (available) instead of deleting it"


def test_one_list_request_answers_all_handles_in_their_order(cinder: FakeCinder, connection: CinderConnection) -> None:
    created = [cinder.add("available", metadata={DOMAIN_KEY: DOMAIN}) for _ in range(5)]
    extending = cinder.add("extending", metadata={DOMAIN_KEY: DOMAIN})
    elsewhere = cinder.add("available", metadata={DOMAIN_KEY: "domain-2"})
    handles = [handle(extending.id, "extend_disk"), handle(elsewhere.id, "create_disk")]
    handles += [handle(v.id, "create_disk") for v in reversed(created)]
    answers = volumes.operation_states(connection, DOMAIN, handles)
    assert [a["backend_id"] for a in answers] == [h["backend_id"] for h in handles]
    assert [a["state"] for a in answers] == ["pending", "gone"] + ["done"] * 5
    assert cinder.calls == [
        ("volumes", "list", (), {"detailed": True, "search_opts": {"metadata": {DOMAIN_KEY: DOMAIN}}})
    ]


def test_no_handles_still_cost_one_request(cinder: FakeCinder, connection: CinderConnection) -> None:
    assert volumes.operation_states(connection, DOMAIN, []) == []
    assert len(cinder.calls) == 1


def test_the_reason_of_a_failure_is_cinders_newest_message(cinder: FakeCinder, connection: CinderConnection) -> None:
    failed = cinder.add("error", metadata={DOMAIN_KEY: DOMAIN})
    other = cinder.add("error", metadata={DOMAIN_KEY: DOMAIN})
    cinder.user_messages += [
        Message(failed.id, "schedule allocate volume:Could not find any available weighted backend.", "2026-01-02"),
        Message(failed.id, "an older message", "2026-01-01"),
        Message(other.id, "about another volume", "2026-01-03"),
    ]
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(failed.id, "create_disk")])
    assert answer["reason"] == "schedule allocate volume:Could not find any available weighted backend."
    assert cinder.calls_to("messages", "list") == [((), {"search_opts": {"resource_uuid": failed.id}})]


def test_only_failed_volumes_cost_a_message_request(cinder: FakeCinder, connection: CinderConnection) -> None:
    failed = cinder.add("error", metadata={DOMAIN_KEY: DOMAIN})
    fine = [cinder.add(status, metadata={DOMAIN_KEY: DOMAIN}) for status in ("available", "creating", "deleting")]
    handles = [handle(failed.id, "create_disk"), handle(failed.id, "create_disk")]
    handles += [handle(v.id, "create_disk") for v in fine]
    volumes.operation_states(connection, DOMAIN, handles)
    assert len(cinder.calls_to("messages", "list")) == 1
    assert len(cinder.calls) == 2


def test_without_a_message_the_reason_is_the_status(cinder: FakeCinder, connection: CinderConnection) -> None:
    failed = cinder.add("error_extending", metadata={DOMAIN_KEY: DOMAIN})
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(failed.id, "extend_disk")])
    assert answer["reason"] == "Cinder reports the volume error_extending"


@pytest.mark.parametrize(
    "failure",
    [
        cinder_exceptions.ClientException(500, "boom"),
        ks_exceptions.ConnectFailure("gone"),
        cinder_exceptions.Forbidden(403),
    ],
)
def test_when_the_messages_fail_the_reason_is_the_status(
    cinder: FakeCinder, connection: CinderConnection, failure: Exception
) -> None:
    failed = cinder.add("error", metadata={DOMAIN_KEY: DOMAIN})
    cinder.fail["messages", "list"] = failure
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(failed.id, "create_disk")])
    assert (answer["state"], answer["reason"]) == ("failed", "Cinder reports the volume error")


def test_before_microversion_3_5_messages_are_not_asked(cinder: FakeCinder) -> None:
    failed = cinder.add("error", metadata={DOMAIN_KEY: DOMAIN})
    (answer,) = volumes.operation_states(cinder.connection("3.0"), DOMAIN, [handle(failed.id, "create_disk")])
    assert answer["reason"] == "Cinder reports the volume error"
    assert cinder.calls_to("messages", "list") == []


def test_an_unknown_kind_is_a_programming_error(connection: CinderConnection) -> None:
    with pytest.raises(ValueError, match="attach_disk"):
        volumes.operation_states(connection, DOMAIN, [handle("x", "attach_disk")])


# check_quota


def usage(limit: int, in_use: int = 0, reserved: int = 0) -> dict[str, int]:
    return {"limit": limit, "in_use": in_use, "reserved": reserved}


def check(connection: CinderConnection, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"operation": "create", "size_gib": 2, "count": 1, "volume_type": "fake"} | overrides
    return quota.check_quota(connection, **arguments)


ALLOWED = {"allowed": True, "limit": None, "message": None, "in_use": None, "requested": None, "maximum": None}


def test_a_request_within_every_quota_is_allowed(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(10, 1), "gigabytes": usage(100, 1), "gigabytes_fake": usage(3, 1)}
    assert check(connection) == ALLOWED


def test_gigabytes_refusal_names_the_quota_and_the_numbers(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(10, 1), "gigabytes": usage(3, 2)}
    assert check(connection) == {
        "allowed": False,
        "limit": "gigabytes",
        "message": f"gigabytes: the quota of project {PROJECT_ID} allows 3 GiB; 2 GiB are in use "
        "and this request adds 2 GiB",
        "in_use": 2,
        "requested": 2,
        "maximum": 3,
    }


def test_volumes_are_checked_first(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(2, 1), "gigabytes": usage(3, 3)}
    refusal = check(connection, count=2, size_gib=1)
    assert (refusal["limit"], refusal["in_use"], refusal["requested"], refusal["maximum"]) == ("volumes", 1, 2, 2)
    assert refusal["message"] == (
        f"volumes: the quota of project {PROJECT_ID} allows 2 volumes; "
        "1 volume is in use and this request adds 2 volumes"
    )


def test_reserved_counts_as_used(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"gigabytes": usage(4, in_use=1, reserved=2)}
    refusal = check(connection)
    assert (refusal["limit"], refusal["in_use"]) == ("gigabytes", 3)
    assert "3 GiB are in use or reserved" in refusal["message"]


def test_minus_one_is_unlimited(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(-1, 500), "gigabytes": usage(-1, 10**6), "gigabytes_fake": usage(-1, 9)}
    assert check(connection, count=50, size_gib=1000) == ALLOWED


def test_exactly_reaching_the_limit_is_allowed(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(2, 1), "gigabytes": usage(3, 1)}
    assert check(connection) == ALLOWED


@pytest.mark.parametrize("volume_type", ["fake", "11111111-1111-1111-1111-111111111111"])
def test_per_type_quotas_by_the_types_name(cinder: FakeCinder, connection: CinderConnection, volume_type: str) -> None:
    cinder.quota_set = {"gigabytes": usage(100), "volumes_fake": usage(5), "gigabytes_fake": usage(3, 2)}
    refusal = check(connection, volume_type=volume_type)
    assert refusal["limit"] == "gigabytes_fake"
    assert refusal["message"] == (
        f"gigabytes_fake: the quota of project {PROJECT_ID} allows 3 GiB of volume type 'fake'; "
        "2 GiB are in use and this request adds 2 GiB"
    )


def test_per_type_volume_count(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes_rbd": usage(1, 1), "gigabytes_fake": usage(1, 1)}
    assert check(connection, volume_type="rbd")["limit"] == "volumes_rbd"


def test_no_type_means_cinders_default_type(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"gigabytes___DEFAULT__": usage(1)}
    assert check(connection, volume_type=None)["limit"] == "gigabytes___DEFAULT__"


def test_without_a_default_type_the_per_type_quotas_are_skipped(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    cinder.quota_set = {"gigabytes___DEFAULT__": usage(1)}
    cinder.default_type = None
    assert check(connection, volume_type=None) == ALLOWED


def test_before_microversion_3_62_the_default_type_is_not_asked(cinder: FakeCinder) -> None:
    cinder.quota_set = {"gigabytes___DEFAULT__": usage(1)}
    assert check(cinder.connection("3.61"), volume_type=None) == ALLOWED
    assert cinder.calls_to("volume_types", "default") == []


def test_an_unknown_type_is_refused(cinder: FakeCinder, connection: CinderConnection) -> None:
    with pytest.raises(errors.VolumeTypeUnknown):
        check(connection, volume_type="gold")


def test_extend_adds_gigabytes_but_no_volume(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"volumes": usage(1, 1), "gigabytes": usage(4, 2)}
    assert check(connection, operation="extend", count=0, size_gib=2) == ALLOWED
    refusal = check(connection, operation="extend", count=0, size_gib=3)
    assert (refusal["limit"], refusal["requested"]) == ("gigabytes", 3)


def test_a_request_that_adds_nothing_to_an_exceeded_quota_is_allowed(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    cinder.quota_set = {"volumes": usage(1, 3), "gigabytes": usage(10)}
    assert check(connection, operation="extend", count=0) == ALLOWED


def test_several_volumes_multiply_the_gigabytes(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.quota_set = {"gigabytes": usage(10, 1)}
    assert check(connection, count=4, size_gib=2) == ALLOWED
    assert check(connection, count=5, size_gib=2)["requested"] == 10


def test_quota_of_an_unreachable_cinder_raises(cinder: FakeCinder, connection: CinderConnection) -> None:
    cinder.fail["quotas", "get"] = ks_exceptions.ConnectTimeout("timed out")
    with pytest.raises(errors.ServiceUnreachable):
        check(connection)


def test_without_keystone_the_quota_project_is_the_credentials_project() -> None:
    # Cinder's noauth mode takes the project from the X-Project-Id header the noauth plugin sends
    credentials = CinderCredentials(url="http://127.0.0.1:9/v3", project_name="demo", timeout=2)
    client = cinder_client.Client("3.71", session=keystone_session(credentials), os_endpoint=credentials.url)
    noauth = CinderConnection(client=client, microversion="3.71", server_min_version="3.0", server_max_version="3.71")
    assert quota._project_id(noauth) == "demo"


# retype_volume and its poll


def test_a_retype_is_sent_once_and_done_when_the_volume_has_the_type(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    volume = cinder.add("available", metadata={volumes.DOMAIN_KEY: DOMAIN})
    volume.volume_type = "fake"
    volumes.retype_volume(connection, volume.id, "rbd")
    assert cinder.calls_to("volumes", "retype") == [((volume.id, "rbd", "on-demand"), {})]
    volumes.retype_volume(connection, volume.id, "rbd")  # a repeated start while Cinder retypes
    assert len(cinder.calls_to("volumes", "retype")) == 1
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, "retype_disk")])
    assert (answer["state"], answer["backend_status"]) == ("pending", "retyping")
    volume.status, volume.volume_type = "available", "rbd"
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, "retype_disk")])
    assert answer["state"] == "done"


def test_a_volume_put_back_with_its_old_type_is_a_failed_retype(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    volume = cinder.add("available", metadata={volumes.DOMAIN_KEY: DOMAIN})
    volume.volume_type = "fake"
    volumes.retype_volume(connection, volume.id, "rbd")
    volume.status = "available"  # Cinder's scheduler found no backend: the volume as it was
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, "retype_disk")])
    assert answer["state"] == "failed"
    assert "kept volume" in answer["reason"]
    assert "'fake'" in answer["reason"]
    assert "'rbd'" in answer["reason"]


def test_a_volume_of_the_type_already_is_not_retyped(cinder: FakeCinder, connection: CinderConnection) -> None:
    volume = cinder.add("available", metadata={volumes.DOMAIN_KEY: DOMAIN})
    volume.volume_type = "rbd"
    volumes.retype_volume(connection, volume.id, "rbd")
    assert cinder.calls_to("volumes", "retype") == []
    (answer,) = volumes.operation_states(connection, DOMAIN, [handle(volume.id, "retype_disk")])
    assert answer["state"] == "done"


def test_a_retype_cinder_refuses_is_a_409_with_its_reason_and_leaves_no_key(
    cinder: FakeCinder, connection: CinderConnection
) -> None:
    volume = cinder.add("available", metadata={volumes.DOMAIN_KEY: DOMAIN})
    volume.volume_type = "fake"
    refusal = "Specified volume size of '1' is greater than the maximum allowable size of '0' for volume type 'rbd'."
    cinder.fail[("volumes", "retype")] = cinder_exceptions.BadRequest(400, refusal)
    with pytest.raises(errors.RetypeRefused) as raised:
        volumes.retype_volume(connection, volume.id, "rbd")
    assert raised.value.status == 409
    assert str(raised.value).startswith("openstack_volume_type: Cinder refused to retype volume")
    assert refusal in str(raised.value)
    assert volumes.RETYPE_KEY not in volume.metadata
    assert volume.status == "available"


def test_a_retype_counts_against_the_new_types_quotas_only() -> None:
    full = {"volumes": {"limit": 1, "in_use": 1}, "gigabytes": {"limit": 1, "in_use": 1}}
    assert quota.verdict(PROJECT_ID, full, "retype", 2, 1, "rbd")["allowed"] is True
    typed = {**full, "gigabytes_rbd": {"limit": 3, "in_use": 2}}
    refused = quota.verdict(PROJECT_ID, typed, "retype", 2, 1, "rbd")
    assert (refused["allowed"], refused["limit"], refused["requested"]) == (False, "gigabytes_rbd", 2)
    assert refused["message"].startswith("gigabytes_rbd: the quota of project")
    assert quota.demands("retype", 2, 1, None) == []
