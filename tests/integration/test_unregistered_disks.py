"""Unregistered disks on the real stack (SQLite and PostgreSQL): volumes made straight in Cinder
are offered and registered (the seed's XML body and oVirt 4's action; answers against api.xsd),
their data untouched; what the engine knows, what another engine installation made and what is
attached are not offered; a volume this engine made whose answer was lost is offered with a note."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ovirt_cinder_plugin.cinder.attachments import connector_for
from ovirt_engine_host.state import engine_state
from tests.disks import GiB, add_provider, disk_body, storage_domain_of, volumes_cleaned, wait_for_disk
from tests.engine import Engine, assert_valid_xml, build_engine, stop_engine
from tests.integration.test_snapshots import read, write
from tests.stack import Stack
from tests.waiting import wait_for_status, wait_until_gone

XML = {"Accept": "application/xml"}
AS_XML = {**XML, "Content-Type": "application/xml"}
ENGINE_KEY, REQUEST_KEY, DOMAIN_KEY = "ovirt_engine", "ovirt_request_id", "ovirt_storage_domain"


@pytest.fixture
def outside(stack: Stack) -> Iterator[tuple[Any, list[str]]]:
    """An admin Cinder client and a list of volume ids made outside the engine, deleted after."""
    with volumes_cleaned(stack, []) as cinder:
        made: list[str] = []
        yield cinder, made
        for volume_id in made:
            for attachment in cinder.attachments.list(search_opts={"volume_id": volume_id}):
                cinder.attachments.delete(attachment.id)
            try:
                cinder.volumes.delete(volume_id)
                wait_until_gone(cinder.volumes.get, volume_id)
            except Exception as error:  # noqa: BLE001 - gone already (a registered disk removed)
                print(f"cleanup of {volume_id}: {error}")


def make_volume(cinder: Any, made: list[str], volume_type: str, **metadata: str) -> Any:
    volume = cinder.volumes.create(1, name=f"outside-{uuid.uuid4().hex[:8]}", description="made in Cinder",
                                   volume_type=volume_type, metadata=metadata)  # fmt: skip
    made.append(volume.id)
    return wait_for_status(cinder.volumes.get, volume.id, "available")


def offered(engine: Engine, domain_id: str) -> dict[str, Any]:
    answer = engine.request("GET", f"/api/storagedomains/{domain_id}/disks;unregistered")
    assert answer.status_code == 200, answer.json
    return {d["id"]: d for d in answer.json}


def test_volumes_made_in_cinder_are_offered_and_registered_untouched(
    engine: Engine, stack: Stack, outside: Any, tmp_path: Path
) -> None:
    cinder, made = outside
    domains: list[str] = []
    with volumes_cleaned(stack, domains):
        domains.append(storage_domain_of(engine, add_provider(engine, stack)))
        domain_id = domains[0]
        ours = engine_state(engine.app).services.engine_id
        plain = make_volume(cinder, made, stack.volume_type_rbd)
        write(stack, plain.id, b"data made outside the engine".ljust(64, b"."))
        orphan = make_volume(cinder, made, stack.volume_type_fake,
                             **{ENGINE_KEY: ours, REQUEST_KEY: "a-lost-request", DOMAIN_KEY: domain_id})  # fmt: skip
        attached = make_volume(cinder, made, stack.volume_type_fake)
        attachment = cinder.attachments.create(attached.id, connector_for("elsewhere", "192.0.2.7"), mode="rw")
        cinder.attachments.complete(attachment["id"])
        engines_own = engine.request("POST", "/api/disks", json=disk_body(domain_id, GiB, stack.volume_type_fake))
        engines_own = wait_for_disk(engine, engines_own.json["id"], "ok")
        assert cinder.volumes.get(engines_own["id"]).metadata[ENGINE_KEY] == ours  # what it makes carries its id

        other = build_engine(tmp_path / "other", "", poll=True)  # another installation, same Cinder project
        try:
            other_domain = storage_domain_of(other, add_provider(other, stack, name="cinder-other"))
            domains.append(other_domain)
            theirs = other.request("POST", "/api/disks", json=disk_body(other_domain, GiB, stack.volume_type_fake))
            theirs = wait_for_disk(other, theirs.json["id"], "ok")
        finally:
            stop_engine(other)
        assert engine_state(other.app).services.engine_id != ours

        listed = offered(engine, domain_id)
        assert listed[plain.id]["alias"] == plain.name
        assert listed[plain.id]["provisioned_size"] == GiB
        assert listed[plain.id]["status"] == {"state": "available"}
        assert (
            listed[orphan.id]["status"]["detail"]
            == "made by this engine for request a-lost-request, whose answer was lost"
        )
        for hidden in (attached.id, engines_own["id"], theirs["id"]):
            assert hidden not in listed  # in use, known, another engine's
        as_xml = engine.request("GET", f"/api/storagedomains/{domain_id}/disks;unregistered", headers=XML)
        assert plain.id in {d.get("id") for d in assert_valid_xml(as_xml.data).findall("disk")}
        fourth = engine.request("GET", f"/api/storagedomains/{domain_id}/disks?unregistered=true")
        assert plain.id in {d["id"] for d in fourth.json}
        searched = engine.request(
            "GET", f"/api/storagedomains/{domain_id}/disks;unregistered?search=alias={plain.name}"
        )
        assert [d["id"] for d in searched.json] == [plain.id]

        for volume_id, status, start in [
            (theirs["id"], 409, "disk: volume"),
            (attached.id, 409, "disk: volume"),
            (engines_own["id"], 409, "disk: volume"),
            ("no-such-volume", 404, "disk: the storage domain"),
        ]:
            refused = engine.request("POST", f"/api/storagedomains/{domain_id}/disks;unregistered",
                                     data=f"<disk id='{volume_id}'/>", headers=AS_XML)  # fmt: skip
            assert refused.status_code == status, refused.data
            assert (assert_valid_xml(refused.data).findtext("detail") or "").startswith(start), refused.data
        assert cinder.volumes.get(theirs["id"]).metadata[ENGINE_KEY] != ours  # refusals write nothing

        registered = engine.request("POST", f"/api/storagedomains/{domain_id}/disks;unregistered",
                                    data=f"<disk id='{plain.id}'/>", headers=AS_XML)  # fmt: skip
        assert registered.status_code == 201, registered.data
        shown = assert_valid_xml(registered.data)
        assert (shown.get("id"), shown.findtext("alias"), shown.findtext("status/state")) == (
            plain.id,
            plain.name,
            "ok",
        )
        assert cinder.volumes.get(plain.id).metadata[ENGINE_KEY] == ours
        assert read(stack, plain.id, 64) == b"data made outside the engine".ljust(64, b".")  # untouched
        again = engine.request("POST", f"/api/storagedomains/{domain_id}/disks;unregistered", json={"id": plain.id})
        assert again.status_code == 409
        assert plain.id not in offered(engine, domain_id)

        action = engine.request("POST", f"/api/storagedomains/{domain_id}/disks/{orphan.id}/register", json={})
        assert action.status_code == 200, action.json
        disk = engine.request("GET", f"/api/disks/{orphan.id}").json
        assert (disk["alias"], disk["status"]["state"], disk["provisioned_size"]) == (orphan.name, "ok", GiB)
        for disk_id in (plain.id, orphan.id):  # registered disks are engine disks like any other
            assert engine.request("DELETE", f"/api/disks/{disk_id}").status_code == 204
