"""Throttling of password checks: per account and address pair with growing delays, per
address, never a lockout of the real user, and client addresses only from trusted proxies."""

from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import LoginAttempt, User
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, in_app

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def failures(scope: str | None = None) -> int:
    statement = select(func.count()).select_from(LoginAttempt)
    if scope:
        statement = statement.where(LoginAttempt.scope == scope)
    return db.session.scalar(statement)


def attempt(email: str, password: str, address: str, now) -> str:
    """Sign in once and commit as the view does; 'ok', 'credentials' or 'throttled'."""
    try:
        services.authenticate(email, password, address, now)
    except services.AuthError as error:
        db.session.commit()
        return error.reason
    db.session.commit()
    return "ok"


# --- services ----------------------------------------------------------------------------------


def test_attacker_on_one_address_cannot_lock_out_the_owner_on_another(ctx, make_user):
    make_user(email="owner@example.org")
    now = utcnow()
    answers = [
        attempt("owner@example.org", f"guess {n}", ATTACKER, now + timedelta(seconds=n / 10))
        for n in range(30)
    ]
    assert answers[:3] == ["credentials"] * 3
    assert answers[-1] == "throttled"
    with pytest.raises(services.Throttled):
        services.authenticate("owner@example.org", PASSWORD, ATTACKER, now + timedelta(seconds=3))
    user = services.authenticate("owner@example.org", PASSWORD, OWNER, now + timedelta(seconds=3))
    assert user.email == "owner@example.org"


def test_the_pairs_delay_doubles_and_is_capped(ctx, make_user):
    make_user(email="owner@example.org")
    now = utcnow()
    for _n in range(3):
        assert attempt("owner@example.org", "wrong", ATTACKER, now) == "credentials"
    # After three failures: 1 s, then 2 s, then 4 s ...
    at = now
    for delay in (1, 2, 4, 8):
        with pytest.raises(services.Throttled) as error:
            services.authenticate("owner@example.org", PASSWORD, ATTACKER, at)
        assert error.value.retry_after == delay
        assert str(error.value.message) == (
            f"Too many failed attempts. Please wait {delay} "
            f"{'second' if delay == 1 else 'seconds'} and try again, or reset your password."
        )
        just_before = at + timedelta(seconds=delay) - timedelta(milliseconds=1)
        assert attempt("owner@example.org", "wrong", ATTACKER, just_before) == "throttled"
        at += timedelta(seconds=delay)
        assert attempt("owner@example.org", "wrong", ATTACKER, at) == "credentials"
    # The cap: however many failures, the wait is at most LOGIN_PAIR_MAX_DELAY, said in minutes.
    for _n in range(20):
        db.session.add(LoginAttempt(scope="pair", key=_pair_key(), attempted_at=at))
    db.session.commit()
    with pytest.raises(services.Throttled) as error:
        services.authenticate("owner@example.org", PASSWORD, ATTACKER, at)
    assert error.value.retry_after == ctx.config["LOGIN_PAIR_MAX_DELAY"] == 15 * 60
    assert "Please wait 15 minutes" in str(error.value.message)
    later = at + timedelta(seconds=15 * 60)
    assert services.authenticate("owner@example.org", PASSWORD, ATTACKER, later)


def _pair_key() -> str:
    return services._throttle_keys("owner@example.org", ATTACKER).pair


def test_throttled_requests_are_not_recorded_and_do_not_check_the_password(ctx, make_user):
    make_user(email="owner@example.org")
    now = utcnow()
    for _n in range(3):
        attempt("owner@example.org", "wrong", ATTACKER, now)
    recorded = failures()
    for _n in range(10):
        assert attempt("owner@example.org", PASSWORD, ATTACKER, now) == "throttled"
    assert failures() == recorded == 9  # pair, account and address, three times


def test_a_successful_sign_in_clears_the_pairs_counter(ctx, make_user):
    make_user(email="owner@example.org")
    now = utcnow()
    for _n in range(3):
        attempt("owner@example.org", "wrong", OWNER, now)
    assert failures("pair") == 3
    later = now + timedelta(seconds=1)
    assert attempt("owner@example.org", PASSWORD, OWNER, later) == "ok"
    assert failures("pair") == 0
    # Three fresh tries again before any delay.
    for _n in range(3):
        assert attempt("owner@example.org", "wrong", OWNER, later) == "credentials"
    assert attempt("owner@example.org", "wrong", OWNER, later) == "throttled"


