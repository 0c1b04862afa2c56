"""Account mails (confirmation, "this address has an account", password reset) go through the
outbox: the request only plans them, the same way for known and unknown addresses, at most one
per address in a period, and a mail server that is down never breaks sign-up or reset."""

import hashlib
import socket
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.core.db import utcnow
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage
from tests.accounts.test_views import link_from, signup_data
from tests.conftest import count_queries, dispatch_outbox, in_app, user_email


def rows(app, kind=None) -> list[OutboxMessage]:
    with in_app(app):
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            statement = statement.where(OutboxMessage.kind == kind)
        found = list(db.session.scalars(statement))
        db.session.expunge_all()
        return found


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the probe closes


def test_sign_up_and_reset_work_while_the_mail_server_is_down(app_factory, make_user):
    app = app_factory(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port())
    client = app.test_client()
    make_user(email="known@example.org")
    signup = client.post("/signup", data=signup_data(email="new@example.org"))
    assert signup.status_code == 302 and signup.location.endswith("/signup/check-email")
    assert client.post("/password/forgot", data={"email": "known@example.org"}).status_code == 200
    resend = client.post("/signup/resend", data={"email": "new@example.org"})
    assert resend.status_code == 302
    assert {(row.kind, row.status) for row in rows(app)} == {
        ("account.confirm", "pending"),
        ("account.reset", "pending"),
    }
    now = utcnow()
    with app.app_context():
        report = notifications.dispatch_due(now)
    assert report.retried == 3 and report.sent == 0
    assert {(r.status, r.attempts, r.last_error) for r in rows(app)} == {
        ("pending", 1, "ConnectionRefusedError")
    }
    # The mail server is back: the dispatcher's next round delivers everything.
    app.config["MAIL_BACKEND"] = "memory"
    with app.app_context():
        assert notifications.dispatch_due(now + timedelta(minutes=2)).sent == 3
    sent = app.extensions["mail_outbox"]
    assert sorted(m["To"] for m in sent) == [
        "known@example.org",
        "new@example.org",
        "new@example.org",
    ]
    reset = next(m for m in sent if m["To"] == "known@example.org")
    assert client.get(link_from(reset)).status_code == 200  # the link made at send time works


def test_ten_reset_requests_send_one_mail_and_the_next_period_one_more(ctx, make_user, outbox):
    make_user(email="often@example.org")
    # Early in a 15-minute period, and in the past whatever the clock says now.
    now = utcnow().replace(minute=1, second=0, microsecond=0) - timedelta(hours=1)
    for seconds in range(10):
        services.request_password_reset("Often@Example.org ", now + timedelta(seconds=seconds))
        db.session.commit()
    notifications.dispatch_due(now + timedelta(seconds=10))
    assert len(outbox) == 1
    later = now + timedelta(seconds=ctx.config["ACCOUNT_MAIL_PERIOD"])
    services.request_password_reset("often@example.org", later)
    db.session.commit()
    notifications.dispatch_due(later)
    assert len(outbox) == 2


def test_reset_for_an_unknown_address_sends_nothing_and_keeps_no_address(app, client, make_user):
    make_user(email="real@example.org")
    known = client.post("/password/forgot", data={"email": "real@example.org"})
    unknown = client.post("/password/forgot", data={"email": "Ghost@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    sent = dispatch_outbox(app)
    assert [m["To"] for m in sent] == ["real@example.org"]
    ghost = next(row for row in rows(app) if row.user_id is None)
    assert ghost.kind == "account.reset" and ghost.status == "void"
    assert ghost.payload == {} and "ghost" not in ghost.key.lower()
    # Not even a plain hash of the address, which anyone could compute: a keyed one.
    assert hashlib.sha256(b"ghost@example.org").hexdigest()[:32] not in ghost.key


def test_reset_does_the_same_database_work_for_known_and_unknown_addresses(app, client, make_user):
    make_user(email="real@example.org")
    client.get("/password/forgot")  # warm up: the first request of an app does more
    with count_queries(app) as known:
        client.post("/password/forgot", data={"email": "real@example.org"})
    with count_queries(app) as unknown:
        client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert len(known) == len(unknown) > 0
    assert known == unknown  # the very same statements, only their values differ
    with count_queries(app) as known_again:
        client.post("/password/forgot", data={"email": "real@example.org"})
    with count_queries(app) as unknown_again:
        client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known_again == unknown_again


def test_signing_up_with_a_known_address_tells_its_owner_once_per_period(app, client, make_user):
    make_user(email="laura@example.org", locale="sv")
    for _attempt in range(3):
        response = client.post("/signup", data=signup_data())
        assert response.status_code == 302 and response.location.endswith("/signup/check-email")
    [message] = dispatch_outbox(app)
    assert message["To"] == "laura@example.org"
    assert "/signin" in message.get_body(("plain",)).get_content()
    assert [row.kind for row in rows(app)] == ["account.exists"]


def test_a_new_confirmation_link_at_most_once_per_period(app, client, make_user):
    client.post("/signup", data=signup_data(email="fresh@example.org"))
    for _attempt in range(3):
        response = client.post("/signup/resend", data={"email": "fresh@example.org"})
        assert response.status_code == 302
    client.post("/signup/resend", data={"email": "nobody@example.org"})
    client.post("/signup/resend", data={"email": user_email(app, make_user())})  # confirmed
    sent = dispatch_outbox(app)
    assert [m["To"] for m in sent] == ["fresh@example.org", "fresh@example.org"]
    assert sorted(row.status for row in rows(app, "account.confirm")) == [
        "sent",
        "sent",
        "void",
        "void",
    ]


def test_a_reset_planned_for_an_account_erased_before_sending_is_withdrawn(ctx, make_user, outbox):
    user = db.session.get(User, make_user(email="leaving@example.org"))
    services.request_password_reset("leaving@example.org", utcnow())
    user.active = False
    db.session.commit()
    assert notifications.dispatch_due(utcnow()).void == 1 and outbox == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
