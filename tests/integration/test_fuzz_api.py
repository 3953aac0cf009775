"""The fuzzer: schemathesis over the whole OpenAPI document (``/api/openapi.json``), against a
throw-away engine on the real stack.

- The engine is its own: a temporary state directory (SQLite), its own provider on the stack's
  Cinder, driven in-process through schemathesis' WSGI transport, as the administrator (HTTP
  Basic). It is never the main job's engine on port 8080.
- Every operation is fuzzed on its own (schemathesis' examples, coverage and fuzzing phases), then
  statefully: the OpenAPI links that schemathesis infers from the document (a POST's answer
  feeds the ``{id}`` of the item's operations, or a new disk's id the body of an attach; the
  test checks that the chains in ``LINKS_THE_SCENARIOS_NEED`` are among them) chain calls into
  scenarios.
- It asserts that no request answers a server error. The one 5xx allowed is a 502 whose message
  names Cinder or Keystone: the provider's OpenStack refused or failed (a provider the fuzzer
  pointed at wrong credentials, say), which the engine reports as a bad gateway by contract
  (``ovirt_engine_host.errors.backend_refusal``) rather than as its own failure. Then the
  administrator still logs in.
- Bounded: examples per operation, scenarios and steps, and a wall-clock budget past which no
  further request is sent (~1.5 min in all on two cores, the cleanup in Cinder included).

What the fuzzer sends is made safe in one place, :func:`made_safe`, right before each call:
a provider's URLs are the stack's (never a generated host: this machine talks to loopback
only), a host's libvirt URI is libvirt's in-process test driver (never the stack's libvirtd),
disks are 1 or 2 GiB (whole GiB, as Cinder sizes them) and of the stack's ``fake`` volume type
(no Ceph space; a retype asks for that type too), the fuzzer's own provider is not removed, and
the administrator's own password, flag and system permissions are left alone (else the fuzzer
locks itself out, which the API allows on purpose).
Cinder's volume types are shared by everyone on the stack: the volume types the fuzzer adds are
named ``fuzz-…``, it changes and removes only those (any other id is sent as a stand-in that
names none: 404), and they are deleted afterwards.
Every other reference by id is grounded in a real data center, storage domain or host
(:func:`grounded`), so that bodies get past "no such data center" into the handlers. Every
Cinder volume of the fuzzer's storage domains is deleted afterwards, and checked gone.
"""

from __future__ import annotations

import json
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from lxml import etree
from schemathesis.specs.openapi.schemas import OpenApiSchema

from ovirt_engine_host.config import PollerSettings
from tests.disks import add_provider, cinder_volumes, storage_domain_of, volumes_cleaned
from tests.engine import ADMIN, Engine, build_engine, stop_engine
from tests.stack import Stack

GiB = 1024**3
MAX_DISK_BYTES = 2 * GiB
EXAMPLES_PER_OPERATION = 15
SCENARIOS = 100
STEPS_PER_SCENARIO = 10
RUNS_OF_SCENARIOS = 4
"""A run that Hypothesis stops early (``Flaky``: a scenario replayed against a server whose state
has moved on draws differently) is followed by another, up to this many."""
BUDGET_SECONDS = 90.0
"""Past this, requests are no longer sent (the run stays well under three minutes on two cores)."""
OPERATIONS_BUDGET_SECONDS = 55.0
"""The operations one by one stop sending here: the rest of the budget is the scenarios'."""
OPERATION_SECONDS = 4.0
"""What one operation may spend on its own (adding a provider asks Keystone, adding a disk Cinder:
their cases would take the budget of all the others)."""
TEST_LIBVIRT_URI = "test:///default"
KEPT_PROVIDER_STAND_IN = "kept-provider"
"""The id a DELETE of the fuzzer's own provider is sent to instead (none: 404), else the first
such DELETE ends every disk operation of the run."""
FUZZ_TYPE_PREFIX = "fuzz-"
"""The name prefix of the volume types the fuzzer adds (and deletes afterwards)."""
KEPT_TYPE_STAND_IN = "kept-volume-type"
"""The id a PUT or DELETE of a volume type the fuzzer did not add is sent to instead (none: 404)."""
SCHEMATHESIS_CONFIG = {
    "auth": {"basic": {"username": ADMIN[0], "password": ADMIN[1]}},
    "generation": {"database": "none"},  # no example database: each run draws anew
}


