"""`flask --app wsgi scheduler run` (the dispatcher process) and `outbox dispatch` (once)."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.db import utcnow

scheduler_cli = AppGroup("scheduler", help="Background jobs.")
outbox_cli = AppGroup("outbox", help="Messages waiting to be sent.")


@scheduler_cli.command("run")
def scheduler_run():
    """Run the periodic jobs (sending due messages) until stopped."""
    from .scheduler import run_blocking

    click.echo("Scheduler running; press Ctrl+C to stop.")
    run_blocking(current_app._get_current_object())


@outbox_cli.command("dispatch")
def outbox_dispatch():
    """Send the messages that are due now, once."""
    from .services import dispatch_due

    report = dispatch_due(utcnow())
    click.echo(
        f"sent {report.sent}, retried later {report.retried}, gave up {report.failed}, "
        f"withdrawn {report.void}, released {report.released}, unknown {report.unknown}"
    )