def test_per_address_limit_across_many_accounts(ctx, make_user):
    limit = ctx.config["LOGIN_THROTTLE_PER_ADDRESS"]
    window = timedelta(seconds=ctx.config["LOGIN_THROTTLE_WINDOW"])
    make_user(email="sprayed@example.org")
    now = utcnow()
    for n in range(limit):
        assert attempt(f"u{n}@example.org", "Summer2026!", ATTACKER, now) == "credentials"
    # A new account from the same address is refused, even with the right password ...
    with pytest.raises(services.Throttled) as error:
        services.authenticate("sprayed@example.org", PASSWORD, ATTACKER, now)
    assert error.value.retry_after == window.total_seconds()
    # ... but not from another address, and not once the window has passed.
    assert services.authenticate("sprayed@example.org", PASSWORD, OWNER, now)
    assert services.authenticate("sprayed@example.org", PASSWORD, ATTACKER, now + window)


def test_account_under_distributed_attack_never_refuses_a_fresh_address(ctx, make_user):
    guard = ctx.config["LOGIN_ACCOUNT_GUARD_FAILURES"]
    make_user(email="owner@example.org")
    now = utcnow()
    # Normally an address may fail three times before it waits ...
    assert attempt("owner@example.org", "wrong", "192.0.2.200", now) == "credentials"
    assert attempt("owner@example.org", "wrong", "192.0.2.200", now) == "credentials"
    # ... but once the account fails from many addresses, each of them waits after one failure.
    for n in range(guard):
        assert attempt("owner@example.org", f"guess {n}", f"192.0.2.{n}", now) == "credentials"
    assert attempt("owner@example.org", "again", "192.0.2.1", now) == "throttled"
    # The owner's own address has not failed: never refused.
    assert attempt("owner@example.org", PASSWORD, OWNER, now) == "ok"


def test_an_ipv6_host_cannot_dodge_the_pair_by_changing_its_interface_id(ctx, make_user):
    make_user(email="owner@example.org")
    now = utcnow()
    for n in range(3):
        attempt("owner@example.org", "wrong", f"2001:db8:1:2::{n + 1}", now)
    assert attempt("owner@example.org", "wrong", "2001:db8:1:2::ffff", now) == "throttled"
    assert attempt("owner@example.org", PASSWORD, "2001:db8:1:3::1", now) == "ok"


@pytest.mark.parametrize("form", ["change_password", "erase_account"])
def test_password_checks_in_a_session_are_throttled_like_sign_in(ctx, make_user, form):
    user = db.session.get(User, make_user(email="owner@example.org"))
    now = utcnow()

    def check(password, at):
        if form == "change_password":
            services.change_password(user, password, "a new long passphrase", ATTACKER, at)
        else:
            services.request_erasure(user, password, ATTACKER, at)

    for _n in range(3):
        with pytest.raises(services.AuthError) as error:
            check("wrong", now)
        db.session.commit()  # as the view does, so the failure counts
        assert error.value.reason == "credentials"
        assert str(error.value.message) == "Your current password is not correct."
    assert failures("pair") == 3
    events = select(func.count()).where(AuditEvent.action == "password_check_failed")
    assert db.session.scalar(events) == 3
    # Now even the right password waits, and the field says why.
    with pytest.raises(services.Throttled) as error:
        check(PASSWORD, now)
    assert error.value.retry_after == 1
    assert error.value.field == ("current_password" if form == "change_password" else "password")
    # The same pair is throttled at sign-in too; another address is not.
    assert attempt("owner@example.org", PASSWORD, ATTACKER, now) == "throttled"
    assert attempt("owner@example.org", PASSWORD, OWNER, now) == "ok"
    check(PASSWORD, now + timedelta(seconds=1))
    db.session.commit()
    assert failures("pair") == 0


# --- requests: addresses, proxies and answers --------------------------------------------------


def _probe(app):
    app.add_url_rule(
        "/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme} {request.host}"
    )
    return app.test_client()


FORWARDED = {
    "X-Forwarded-For": "192.0.2.1, 198.51.100.20",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
}