@dataclass
class FuzzTarget:
    """The engine under test, what the fuzzer did to it, and what it is allowed to touch."""

    engine: Engine
    stack: Stack
    admin_id: str
    provider_id: str
    storage_domain_ids: list[str]
    host_ids: list[str] = field(default_factory=list)
    volume_type_ids: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    refusals: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    bad_gateways: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    unsent: int = 0
    scenarios: int = 0
    notes: list[str] = field(default_factory=list)

    def out_of_time(self, budget: float = BUDGET_SECONDS) -> bool:
        return time.monotonic() - self.started > budget

    def record(self, case: schemathesis.Case[Any], response: schemathesis.Response) -> None:
        self.statuses[case.operation.label][response.status_code] += 1
        self.seconds[case.operation.label] += response.elapsed
        if response.status_code == 502:
            self.bad_gateways[f"{case.operation.label}: {message_of(response)[:200]}"] += 1
        if response.status_code in {400, 409, 422}:
            self.refusals[case.operation.label][
                f"{response.status_code} {case.media_type} {message_of(response)[:90]}"
            ] += 1
        if response.status_code == 201 and isinstance(body := _json(response), dict):
            if case.operation.path == "/api/hosts":
                self.host_ids.append(str(body["id"]))
            if case.operation.path.endswith("/volumetypes"):
                self.volume_type_ids.append(str(body["id"]))
            domain = body.get("storage_domain")
            if isinstance(domain, dict) and domain.get("id") not in self.storage_domain_ids:
                self.storage_domain_ids.append(str(domain["id"]))

    def summary(self) -> str:
        cases = sum(sum(counts.values()) for counts in self.statuses.values())
        by_status: Counter[int] = Counter()
        for counts in self.statuses.values():
            by_status.update(counts)
        lines = [
            f"fuzzer: {len(self.statuses)} operations, {cases} requests, {self.unsent} cases not sent "
            f"(budgets), {self.scenarios} scenarios, {time.monotonic() - self.started:.0f} s",
            *self.notes,
            "statuses: " + ", ".join(f"{status}: {n}" for status, n in sorted(by_status.items())),
        ]
        lines += [f"502 (allowed) {n} x {message}" for message, n in self.bad_gateways.most_common()]
        slowest = sorted(self.seconds.items(), key=lambda item: -item[1])[:5]
        lines.append("slowest: " + ", ".join(f"{label} {seconds:.0f} s" for label, seconds in slowest))
        for label, counts in sorted(self.statuses.items()):
            lines.append(f"  {label}: {dict(sorted(counts.items()))}")
            lines += [f"      {n} x {message}" for message, n in self.refusals[label].most_common(3)]
        return "\n".join(lines)


def _json(response: schemathesis.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def message_of(response: schemathesis.Response) -> str:
    """An error's message: JSON's ``message``, or the ``<detail>`` of oVirt's XML ``<fault>``."""
    body = _json(response)
    if isinstance(body, dict):
        return str(body.get("message", ""))
    try:
        return etree.fromstring(response.content).findtext("detail") or response.text
    except etree.XMLSyntaxError:
        return response.text


def names_openstack(response: schemathesis.Response) -> bool:
    """Whether a 502's message says that Cinder (or the Keystone in front of it) failed."""
    return any(word in message_of(response).lower() for word in ("cinder", "keystone"))


def no_server_error(ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]) -> bool | None:
    """schemathesis check: no 5xx, but a 502 that names the provider's OpenStack (see above)."""
    if response.status_code < 500 or (response.status_code == 502 and names_openstack(response)):
        return None
    raise AssertionError(f"{case.operation.label} answered {response.status_code}: {response.text[:500]}")


