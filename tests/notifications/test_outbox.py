"""The outbox: a message is planned once, sent once, retried on a real send failure, withdrawn
when no longer wanted; two dispatchers over the same due messages send each exactly once."""

import socket
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.db import utcnow
from app.extensions import db
from app.notifications import services
from app.notifications.models import OutboxMessage
from tests.conftest import in_app


def plan_prepared(key: str, due_at, to="person@example.org"):
    return services.plan(
        key,
        "prepared",
        due_at,
        payload=services.prepared_payload(to, key, f"Text of {key}"),
    )


def statuses(app) -> Counter:
    with in_app(app):
        return Counter(db.session.scalars(select(OutboxMessage.status)))


def test_a_key_is_planned_once(ctx):
    now = utcnow()
    assert plan_prepared("note:1", now) is not None
    assert plan_prepared("note:1", now + timedelta(hours=1)) is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    with pytest.raises(ValueError):
        services.plan("x", "no-such-kind", now)


def test_due_messages_are_sent_once_and_future_ones_wait(ctx, outbox):
    now = utcnow()
    plan_prepared("note:due", now - timedelta(minutes=1))
    plan_prepared("note:later", now + timedelta(hours=2))
    db.session.commit()
    report = services.dispatch_due(now)
    assert report.sent == 1 and [m["Subject"] for m in outbox] == ["note:due"]
    assert services.dispatch_due(now).sent == 0
    assert services.dispatch_due(now + timedelta(hours=3)).sent == 1
    assert [m["Subject"] for m in outbox] == ["note:due", "note:later"]
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == "note:due"))
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1


def test_withdrawn_messages_are_not_sent(ctx, outbox):
    now = utcnow()
    plan_prepared("booking:7:reminder-24h", now)
    plan_prepared("booking:7:reminder-1h", now)
    plan_prepared("booking:70:reminder-1h", now)  # another booking: the prefix must not match it
    plan_prepared("booking_7:x", now)  # "_" is not a wildcard
    db.session.commit()
    assert services.void("booking:7:") == 2
    db.session.commit()
    services.dispatch_due(now)
    assert sorted(m["Subject"] for m in outbox) == ["booking:70:reminder-1h", "booking_7:x"]


def test_a_message_its_renderer_no_longer_wants_is_withdrawn(ctx, outbox):
    @services.renderer("test-gone")
    def gone(message):
        return None

    services.plan("gone:1", "test-gone", utcnow())
    db.session.commit()
    report = services.dispatch_due(utcnow())
    assert report.void == 1 and outbox == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the probe closes


def test_a_failed_send_is_retried_with_back_off_then_given_up(app_factory):
    app = app_factory(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port())
    now = utcnow()
    with app.app_context():
        plan_prepared("note:smtp", now)
        db.session.commit()
        report = services.dispatch_due(now)
        assert report.retried == 1 and report.sent == 0
        message = db.session.scalar(select(OutboxMessage))
        db.session.refresh(message)
        assert message.status == "pending" and message.attempts == 1
        assert message.due_at == now + timedelta(minutes=1)
        assert message.last_error == "ConnectionRefusedError"
        moment = now
        for _attempt in range(services.MAX_ATTEMPTS - 1):
            moment += timedelta(hours=2)
            services.dispatch_due(moment)
        db.session.refresh(message)
        assert message.status == "failed" and message.attempts == services.MAX_ATTEMPTS
        assert services.problems() == [message]


def test_a_dead_dispatchers_claim_is_released_and_a_mid_send_row_is_not_resent(ctx, outbox):
    now = utcnow()
    claimed = plan_prepared("note:claimed", now)
    sending = plan_prepared("note:sending", now)
    db.session.flush()
    earlier = now - services.LEASE - timedelta(minutes=1)
    claimed.status, claimed.claimed_by, claimed.claimed_at = "claimed", "dead:1", earlier
    sending.status, sending.claimed_by, sending.claimed_at = "sending", "dead:1", earlier
    db.session.commit()
    report = services.dispatch_due(now)
    assert (report.released, report.unknown, report.sent) == (1, 1, 1)
    assert [m["Subject"] for m in outbox] == ["note:claimed"]
    assert [m.key for m in services.problems()] == ["note:sending"]


def test_a_planned_message_can_be_sent_at_once(ctx, outbox):
    message = plan_prepared("note:now", utcnow())
    db.session.commit()
    services.send_now(message, utcnow())
    assert [m["Subject"] for m in outbox] == ["note:now"]
    assert services.dispatch_due(utcnow()).sent == 0


