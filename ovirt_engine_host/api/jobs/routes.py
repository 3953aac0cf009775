"""``/api/jobs``: what asynchronous requests are doing, with their steps (oVirt's jobs)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from ovirt_engine_host.api.common import get_or_404
from ovirt_engine_host.api.jobs.schemas import MAX_JOBS, JobSchema, StepSchema
from ovirt_engine_host.authorization import owned_only
from ovirt_engine_host.db.models import Job
from ovirt_engine_host.rest import Blueprint
from ovirt_engine_host.state import db_session

blp = Blueprint("jobs", __name__, url_prefix="/api/jobs", description="Jobs")


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