def test_forwarded_headers_are_ignored_without_trusted_proxies(app):
    client = _probe(app)
    body = client.get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert body.get_data(as_text=True) == "10.0.0.5 http localhost"


def test_one_trusted_proxy_gives_the_address_it_saw_but_never_the_host(app_factory):
    client = _probe(app_factory(TRUSTED_PROXIES=1))
    body = client.get("/_probe", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    # The client's own claim (192.0.2.1) is not trusted: only what our one proxy added.
    assert body.get_data(as_text=True) == "198.51.100.20 https localhost"


def _signin(client, password, remote, forwarded=None):
    return client.post(
        "/signin",
        data={"email": "owner@example.org", "password": password},
        headers={"X-Forwarded-For": forwarded} if forwarded else {},
        environ_base={"REMOTE_ADDR": remote},
    )


# A long first delay keeps the real clock of these tests well inside it.
SLOW = {"LOGIN_PAIR_BASE_DELAY": 600}


def test_x_forwarded_for_does_not_make_a_new_address_by_default(app_factory, make_user):
    app = app_factory(**SLOW)
    make_user(email="owner@example.org")
    client = app.test_client()
    for n in range(3):
        assert _signin(client, "wrong", "10.0.0.5", f"192.0.2.{n}").status_code == 200
    response = _signin(client, PASSWORD, "10.0.0.5", "192.0.2.99")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "600"
    assert "Please wait 10 minutes" in response.get_data(as_text=True)


def test_x_forwarded_for_names_the_address_behind_a_trusted_proxy(app_factory, make_user):
    app = app_factory(TRUSTED_PROXIES=1, **SLOW)
    make_user(email="owner@example.org")
    client = app.test_client()
    for _n in range(3):
        assert _signin(client, "wrong", "10.0.0.5", ATTACKER).status_code == 200
    assert _signin(client, PASSWORD, "10.0.0.5", ATTACKER).status_code == 429
    # Same proxy, another client behind it: let in.
    assert _signin(client, PASSWORD, "10.0.0.5", OWNER).status_code == 302


def test_attacker_hammering_from_one_address_leaves_the_owner_in(app_factory, make_user):
    app = app_factory(**SLOW)
    make_user(email="owner@example.org")
    attacker, owner = app.test_client(), app.test_client()
    answers = [_signin(attacker, f"guess {n}", ATTACKER).status_code for n in range(30)]
    assert answers == [200] * 3 + [429] * 27
    response = _signin(owner, PASSWORD, OWNER)
    assert response.status_code == 302
    assert owner.get("/profile").status_code == 200


def test_throttled_sign_in_speaks_the_users_language(app_factory, make_user):
    app = app_factory(**SLOW)
    make_user(email="owner@example.org")
    client = app.test_client()
    for _n in range(3):
        _signin(client, "wrong", ATTACKER)
    english = _signin(client, PASSWORD, ATTACKER).get_data(as_text=True)
    swedish = client.post(
        "/signin?lang=sv",
        data={"email": "owner@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": ATTACKER},
    )
    assert "Too many failed attempts" in english
    assert swedish.status_code == 429 and "Too many failed attempts" not in swedish.get_data(True)


@pytest.mark.parametrize(
    ("path", "field"), [("/profile/password", "current_password"), ("/profile/erase", "password")]
)
def test_wrong_passwords_on_signed_in_forms_are_throttled(
    app_factory, make_user, login_as, path, field
):
    app = app_factory(**SLOW)
    user_id = make_user(email="owner@example.org")
    client = app.test_client()
    login_as(client, user_id)

    def send(password):
        data = {field: password}
        if field == "current_password":
            data["new_password"] = "another long passphrase"
        return client.post(path, data=data, environ_base={"REMOTE_ADDR": ATTACKER})

    for _n in range(3):
        wrong = send("wrong")
        assert wrong.status_code in (200, 400)
        assert "Your current password is not correct." in wrong.get_data(as_text=True)
    refused = send(PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    with in_app(app):
        user = db.session.get(User, user_id)
        assert user.email == "owner@example.org"  # not erased
        assert services.verify_password(user.password_hash, PASSWORD)  # not changed
        assert failures("pair") == 3
