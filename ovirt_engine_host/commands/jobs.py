"""Jobs and their steps, as a user sees an asynchronous request at ``/api/jobs``: a finished
``validating`` step, then one ``executing`` step per backend operation whose description follows
the backend's status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ovirt_engine_host.commands import clock
from ovirt_engine_host.db.models import Job, Step


def start_job(session: Session, description: str, owner_id: str | None, executing: str) -> Job:
    moment = clock.now()
    job = Job(description=description, owner_id=owner_id, start_time=moment, last_updated=moment)
    job.steps = [
        Step(
            number=1, type="validating", description="Validating", status="finished", start_time=moment, end_time=moment
        ),
        Step(number=2, type="executing", description=executing, status="started", start_time=moment),
    ]
    session.add(job)
    session.flush()
    return job


def executing_step(job: Job) -> Step:
    return next(step for step in job.steps if step.type == "executing")


def report_progress(job: Job, description: str) -> None:
    step = executing_step(job)
    if step.description != description:
        step.description = description
        job.last_updated = clock.now()


def end_job(job: Job, succeeded: bool, detail: str | None = None) -> None:
    moment = clock.now()
    status = "finished" if succeeded else "failed"
    step = executing_step(job)
    step.status, step.end_time = status, moment
    job.status, job.status_detail, job.end_time, job.last_updated = status, detail, moment, moment
