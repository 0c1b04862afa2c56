"""Account rules, tested without a request, on the real database."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import LoginAttempt, Organisation, User, UserSession
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from tests.conftest import PASSWORD, dispatch_outbox


def register(**overrides):
    values = {
        "name": "Ana Pérez",
        "email": "Ana@Example.org",
        "password": "a long enough passphrase",
        "country": "ES",
        "locale": "es",
        "timezone": "Europe/Madrid",
        "consent": True,
        "now": utcnow(),
    }
    values.update(overrides)
    return services.register_user(**values)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_register_records_consent_and_sends_confirmation_in_the_users_language(ctx, outbox):
    now = utcnow()
    user = register(
        now=now, new_organisation=services.NewOrganisation("Coop Nova", "cooperative", "ES")
    )
    db.session.commit()
    assert user.email == "ana@example.org"
    assert user.consent_version == ctx.config["PRIVACY_NOTICE_VERSION"]
    assert user.consent_at == now and user.consent_locale == "es"
    assert user.email_confirmed_at is None
    assert user.organisation.name == "Coop Nova" and not user.organisation.approved
    assert user.password_hash.startswith("$argon2id$")
    assert outbox == []  # planned in the outbox, sent by the dispatcher
    [message] = dispatch_outbox(ctx)
    assert message["To"] == "ana@example.org"
    assert "/confirm/" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "x" * 200}, "password"),
        ({"consent": False}, "consent"),
        ({"name": "   "}, "name"),
        ({"country": "FR"}, "country"),
        ({"locale": "de"}, "locale"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"organisation_id": 987654}, "organisation"),
        ({"new_organisation": services.NewOrganisation("", "cooperative", "IT")}, "org_name"),
        ({"new_organisation": services.NewOrganisation("X", "bank", "IT")}, "org_kind"),
        ({"new_organisation": services.NewOrganisation("X", "sme", "US")}, "org_country"),
    ],
)
def test_register_refuses_bad_input_and_stores_nothing(ctx, outbox, overrides, field):
    with pytest.raises(DomainError) as error:
        register(**overrides)
    db.session.rollback()
    assert error.value.field == field
    assert count(User) == 0 and count(Organisation) == 0
    assert outbox == []


def test_password_too_short_message_names_the_minimum(ctx):
    with pytest.raises(DomainError) as error:
        services.check_password_rules("abc")
    assert "10 characters" in str(error.value.message)


def test_register_with_a_known_address_creates_nothing_and_tells_the_owner(ctx, make_user, outbox):
    make_user(email="known@example.org", locale="sv")
    assert register(email="KNOWN@example.org") is None
    db.session.commit()
    assert count(User) == 1
    [message] = dispatch_outbox(ctx)
    assert message["To"] == "known@example.org"
    assert "/signin" in message.get_body(("plain",)).get_content()


def test_supporting_network_must_be_an_approved_second_tier_organisation(ctx, make_org):
    sme = make_org(kind="sme")
    with pytest.raises(DomainError) as error:
        register(new_organisation=services.NewOrganisation("New", "sme", "IT", parent_id=sme))
    assert error.value.field == "org_parent"
    db.session.rollback()
    network = make_org(kind="second_tier", country="BE")
    user = register(
        new_organisation=services.NewOrganisation("New", "sme", "IT", parent_id=network)
    )
    assert user.organisation.parent_id == network


def test_a_proposed_organisation_of_someone_else_cannot_be_picked(ctx, make_org):
    hidden = make_org(approved=False)
    with pytest.raises(DomainError):
        register(organisation_id=hidden)
    db.session.rollback()
    assert register(organisation_id=make_org()).organisation is not None


def test_duplicate_organisation_name_is_refused(ctx, make_org):
    make_org(name="Coop Sole", country="IT")
    with pytest.raises(DomainError) as error:
        register(new_organisation=services.NewOrganisation("coop  sole", "cooperative", "IT"))
    assert error.value.field == "org_name"


def test_confirmation_token_confirms_once_and_rejects_tampering(ctx):
    user = register()
    token = services.make_token("confirm", user)
    now = utcnow()
    assert services.confirm_email(token, now).email_confirmed_at == now
    with pytest.raises(DomainError):
        services.confirm_email(token[:-2] + "xx", now)


def test_expired_confirmation_link_gets_a_clear_message(ctx):
    user = register()
    token = services.make_token("confirm", user)
    ctx.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    with pytest.raises(DomainError) as error:
        services.confirm_email(token, utcnow())
    assert error.value.message == services.TOKEN_EXPIRED


def test_wrong_password_and_unknown_address_get_the_same_answer(ctx, make_user):
    make_user(email="real@example.org")
    now = utcnow()
    with pytest.raises(services.AuthError) as wrong:
        services.authenticate("real@example.org", "not the password", "10.0.0.1", now)
    with pytest.raises(services.AuthError) as unknown:
        services.authenticate("nobody@example.org", "not the password", "10.0.0.1", now)
    assert str(wrong.value.message) == str(unknown.value.message)
    assert wrong.value.reason == unknown.value.reason == "credentials"


def test_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(ctx, outbox):
    register(email="new@example.org", password="a long enough passphrase")
    db.session.commit()
    dispatch_outbox(ctx).clear()
    with pytest.raises(services.AuthError) as error:
        services.authenticate("new@example.org", "a long enough passphrase", "1.2.3.4", utcnow())
    assert error.value.reason == "unconfirmed"
    db.session.commit()
    assert len(dispatch_outbox(ctx)) == 1


def test_throttling_per_pair_holds_across_worker_processes(app_factory, make_user):
    """Two apps stand for two workers: the counter lives in the database they share."""
    workers = [app_factory(), app_factory()]
    with workers[0].app_context():
        make_user(email="target@example.org")
    now = utcnow()
    for attempt in range(3):
        with workers[attempt % 2].app_context():
            with pytest.raises(services.AuthError) as error:
                services.authenticate("target@example.org", "wrong", "10.0.0.1", now)
            db.session.commit()
            assert error.value.reason == "credentials"
    with workers[1].app_context():
        with pytest.raises(services.AuthError) as error:
            services.authenticate("target@example.org", PASSWORD, "10.0.0.1", now)
        assert error.value.reason == "throttled"
        # Another address is not held up, and after the delay the right password works again.
        assert services.authenticate("target@example.org", PASSWORD, "10.9.9.9", now)
        later = now + timedelta(seconds=workers[1].config["LOGIN_PAIR_BASE_DELAY"])
        assert services.authenticate("target@example.org", PASSWORD, "10.0.0.1", later)


def test_throttling_per_address(ctx, make_user):
    ctx.config["LOGIN_THROTTLE_PER_ADDRESS"] = 3
    now = utcnow()
    for index in range(3):
        with pytest.raises(services.AuthError):
            services.authenticate(f"u{index}@example.org", "wrong", "203.0.113.7", now)
    make_user(email="other@example.org")
    with pytest.raises(services.AuthError) as error:
        services.authenticate("other@example.org", PASSWORD, "203.0.113.7", now)
    assert error.value.reason == "throttled"
    assert services.authenticate("other@example.org", PASSWORD, "198.51.100.1", now)
    assert count(LoginAttempt) >= 6


def test_reset_link_works_once_and_ends_every_session(ctx, make_user, outbox):
    user = db.session.get(User, make_user(email="reset@example.org"))
    services.start_session(user)
    services.request_password_reset("RESET@example.org", utcnow())
    db.session.commit()
    assert len(dispatch_outbox(ctx)) == 1
    token = services.make_token("reset", user)
    services.reset_password(token, "a brand new passphrase", utcnow())
    db.session.commit()
    assert count(UserSession) == 0
    assert services.verify_password(user.password_hash, "a brand new passphrase")
    with pytest.raises(DomainError) as error:
        services.reset_password(token, "another new passphrase", utcnow())
    assert error.value.message == services.TOKEN_INVALID
    assert len(outbox) == 1


def test_reset_for_an_unknown_address_sends_nothing(ctx, outbox):
    services.request_password_reset("ghost@example.org", utcnow())
    db.session.commit()
    assert dispatch_outbox(ctx) == []


def test_reset_refuses_a_short_password_and_keeps_the_old_one(ctx, make_user):
    user = db.session.get(User, make_user())
    token = services.make_token("reset", user)
    with pytest.raises(DomainError):
        services.reset_password(token, "short", utcnow())
    db.session.rollback()
    assert services.verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_expired_reset_link(ctx, make_user):
    user = db.session.get(User, make_user())
    token = services.make_token("reset", user)
    ctx.config["RESET_TOKEN_MAX_AGE"] = -1
    with pytest.raises(DomainError) as error:
        services.check_reset_token(token)
    assert error.value.message == services.TOKEN_EXPIRED


def test_session_expires_after_its_absolute_lifetime(ctx, make_user):
    user = db.session.get(User, make_user())
    token = services.start_session(user)
    db.session.commit()
    now = utcnow()
    assert services.load_session_user(token, now) is not None
    lifetime = ctx.config["SESSION_ABSOLUTE_LIFETIME"]
    idle = ctx.config["SESSION_IDLE_TIMEOUT"]
    # Active every hour: still signed in just before the absolute limit, not after it.
    step = timedelta(seconds=idle // 2)
    moment = now
    while moment + step < now + timedelta(seconds=lifetime):
        moment += step
        assert services.load_session_user(token, moment) is not None
        db.session.commit()  # each request is a transaction of its own
    assert services.load_session_user(token, now + timedelta(seconds=lifetime + 60)) is None
    assert services.load_session_user("made-up", now) is None


def test_session_ends_after_idle_time(ctx, make_user):
    user = db.session.get(User, make_user())
    token = services.start_session(user)
    db.session.commit()
    idle = timedelta(seconds=ctx.config["SESSION_IDLE_TIMEOUT"])
    now = utcnow()
    assert services.load_session_user(token, now + idle - timedelta(minutes=1)) is not None
    db.session.commit()
    assert services.load_session_user(token, now + 2 * idle) is None
    db.session.commit()
    assert count(UserSession) == 0


def test_change_password_needs_the_current_one_and_signs_out_other_devices(ctx, make_user):
    user = db.session.get(User, make_user())
    services.start_session(user)
    with pytest.raises(DomainError) as error:
        services.change_password(user, "wrong current", "a new long passphrase", "::1", utcnow())
    assert error.value.field == "current_password"
    services.change_password(user, PASSWORD, "a new long passphrase", "::1", utcnow())
    db.session.commit()
    assert count(UserSession) == 0


def test_roles_are_granted_and_revoked_with_an_audit_trail(ctx, make_user):
    coordinator = db.session.get(User, make_user(roles=("coordinator",)))
    person = db.session.get(User, make_user())
    services.start_session(person)
    assert services.grant_role(coordinator, person, "mentor")
    assert not services.grant_role(coordinator, person, "mentor")
    db.session.commit()
    assert person.has_role("mentor") and person.has_role("learner")
    assert services.revoke_role(coordinator, person, "mentor")
    db.session.commit()
    assert not person.has_role("mentor")
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == person.id)) == 0
    actions = [e.action for e in services.audit_for_user(person, 10)]
    assert actions[:2] == ["role_revoked", "role_granted"]
    with pytest.raises(DomainError):
        services.grant_role(coordinator, person, "emperor")


def test_coordinator_cannot_remove_their_own_coordinator_role(ctx, make_user):
    coordinator = db.session.get(User, make_user(roles=("coordinator",)))
    with pytest.raises(DomainError):
        services.revoke_role(coordinator, coordinator, "coordinator")


def test_user_search_paginates_and_matches_name_email_and_organisation(ctx, make_user, make_org):
    for index in range(25):
        make_user(email=f"person{index}@example.org", name=f"Person {index:02d}")
    org_id = make_org(name="Cooperativa Arcobaleno")
    special = db.session.get(User, make_user(name="Zed"))
    special.organisation_id = org_id
    db.session.commit()
    first = services.search_users("person", 1, 10)
    assert first.total == 25 and first.pages == 3 and len(first.items) == 10
    assert len(services.search_users("person", 3, 10).items) == 5
    assert services.search_users("arcobaleno", 1, 10).items == [special]
    assert services.search_users("PERSON7@", 1, 10).total == 1
    assert services.search_users("person", 99, 10).page == 3


def test_user_search_takes_like_wildcards_literally(ctx, make_user):
    underscored = make_user(email="first_last@example.org", name="First Last")
    make_user(email="firstxlast@example.org", name="Firstx Last")
    percent = make_user(email="p@example.org", name="100% Coop")
    make_user(email="q@example.org", name="1000 Coop")
    assert [u.id for u in services.search_users("first_last", 1, 10).items] == [underscored]
    assert [u.id for u in services.search_users("100%", 1, 10).items] == [percent]
    assert services.search_users("\\", 1, 10).total == 0


def test_audit_events_never_hold_passwords(ctx, make_user):
    make_user(email="a@example.org")
    with pytest.raises(services.AuthError):
        services.authenticate("a@example.org", "my secret guess", "1.1.1.1", utcnow())
    details = " ".join(e.detail for e in db.session.scalars(select(AuditEvent)))
    assert "my secret guess" not in details and "a@example.org" not in details
