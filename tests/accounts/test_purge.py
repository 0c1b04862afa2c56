"""The scheduled purge: failed sign-ins, expired sessions and old account mails go, what a rule
still reads stays, and a second run finds nothing (tested with a frozen clock)."""

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import LoginAttempt, User, UserSession
from app.core.db import utcnow
from app.core.jobs import periodic_jobs
from app.extensions import db
from app.notifications import scheduler
from app.notifications.models import OutboxMessage
from tests.conftest import in_app

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


def fill(app, user_id: int, now: datetime = NOW) -> None:
    """Rows on both sides of every limit, as seen at `now`."""
    config = app.config
    remembered = timedelta(
        seconds=max(config.get("LOGIN_FAILURE_MEMORY", 0), config["LOGIN_THROTTLE_WINDOW"])
    )
    lifetime = timedelta(seconds=config["SESSION_ABSOLUTE_LIFETIME"])
    idle = timedelta(seconds=config["SESSION_IDLE_TIMEOUT"])
    kept = timedelta(seconds=config["ACCOUNT_MAIL_RETENTION"])
    minute = timedelta(minutes=1)
    with in_app(app):
        db.session.add_all(
            [
                LoginAttempt(scope="pair", key="old", attempted_at=now - remembered - minute),
                LoginAttempt(scope="address", key="old", attempted_at=now - remembered - minute),
                LoginAttempt(scope="pair", key="recent", attempted_at=now - remembered + minute),
                UserSession(
                    token_hash="a" * 64,  # past its absolute lifetime, though active
                    user_id=user_id,
                    created_at=now - lifetime - minute,
                    last_seen_at=now - minute,
                ),
                UserSession(
                    token_hash="b" * 64,  # idle too long
                    user_id=user_id,
                    created_at=now - idle - 2 * minute,
                    last_seen_at=now - idle - minute,
                ),
                UserSession(
                    token_hash="c" * 64,  # alive
                    user_id=user_id,
                    created_at=now - lifetime + minute,
                    last_seen_at=now - idle + minute,
                ),
            ]
        )
        for key, status, due_at in (
            ("account:reset:old-sent", "sent", now - kept - minute),
            ("account:reset:old-void", "void", now - kept - minute),
            ("account:reset:old-failed", "failed", now - kept - minute),  # for a coordinator
            ("account:reset:recent", "sent", now - kept + minute),
            ("booking:1:reminder-1h", "sent", now - kept - minute),  # not the accounts' to purge
        ):
            db.session.add(
                OutboxMessage(key=key, kind="account.reset", status=status, due_at=due_at)
            )
        db.session.commit()


def remaining(app) -> dict:
    with in_app(app):
        return {
            "attempts": sorted(db.session.scalars(select(LoginAttempt.key))),
            # the sessions by the first letter of their (made-up) token hash
            "sessions": sorted(h[0] for h in db.session.scalars(select(UserSession.token_hash))),
            "mails": sorted(db.session.scalars(select(OutboxMessage.key))),
        }


EXPECTED = {
    "attempts": ["recent"],
    "sessions": ["c"],
    "mails": ["account:reset:old-failed", "account:reset:recent", "booking:1:reminder-1h"],
}


def test_purge_removes_what_expired_keeps_the_rest_and_is_idempotent(ctx, make_user):
    fill(ctx, make_user())
    dry = services.purge_expired(NOW, dry_run=True)
    assert (dry.login_attempts, dry.sessions, dry.account_mails) == (2, 2, 2)
    assert len(remaining(ctx)["attempts"]) == 3  # a dry run deletes nothing
    report = services.purge_expired(NOW)
    db.session.commit()
    assert report == dry
    assert remaining(ctx) == EXPECTED
    again = services.purge_expired(NOW)
    db.session.commit()
    assert not again and remaining(ctx) == EXPECTED
    assert db.session.get(User, db.session.scalar(select(User.id))) is not None


def test_the_scheduler_runs_the_purge_beside_the_dispatcher(app, make_user):
    fill(app, make_user(), now=utcnow())
    jobs = {job.name: job for job in periodic_jobs()}
    assert "accounts-purge" in jobs
    background = BackgroundScheduler(timezone="UTC")
    scheduler.add_jobs(background, app, "test-worker")
    planned = {job.id: job for job in background.get_jobs()}
    assert {"outbox-dispatch", "job-accounts-purge"} <= set(planned)
    assert planned["job-accounts-purge"].trigger.interval == timedelta(
        seconds=app.config["PURGE_INTERVAL"]
    )
    scheduler.periodic_job(app, jobs["accounts-purge"])  # one run, as the scheduler does it
    assert remaining(app) == EXPECTED


def test_the_purge_command_has_a_dry_run(app, runner, make_user):
    fill(app, make_user(), now=utcnow())
    dry = runner.invoke(args=["users", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("would delete 2 expired session(s), 2 old failed sign-in(s)")
    assert len(remaining(app)["sessions"]) == 3
    done = runner.invoke(args=["users", "purge"])
    assert done.exit_code == 0 and done.output.startswith("deleted 2 expired session(s)")
    assert remaining(app) == EXPECTED
