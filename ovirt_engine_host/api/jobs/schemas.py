"""The schemas of ``/api/jobs``, named after oVirt 3.6's XML elements: what the views load and
dump, and what the OpenAPI document shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import marshmallow as ma

from ovirt_engine_host.api.common import DropsEmpty, ResourceSchema
from ovirt_engine_host.commands.clock import as_utc
from ovirt_engine_host.db.models import Job, Step
from ovirt_engine_host.rest import represent


def _status(state: str, detail: str | None) -> dict[str, str]:
    return {"state": state, **({"detail": detail} if detail else {})}


MAX_JOBS = 500


class UtcDateTime(ma.fields.DateTime):
    """SQLite hands back naive datetimes; every stored time is UTC."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else super()._serialize(as_utc(value), attr, obj, **kwargs)


class JobSchema(ResourceSchema, DropsEmpty):
    xml_element = "job"
    xml_collection = "jobs"
    collection_path = "/api/jobs"

    description = ma.fields.String(dump_only=True)
    status = ma.fields.Function(lambda job: _status(job.status, job.status_detail), dump_only=True)
    start_time = UtcDateTime(dump_only=True)
    end_time = UtcDateTime(dump_only=True)
    last_updated = UtcDateTime(dump_only=True)
    external = ma.fields.Constant(False, dump_only=True)
    auto_cleared = ma.fields.Constant(True, dump_only=True)
    link = ma.fields.Function(lambda job: [{"rel": "steps", "href": f"/api/jobs/{job.id}/steps"}], dump_only=True)


class StepSchema(ResourceSchema, DropsEmpty):
    xml_element = "step"
    xml_collection = "steps"
    search_fields: ClassVar[dict[str, str]] = {"name": "description", "status": "status", "type": "type"}

    description = ma.fields.String(dump_only=True)
    job = ma.fields.Function(lambda step: {"id": step.job_id, "href": f"/api/jobs/{step.job_id}"}, dump_only=True)
    type = ma.fields.String(dump_only=True)
    number = ma.fields.Integer(dump_only=True)
    status = ma.fields.Function(lambda step: _status(step.status, None), dump_only=True)
    start_time = UtcDateTime(dump_only=True)
    end_time = UtcDateTime(dump_only=True)
    external = ma.fields.Constant(False, dump_only=True)

    def make_href(self, step: Step) -> str:
        return f"/api/jobs/{step.job_id}/steps/{step.id}"


def removal_answer(job: Job | None) -> Any:
    """A removal's answer: 204 when it is done (``None``), or 202 with the job still running,
    ``Location`` where to follow it."""
    if job is None:
        return None
    document = JobSchema().dump(job)
    return represent("job", document, 202, {"Location": document["href"]})
