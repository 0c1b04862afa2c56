"""The periodic jobs, run by APScheduler: in its own process (`flask scheduler run`) in
production, or inside the development server (`make run`): the outbox dispatcher, and the jobs
that domains register in app.core.jobs (for example the purge of expired sessions)."""

import logging
import os

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.core.db import utcnow

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60


def dispatch_job(app, worker: str) -> None:
    from app.extensions import db

    from .services import dispatch_due

    with app.app_context():
        try:
            report = dispatch_due(utcnow(), worker)
            if report:
                log.info("outbox: %s", report)
        finally:
            db.session.remove()


def periodic_job(app, job) -> None:
    """Run one job that a domain registered (app.core.jobs), then commit what it did."""
    from app.extensions import db

    with app.app_context():
        try:
            result = job.function(utcnow())
            db.session.commit()
            if result:
                log.info("%s: %s", job.name, result)
        finally:
            db.session.remove()


def add_jobs(scheduler, app, worker: str) -> None:
    from app.core.jobs import periodic_jobs

    # misfire_grace_time=None: a run missed while the process was busy or down still happens
    # (APScheduler's default of 1 s silently drops it); one run at a time.
    for job in periodic_jobs():
        scheduler.add_job(
            periodic_job,
            "interval",
            seconds=job.interval(app.config),
            args=(app, job),
            id=f"job-{job.name}",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            next_run_time=utcnow(),
        )
    scheduler.add_job(
        dispatch_job,
        "interval",
        seconds=app.config.get("DISPATCH_INTERVAL", INTERVAL_SECONDS),
        args=(app, worker),
        id="outbox-dispatch",
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
        next_run_time=utcnow(),  # what fell due while no scheduler ran goes out at once
    )


def run_blocking(app) -> None:
    from .services import worker_name

    scheduler = BlockingScheduler(timezone="UTC")
    worker = worker_name()
    add_jobs(scheduler, app, worker)
    scheduler.start()


def start_in_web_process(app) -> BackgroundScheduler | None:
    """Development only: run the jobs inside the web server, once (not in the reloader's parent)."""
    if not app.config.get("SCHEDULER_IN_WEB"):
        return None
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    from .services import worker_name

    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    add_jobs(scheduler, app, worker_name())
    scheduler.start()
    return scheduler