def made_safe(target: FuzzTarget, case: schemathesis.Case[Any]) -> None:
    """What the fuzzer may send on this machine (see the module docstring), changed in place."""
    path, method = case.operation.path, case.method.upper()
    parameters = case.path_parameters or {}
    if method == "DELETE" and parameters.get("provider_id") == target.provider_id and "{key_id}" not in path:
        parameters["provider_id"] = KEPT_PROVIDER_STAND_IN
    if method in {"PUT", "DELETE"} and parameters.get("volume_type_id") not in (None, *target.volume_type_ids):
        parameters["volume_type_id"] = KEPT_TYPE_STAND_IN  # a type the stack or someone else uses
    if method == "DELETE" and path == "/api/permissions/{permission_id}":
        parameters["permission_id"] = KEPT_PROVIDER_STAND_IN  # never the administrator's own SuperUser
    body = case.body
    if not isinstance(body, dict):
        return  # not an object: refused by the schema before any handler, nothing reaches a backend
    name = body.get("name")
    if "/volumetypes" in path and isinstance(name, str):
        body["name"] = FUZZ_TYPE_PREFIX + name
    if body.get("url"):  # empty: Keystone's catalog names the stack's Cinder
        body["url"] = target.stack.cinder_url
    if "authentication_url" in body:
        body["authentication_url"] = target.stack.keystone_url
    if path == "/api/hosts" and method == "POST":
        body["protocol"] = TEST_LIBVIRT_URI
    size = body.get("provisioned_size")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        body["provisioned_size"] = GiB * (1 + size % (MAX_DISK_BYTES // GiB))
    if path.endswith("/disks") and method == "POST":
        body["openstack_volume_type"] = {"name": target.stack.volume_type_fake}
    if path == "/api/disks/{disk_id}" and method == "PUT" and isinstance(body.get("openstack_volume_type"), dict):
        body["openstack_volume_type"] = {"name": target.stack.volume_type_fake}  # no retype onto Ceph's pool
    if path == "/api/users/{user_id}" and parameters.get("user_id") in {target.admin_id, ADMIN[0]}:
        body.pop("password", None)
        body.pop("administrator", None)


def grounded(target: FuzzTarget, case: schemathesis.Case[Any]) -> None:
    """Every other reference a body makes by id names a real data center, cluster, storage domain
    or host (by a hash of the generated id: a case is grounded alike every time it is sent), so
    that the fuzzer gets past "no such data center" into the handlers."""
    body: Any = case.body
    if not isinstance(body, dict):
        return
    domains = body.get("storage_domains")
    known = {
        "data_center": [target.engine.data_center_id],
        "cluster": [target.engine.cluster_id],
        "storage_domain": target.storage_domain_ids[:1],
        "host": target.host_ids,
    }
    references = [
        ("data_center", body.get("data_center")),
        ("cluster", body.get("cluster")),
        ("data_center", body["cluster"].get("data_center") if isinstance(body.get("cluster"), dict) else None),
        ("storage_domain", body.get("storage_domain")),
        ("host", body.get("host")),
    ]
    if isinstance(domains, dict) and isinstance(domains.get("storage_domain"), list):
        references += [("storage_domain", reference) for reference in domains["storage_domain"]]
    for kind, reference in references:
        if isinstance(reference, dict) and isinstance(reference.get("id"), str) and known[kind]:
            draw = zlib.crc32(reference["id"].encode())
            if draw % 2 == 0:
                reference["id"] = known[kind][draw // 2 % len(known[kind])]


def send(target: FuzzTarget, case: schemathesis.Case[Any]) -> schemathesis.Response | None:
    """The one way a case reaches the engine: made safe, within the budget, checked, recorded."""
    if target.out_of_time(OPERATIONS_BUDGET_SECONDS) or target.seconds[case.operation.label] > OPERATION_SECONDS:
        target.unsent += 1
        return None
    grounded(target, case)
    made_safe(target, case)
    response = case.call()
    target.record(case, response)
    case.validate_response(response, checks=[no_server_error])
    return response


@pytest.fixture(scope="module")
def fuzz_target(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    state_dir: Path = tmp_path_factory.mktemp("fuzzed-engine")
    poller = PollerSettings(initial_delay=0.2, max_delay=1.0, sync_wait_seconds=5.0)
    engine = build_engine(state_dir, "", poll=True, poller=poller)
    try:
        provider = add_provider(engine, stack, name="fuzz-cinder")
        domain_ids = [storage_domain_of(engine, provider)]
        admin_id = next(u["id"] for u in engine.request("GET", "/api/users").json if u["user_name"] == ADMIN[0])
        with volumes_cleaned(stack, domain_ids) as cinder:
            target = FuzzTarget(engine, stack, admin_id, provider["id"], domain_ids)
            yield target
            print(target.summary())
            domain_ids += [
                d["id"] for d in engine.request("GET", "/api/storagedomains").json if d["id"] not in domain_ids
            ]
        for volume_type in cinder.volume_types.list():  # once the volumes that might use them are gone
            if str(volume_type.name).startswith(FUZZ_TYPE_PREFIX):
                cinder.volume_types.delete(volume_type)
        left = [volume_id for domain_id in domain_ids for volume_id in cinder_volumes(cinder, domain_id)]
        assert left == [], f"volumes the fuzzer made are still in Cinder: {left}"
    finally:
        stop_engine(engine)


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> OpenApiSchema:
    config = schemathesis.Config.from_dict(SCHEMATHESIS_CONFIG)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_target.engine.app, config=config)


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's pytest integration reads and writes ``Node._nodeid``, which pytest 9.2
    no longer has (its node ids are ``Node._id`` now): give it the attribute it expects."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_operation_answers_a_server_error(case: schemathesis.Case[Any], fuzz_target: FuzzTarget) -> None:
    send(fuzz_target, case)


LINKS_THE_SCENARIOS_NEED = {
    ("POST /api/disks", "GET /api/disks/{disk_id}"),
    ("POST /api/disks", "PUT /api/disks/{disk_id}"),
    ("POST /api/disks", "POST /api/vms/{vm_id}/disks"),  # the new disk's id in the body
    ("POST /api/vms", "POST /api/vms/{vm_id}/start"),
    ("POST /api/vms", "POST /api/vms/{vm_id}/disks"),
    ("POST /api/hosts", "POST /api/hosts/{host_id}/activate"),
    ("POST /api/users", "PUT /api/users/{user_id}"),
    (
        "POST /api/openstackvolumeproviders/{provider_id}/authenticationkeys",
        "PUT /api/openstackvolumeproviders/{provider_id}/authenticationkeys/{key_id}",
    ),
}
"""POST answers that feed the ``{id}`` (or the body) of the item's operations."""


def inferred_links(api_schema: OpenApiSchema) -> set[tuple[str, str]]:
    """(source, target) of the OpenAPI links in the loaded schema, as ``METHOD /path``."""
    found = set()
    for path, item in api_schema.raw_schema["paths"].items():
        for method, operation in item.items():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for response in responses.values():
                for link in (response.get("links") or {}).values() if isinstance(response, dict) else ():
                    target = str(link.get("operationRef", "")).removeprefix("#/paths/").rsplit("/", 1)
                    if len(target) == 2:
                        target_path = target[0].replace("~1", "/").replace("~0", "~")
                        found.add((f"{method.upper()} {path}", f"{target[1].upper()} {target_path}"))
    return found


class OutOfTime(Exception):
    """The budget is spent: the scenarios stop."""


def test_no_scenario_of_linked_operations_answers_a_server_error(
    api_schema: OpenApiSchema, fuzz_target: FuzzTarget
) -> None:
    """Scenarios follow the OpenAPI links. A server error is recorded, not raised: Hypothesis
    would replay the scenario to shrink it, and a replay against a server whose state has moved
    on draws differently (``Flaky``), which would hide the error behind Hypothesis' complaint."""
    errors: list[str] = []
    machine = api_schema.as_state_machine()  # infers the links from the response schemas and paths
    assert LINKS_THE_SCENARIOS_NEED - inferred_links(api_schema) == set()

    class Scenarios(machine):  # type: ignore[misc,valid-type]
        def call(self, case: schemathesis.Case[Any], **kwargs: Any) -> schemathesis.Response:
            if fuzz_target.out_of_time():
                raise OutOfTime
            grounded(fuzz_target, case)
            made_safe(fuzz_target, case)
            return case.call(**kwargs)

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case[Any]) -> None:
            fuzz_target.record(case, response)

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case[Any], *args: Any, **kwargs: Any
        ) -> None:
            try:
                no_server_error(None, response, case)
            except AssertionError as error:
                errors.append(f"{error}\n    {case.as_curl_command()}")

        def teardown(self) -> None:
            fuzz_target.scenarios += 1

    for _attempt in range(RUNS_OF_SCENARIOS):
        remaining = SCENARIOS - fuzz_target.scenarios
        if remaining <= 0 or fuzz_target.out_of_time():
            break
        settings = hypothesis.settings(
            max_examples=remaining,
            stateful_step_count=STEPS_PER_SCENARIO,
            phases=[hypothesis.Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        try:
            Scenarios.run(settings=settings)
        except OutOfTime:
            fuzz_target.notes.append("scenarios stopped by the time budget")
            break
        except hypothesis.errors.Flaky as flaky:  # the server's state moved on: run the rest anew
            fuzz_target.notes.append(f"a run of scenarios stopped early by Hypothesis: {type(flaky).__name__}")
    assert errors == [], "\n".join(errors)


def test_the_administrator_still_logs_in(fuzz_target: FuzzTarget) -> None:
    answer = fuzz_target.engine.client.get("/api/users", auth=ADMIN)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    print(fuzz_target.summary())
