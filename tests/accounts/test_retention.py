"""Retention: sent e-mails, audit entries, unused calendar links and never-confirmed accounts
older than their configured periods are removed by one scheduled job, which logs counts only;
what is younger, still pending or confirmed stays, and a second run finds nothing."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.calendar.models import FeedToken
from app.core import privacy
from app.core.audit import AuditEvent
from app.core.jobs import periodic_jobs
from app.core.outbox import OutboxMessage
from app.extensions import db
from app.notifications import scheduler
from tests.conftest import in_app

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def fill(app, make_user, now=NOW) -> dict:
    """Rows a minute on each side of every period, as seen at `now`; returns the ids."""
    config = app.config

    def days(key):
        return timedelta(days=config[key])

    confirmed = make_user(email="kept@example.org")
    old_unconfirmed = make_user(email="never@example.org", name="Never Confirmed")
    new_unconfirmed = make_user(email="soon@example.org")
    link_user = make_user()
    with in_app(app):
        for user_id, created in (
            (confirmed, now - days("UNCONFIRMED_ACCOUNT_RETENTION_DAYS") - MINUTE),
            (old_unconfirmed, now - days("UNCONFIRMED_ACCOUNT_RETENTION_DAYS") - MINUTE),
            (new_unconfirmed, now - days("UNCONFIRMED_ACCOUNT_RETENTION_DAYS") + MINUTE),
        ):
            user = db.session.get(User, user_id)
            user.created_at = created
            if user_id != confirmed:
                user.email_confirmed_at = None
        kept = days("OUTBOX_RETENTION_DAYS")
        for key, status, due_at in (
            ("booking:1:reminder-24h", "sent", now - kept - MINUTE),
            ("workshop:1:cancelled:2", "void", now - kept - MINUTE),
            ("workshop:1:reminder:2", "failed", now - kept - MINUTE),  # for a coordinator
            ("booking:2:reminder-24h", "sent", now - kept + MINUTE),
            ("booking:3:reminder-24h", "pending", now - kept - MINUTE),
        ):
            db.session.add(
                OutboxMessage(key=key, kind="booking.reminder", status=status, due_at=due_at)
            )
        audit = days("AUDIT_RETENTION_DAYS")
        db.session.add_all(
            [
                AuditEvent(action="signin", subject_id=confirmed, at=now - audit - MINUTE),
                AuditEvent(action="signin", subject_id=confirmed, at=now - audit + MINUTE),
            ]
        )
        unused = days("FEED_TOKEN_RETENTION_DAYS")
        db.session.add_all(
            [
                FeedToken(
                    user_id=link_user,
                    token_hash="a" * 64,
                    created_at=now - 2 * unused,
                    last_used_at=now - unused - MINUTE,
                ),
                FeedToken(
                    user_id=confirmed,
                    token_hash="b" * 64,
                    created_at=now - 2 * unused,
                    last_used_at=now - unused + MINUTE,  # read lately: kept
                ),
            ]
        )
        db.session.commit()
    return {"confirmed": confirmed, "old": old_unconfirmed, "new": new_unconfirmed}


def state(app, ids) -> dict:
    with in_app(app):
        users = {name: db.session.get(User, user_id) for name, user_id in ids.items()}
        return {
            "mails": sorted(db.session.scalars(select(OutboxMessage.key))),
            "audit": db.session.scalar(
                select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "signin")
            ),
            "links": sorted(h[0] for h in db.session.scalars(select(FeedToken.token_hash))),
            "active": sorted(name for name, user in users.items() if user.active),
        }


EXPECTED = {
    "mails": ["booking:2:reminder-24h", "booking:3:reminder-24h", "workshop:1:reminder:2"],
    "audit": 1,
    "links": ["b"],
    "active": ["confirmed", "new"],
}


def test_retention_removes_what_is_older_than_its_period_and_only_that(ctx, make_user):
    ids = fill(ctx, make_user)
    removed = privacy.apply_retention(NOW)
    db.session.commit()
    assert removed == {
        "sent-emails": 2,
        "audit-entries": 1,
        "unused-calendar-links": 1,
        "unconfirmed-accounts": 1,
    }
    assert state(ctx, ids) == EXPECTED
    never = db.session.get(User, ids["old"])
    assert never.name == "—" and "never@" not in never.email  # erased, not just blocked
    assert privacy.apply_retention(NOW) == {}  # idempotent
    db.session.commit()
    assert state(ctx, ids) == EXPECTED


def test_the_periods_come_from_the_configuration(ctx, make_user):
    ids = fill(ctx, make_user)  # around the default periods
    ctx.config.update(OUTBOX_RETENTION_DAYS=400, AUDIT_RETENTION_DAYS=400)
    removed = privacy.apply_retention(NOW)
    db.session.commit()
    assert "sent-emails" not in removed and "audit-entries" not in removed
    assert removed["unconfirmed-accounts"] == 1
    assert state(ctx, ids)["audit"] == 2


def test_the_scheduler_runs_retention_and_logs_counts_only(app, make_user, caplog):
    ids = fill(app, make_user, now=datetime.now(UTC))
    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["privacy-retention"].interval(app.config) == app.config["RETENTION_INTERVAL"]
    with caplog.at_level(logging.INFO):
        scheduler.periodic_job(app, jobs["privacy-retention"])
    assert state(app, ids) == EXPECTED
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "privacy-retention" in logged and "'unconfirmed-accounts': 1" in logged
    assert "@" not in logged and "Never Confirmed" not in logged


def test_a_feed_link_in_use_is_stamped_at_most_once_a_day(app, client, make_user):
    from app.calendar import services as calendar

    user_id = make_user()
    with in_app(app):
        secret = calendar.issue_feed_token(db.session.get(User, user_id), NOW - timedelta(days=3))
        db.session.commit()
    assert client.get(f"/calendar/feed/{secret}.ics").status_code == 200
    with in_app(app):
        first = db.session.scalar(select(FeedToken.last_used_at))
        assert first > NOW - timedelta(days=1)
    client.get(f"/calendar/feed/{secret}.ics")
    with in_app(app):
        assert db.session.scalar(select(FeedToken.last_used_at)) == first


def test_the_privacy_notice_lists_every_period(app, client):
    html = client.get("/privacy?lang=sv").get_data(as_text=True)
    assert "14 dagar" in html  # the grace period of an erasure
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("sv"):
        for retention in privacy.retentions():
            assert str(retention.title) in html
            assert str(retention.description) in html
            assert f"{retention.days(app.config)} dagar" in html


def test_the_notice_shows_what_each_job_removed_last_time(app, client, make_user):
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert html.count("Not run yet") == len(privacy.retentions())
    fill(app, make_user)
    with in_app(app):
        privacy.apply_retention(NOW)
        db.session.commit()
        runs = privacy.last_runs()
        assert {name: run.removed for name, run in runs.items()} == {
            "sent-emails": 2,
            "audit-entries": 1,
            "unused-calendar-links": 1,
            "unconfirmed-accounts": 1,
        }
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Not run yet" not in html
    assert ": 2 removed" in html and html.count(": 1 removed") == 3
