"""``/api/jobs``: what asynchronous requests are doing, with their steps (oVirt's jobs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host.api.common import DropsEmpty, ResourceSchema, get_or_404
from ovirt_engine_host.authorization import owned_only
from ovirt_engine_host.commands.clock import as_utc
from ovirt_engine_host.db.models import Job, Step
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("jobs", __name__, url_prefix="/api/jobs", description="Jobs")
MAX_JOBS = 500


class UtcDateTime(ma.fields.DateTime):
    """SQLite hands back naive datetimes; every stored time is UTC."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else super()._serialize(as_utc(value), attr, obj, **kwargs)


def _status(state: str, detail: str | None) -> dict[str, str]:
    return {"state": state, **({"detail": detail} if detail else {})}


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


@blp.route("")
class JobViews(MethodView):
    @blp.action("read", "job")
    @blp.response(200, JobSchema(many=True))
    def get(self) -> Any:
        """List the most recent jobs, newest first"""
        with db_session() as session:
            return session.scalars(owned_only(select(Job), Job).order_by(Job.start_time.desc()).limit(MAX_JOBS)).all()


@blp.route("/<string:job_id>")
class JobByIdViews(MethodView):
    @blp.action("read", "job", by="job_id")
    @blp.response(200, JobSchema)
    def get(self, job_id: str) -> Any:
        """Get a job"""
        with db_session() as session:
            return get_or_404(session, Job, job_id, "job")


@blp.route("/<string:job_id>/steps")
class StepViews(MethodView):
    @blp.action("read", "job", by="job_id")
    @blp.response(200, StepSchema(many=True))
    def get(self, job_id: str) -> Any:
        """List a job's steps"""
        with db_session() as session:
            return list(get_or_404(session, Job, job_id, "job").steps)
