"""Jobs and their steps, as a user sees an asynchronous request at ``/api/jobs``: a finished
``validating`` step, then ``executing`` steps (one per part of the work: a disk, a VM), each
holding the commands doing that part and following the backend's status, and a ``finalizing``
step when partial results of a failed job are undone."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from ovirt_engine_host.access import events
from ovirt_engine_host.commands import clock
from ovirt_engine_host.db.models import Job, Step


def start_job(
    session: Session, description: str, owner_id: str | None, executing: Sequence[str] | str, kind: str | None = None
) -> Job:
    """A job with its validating step done and one executing step per description."""
    moment = clock.now()
    descriptions = [executing] if isinstance(executing, str) else list(executing)
    job = Job(description=description, owner_id=owner_id, kind=kind, start_time=moment, last_updated=moment)
    job.steps = [
        Step(
            number=1, type="validating", description="Validating", status="finished", start_time=moment, end_time=moment
        ),
        *(
            Step(number=number, type="executing", description=text, status="started", start_time=moment)
            for number, text in enumerate(descriptions, start=2)
        ),
    ]
    session.add(job)
    session.flush()
    return job


def add_step(session: Session, job: Job, step_type: str, description: str) -> Step:
    moment = clock.now()
    step = Step(
        job_id=job.id,
        number=max((s.number for s in job.steps), default=0) + 1,
        type=step_type,
        description=description,
        status="started",
        start_time=moment,
    )
    job.steps.append(step)
    session.flush()
    return step


def first_open_step(job: Job) -> Step:
    """The step a command joins when its caller names none: the first executing step."""
    return next(step for step in job.steps if step.type == "executing")


def report_progress(job: Job, step: Step, description: str) -> None:
    if step.description != description:
        step.description = description
        job.last_updated = clock.now()


def end_step(step: Step, succeeded: bool) -> None:
    step.status, step.end_time = ("finished" if succeeded else "failed"), clock.now()


def end_job(job: Job, succeeded: bool, detail: str | None = None) -> None:
    """The job and every step still open end together, recorded in the audit log in the
    job's session (committed with the end)."""
    moment = clock.now()
    status = "finished" if succeeded else "failed"
    for step in job.steps:
        if step.status == "started":
            step.status, step.end_time = status, moment
    job.status, job.end_time, job.last_updated = status, moment, moment
    if detail is not None or succeeded:
        job.status_detail = detail
    events.job_ended(job)


def wait_for_job(sessions: sessionmaker[Session], job_id: str, seconds: float) -> Job | None:
    """The job once it has ended, or as it stands after ``seconds`` (a synchronous request
    waits, bounded, and answers 202 with the job when it has to stop waiting); ``None`` if gone."""
    deadline = time.monotonic() + seconds
    while True:
        with sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "started" or time.monotonic() >= deadline:
                return job
        time.sleep(0.1)