def test_two_dispatchers_over_1000_due_messages_send_each_exactly_once(app_factory):
    """Two dispatchers, each with its own app, session and connections, race over 1,000 rows."""
    apps = [app_factory(), app_factory()]
    now = utcnow()
    with apps[0].app_context():
        db.session.add_all(
            OutboxMessage(
                key=f"booking:{index}:reminder-1h",
                kind="prepared",
                due_at=now - timedelta(seconds=index % 60),
                payload=services.prepared_payload(
                    "person@example.org", f"booking:{index}:reminder-1h", "Your session"
                ),
            )
            for index in range(1000)
        )
        db.session.commit()
    start = threading.Barrier(len(apps))
    reports, errors = [], []

    def dispatcher(app, name):
        try:
            with app.app_context():
                start.wait()
                reports.append(services.dispatch_due(now, worker=name, batch=25))
                db.session.remove()
        except Exception as error:  # reported below, with the thread's name
            errors.append((name, error))

    threads = [
        threading.Thread(target=dispatcher, args=(app, f"dispatcher-{i}"))
        for i, app in enumerate(apps)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    subjects = Counter(
        message["Subject"] for app in apps for message in app.extensions.get("mail_outbox", [])
    )
    assert len(subjects) == 1000 and set(subjects.values()) == {1}
    assert sum(report.sent for report in reports) == 1000
    assert all(report.sent > 0 for report in reports), "both dispatchers took part"
    assert statuses(apps[0]) == Counter({"sent": 1000})


def test_the_dispatch_command_sends_what_is_due(app, runner, outbox):
    with app.app_context():
        plan_prepared("note:cli", utcnow())
        db.session.commit()
    result = runner.invoke(args=["outbox", "dispatch"])
    assert result.exit_code == 0 and "sent 1," in result.output
    assert [m["Subject"] for m in outbox] == ["note:cli"]


def test_coordinators_see_undelivered_messages_and_send_them_again(app, login_as, make_user):
    with app.app_context():
        message = plan_prepared("note:stuck", utcnow())
        db.session.flush()
        message.status, message.attempts, message.last_error = "failed", 6, "SMTPDataError"
        db.session.commit()
        message_id = message.id
    client = app.test_client()
    login_as(client, make_user(roles=("coordinator",)))
    page = client.get("/admin/messages").get_data(as_text=True)
    assert "note:stuck" in page and "SMTPDataError" in page
    client.post(f"/admin/messages/{message_id}/retry")
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "pending"
    assert "nothing needs your attention" in client.get("/admin/messages").get_data(as_text=True)


def test_a_message_that_cannot_be_built_fails_alone_and_the_batch_goes_on(ctx, outbox, caplog):
    """A subject with a line break (an e-mail header error) used to stop the whole batch."""
    now = utcnow()
    plan_prepared("note:before", now - timedelta(minutes=2))
    poison = services.plan(
        "note:poison",
        "prepared",
        now - timedelta(minutes=1),
        payload=services.prepared_payload(
            "person@example.org", "Hello\r\nBcc: x@example.org", "Hi"
        ),
    )
    plan_prepared("note:after", now)
    db.session.commit()
    poison_id = poison.id
    with caplog.at_level("WARNING", logger="app.notifications.services"):
        report = services.dispatch_due(now)
    assert (report.sent, report.failed, report.retried) == (2, 1, 0)
    assert sorted(m["Subject"] for m in outbox) == ["note:after", "note:before"]
    assert not any(m["Bcc"] or b"x@example.org" in bytes(m) for m in outbox)
    poison = db.session.get(OutboxMessage, poison_id, populate_existing=True)
    assert poison.status == "failed" and poison.attempts == 1  # given up at once
    assert poison.last_error == (
        "could not build the message: UnsafeHeaderError (Subject holds a control character)"
    )
    assert services.problems() == [poison]
    # The log names the message, never its address or text.
    assert str(poison_id) in caplog.text
    assert "example.org" not in caplog.text and "Hello" not in caplog.text
    # Nothing is left "sending", so nothing turns "unknown" once the lease has passed.
    later = now + services.LEASE + timedelta(minutes=1)
    assert services.dispatch_due(later).unknown == 0
    assert statuses(ctx) == Counter({"sent": 2, "failed": 1})


def test_a_coordinators_retry_of_a_message_that_cannot_be_built_fails_again_once(ctx, outbox):
    now = utcnow()
    payload = services.prepared_payload("person@example.org", "Line\nbreak", "Hi")
    message = services.plan("note:retried", "prepared", now, payload=payload)
    db.session.commit()
    services.dispatch_due(now)
    assert services.retry(message.id, now + timedelta(minutes=5))
    db.session.commit()
    report = services.dispatch_due(now + timedelta(minutes=5))
    assert (report.failed, report.retried, report.sent) == (1, 0, 0)
    for hours in (1, 2, 3):  # no loop: it stays given up until someone acts again
        assert not services.dispatch_due(now + timedelta(hours=hours))
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 1
    assert message.last_error.startswith("could not build the message:")
    assert outbox == []


def test_a_renderer_that_raises_fails_its_message_only(ctx, outbox):
    @services.renderer("test-broken")
    def broken(message):
        raise KeyError("a field the template needs")

    now = utcnow()
    services.plan("broken:1", "test-broken", now - timedelta(seconds=1))
    plan_prepared("note:fine", now)
    db.session.commit()
    report = services.dispatch_due(now)
    assert (report.sent, report.failed) == (1, 1)
    broken_row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == "broken:1"))
    assert broken_row.status == "failed"
    assert broken_row.last_error == "could not build the message: KeyError"
    assert [m["Subject"] for m in outbox] == ["note:fine"]


def test_an_unexpected_delivery_error_is_retried_with_back_off_and_does_not_stop_the_batch(
    app_factory,
):
    app = app_factory(MAIL_BACKEND="carrier-pigeon")  # deliver() raises RuntimeError
    now = utcnow()
    with app.app_context():
        plan_prepared("note:one", now)
        plan_prepared("note:two", now)
        db.session.commit()
        report = services.dispatch_due(now)
        assert report.retried == 2
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(row.status, row.attempts, row.last_error) for row in rows} == {
            ("pending", 1, "RuntimeError")
        }
        moment = now
        for _attempt in range(services.MAX_ATTEMPTS - 1):
            moment += timedelta(hours=2)
            services.dispatch_due(moment)
        assert statuses(app) == Counter({"failed": 2})
