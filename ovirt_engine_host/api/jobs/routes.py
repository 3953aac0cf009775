"""``/api/jobs``: what asynchronous requests are doing, with their steps (oVirt's jobs)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import raiseload

from ovirt_engine_host import listing
from ovirt_engine_host.api.common import get_or_404
from ovirt_engine_host.api.jobs.schemas import MAX_JOBS, JobSchema, StepSchema
from ovirt_engine_host.authorization import visible_only
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
            query = visible_only(select(Job), "job").options(raiseload(Job.steps))  # the list shows no steps
            query = query.order_by(Job.start_time.desc(), Job.id).limit(MAX_JOBS)
            return session.scalars(listing.in_sql(query, {"status": Job.status, "name": Job.description})).all()


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
