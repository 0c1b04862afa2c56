"""Account pages through the test client: flows, bad input, sessions and permissions."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Organisation, User
from app.core.audit import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, dispatch_outbox, in_app


def signup_data(**overrides):
    data = {
        "name": "Laura Bianchi",
        "email": "laura@example.org",
        "password": "a long enough passphrase",
        "country": "IT",
        "locale": "it",
        "timezone": "Europe/Rome",
        "consent": "y",
        "org_name": "Cooperativa Nuova",
        "org_kind": "cooperative",
        "org_country": "IT",
        "org_parent": "",
        "organisation": "",
    }
    data.update(overrides)
    return data


def link_from(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/\S+)", text).group(1)


def users_count(app) -> int:
    with in_app(app):
        return db.session.scalar(select(func.count()).select_from(User))


def test_signup_confirm_signin_and_signout(app, client, outbox):
    response = client.post("/signup", data=signup_data())
    assert response.status_code == 302 and response.location.endswith("/signup/check-email")
    link = link_from(dispatch_outbox(app)[-1])
    assert "Conferma" in outbox[-1]["Subject"] or outbox[-1]["Subject"]  # rendered in Italian
    # Opening the link changes nothing (mail scanners follow links); the button confirms.
    assert b"<form" in client.get(link).data
    with in_app(app):
        assert db.session.scalar(select(User)).email_confirmed_at is None
    assert client.post(link).status_code == 302
    with in_app(app):
        user = db.session.scalar(select(User))
        assert user.email_confirmed_at is not None
        assert user.organisation.name == "Cooperativa Nuova"
    response = client.post(
        "/signin", data={"email": "laura@example.org", "password": "a long enough passphrase"}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert "Laura Bianchi" in home.get_data(as_text=True)
    assert 'lang="it"' in home.get_data(as_text=True)
    client.post("/signout")
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"password": "short"}, "password"),
        ({"consent": ""}, "consent"),
        ({"email": "not-an-address"}, "email"),
        ({"org_name": "", "organisation": ""}, "organisation"),
        ({"org_name": "", "organisation": "424242"}, "organisation"),
        ({"country": "XX"}, "country"),
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"name": ""}, "name"),
    ],
)
def test_signup_bad_input_shows_the_error_at_its_field_and_stores_nothing(
    app, client, outbox, overrides, field_error
):
    response = client.post("/signup", data=signup_data(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field_error}-error"' in html
    assert f'aria-describedby="{field_error}-error"' in html or (
        f'{field_error}-error"' in html and 'aria-invalid="true"' in html
    )
    assert users_count(app) == 0
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert outbox == []


def test_signup_ignores_extra_fields_that_try_to_set_roles_or_status(app, client):
    client.post(
        "/signup",
        data=signup_data(
            roles="coordinator",
            role="coordinator",
            email_confirmed_at="2020-01-01",
            active="0",
            approved="1",
        ),
    )
    with in_app(app):
        user = db.session.scalar(select(User))
        assert user.role_names == set() and user.email_confirmed_at is None and user.active
        assert not user.organisation.approved


def test_signup_with_a_known_address_looks_the_same(app, client, make_user, outbox):
    make_user(email="laura@example.org")
    response = client.post("/signup", data=signup_data())
    assert response.status_code == 302 and response.location.endswith("/signup/check-email")
    assert users_count(app) == 1


def test_wrong_password_and_unknown_address_look_the_same(client, make_user):
    make_user(email="real@example.org")
    wrong = client.post("/signin", data={"email": "real@example.org", "password": "nope-nope"})
    unknown = client.post("/signin", data={"email": "who@example.org", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    message = "The e-mail address or password is not correct."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_sign_in_message_is_translated(client, make_user):
    make_user(email="real@example.org")
    response = client.post(
        "/signin?lang=sv", data={"email": "real@example.org", "password": "nope-nope"}
    )
    assert "The e-mail address or password is not correct." not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "real"),
    [("/login", "/signin"), ("/sign-in", "/signin"), ("/register", "/signup")],
)
def test_addresses_people_type_move_permanently_to_the_real_page(client, typed, real):
    bare = client.get(typed)
    assert bare.status_code == 301 and bare.location == real
    response = client.get(f"{typed}?next=%2Fmentors&lang=lv")
    assert response.status_code == 301
    assert response.location == f"{real}?next=%2Fmentors&lang=lv"
    page = client.get(response.location)
    assert page.status_code == 200 and 'lang="lv"' in page.get_data(as_text=True)
    if real == "/signin":
        assert 'value="/mentors"' in page.get_data(as_text=True)  # kept for after sign-in


def test_the_welcome_speaks_the_profiles_language(client, make_user):
    make_user(email="ilze@example.org", locale="lv", name="Ilze")
    response = client.post(
        "/signin", data={"email": "ilze@example.org", "password": PASSWORD}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert 'lang="lv"' in page and "Welcome back" not in page and "Ilze" in page


def test_throttled_sign_in_answers_429(app_factory, make_user):
    client = app_factory(LOGIN_PAIR_BASE_DELAY=60).test_client()
    make_user(email="real@example.org")
    for _attempt in range(3):
        client.post("/signin", data={"email": "real@example.org", "password": "nope-nope"})
    response = client.post("/signin", data={"email": "real@example.org", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "Too many failed attempts. Please wait 1 minute" in response.get_data(as_text=True)


def test_cookie_captured_before_signout_is_dead_after_it(app, make_user, login_as):
    client = app.test_client()
    login_as(client, make_user())
    captured = client.get_cookie("session").value
    assert client.get("/profile").status_code == 200
    client.post("/signout")
    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/profile")
    assert response.status_code == 302 and "/signin" in response.location


def test_session_is_renewed_at_sign_in(app, make_user, login_as):
    client = app.test_client()
    client.get("/signin")
    before = client.get_cookie("session")
    login_as(client, make_user())
    after = client.get_cookie("session")
    assert before is None or before.value != after.value


def test_password_change_signs_out_other_devices(app, make_user, login_as):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login_as(laptop, user)
    login_as(phone, user)
    response = laptop.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": "another long passphrase"},
    )
    assert response.status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 302


def test_password_change_with_wrong_current_password(app, client, make_user, login_as):
    login_as(client, make_user())
    response = client.post(
        "/profile/password", data={"current_password": "wrong", "new_password": "x" * 20}
    )
    assert response.status_code == 400
    assert "Your current password is not correct." in response.get_data(as_text=True)


def test_forgot_password_looks_the_same_for_known_and_unknown(client, make_user, outbox):
    make_user(email="real@example.org")
    known = client.post("/password/forgot", data={"email": "real@example.org"})
    unknown = client.post("/password/forgot", data={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert len(dispatch_outbox(client.application)) == 1


def test_reset_flow_and_reused_link(app, client, make_user, outbox):
    make_user(email="real@example.org")
    client.post("/password/forgot", data={"email": "real@example.org"})
    link = link_from(dispatch_outbox(app)[-1])
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short"})
    assert "password-error" in short.get_data(as_text=True)
    assert client.post(link, data={"password": "a fresh long passphrase"}).status_code == 302
    reused = client.get(link, follow_redirects=True)
    assert "This link is not valid or has already been used." in reused.get_data(as_text=True)
    response = client.post(
        "/signin", data={"email": "real@example.org", "password": "a fresh long passphrase"}
    )
    assert response.status_code == 302


def test_expired_reset_link_gets_a_clear_message(app, client, make_user, outbox):
    make_user(email="real@example.org")
    client.post("/password/forgot", data={"email": "real@example.org"})
    dispatch_outbox(app)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    page = client.get(link_from(outbox[-1]), follow_redirects=True)
    assert "This link has expired." in page.get_data(as_text=True)


def test_next_parameter_accepts_only_local_paths(client, make_user, app):
    email = "real@example.org"
    make_user(email=email)
    evil = client.post(
        "/signin", data={"email": email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil.location == "/"
    client.post("/signout")
    good = client.post("/signin", data={"email": email, "password": PASSWORD, "next": "/profile"})
    assert good.location == "/profile"


def test_profile_edit_saves_and_refuses_bad_values(app, client, make_user, login_as, make_org):
    user = make_user()
    org = make_org()
    login_as(client, user)
    data = {
        "name": "New Name",
        "country": "LV",
        "locale": "lv",
        "timezone": "Europe/Riga",
        "organisation": str(org),
        "org_name": "",
    }
    assert client.post("/profile", data=data).status_code == 302
    with in_app(app):
        saved = db.session.get(User, user)
        assert (saved.name, saved.country, saved.locale, saved.timezone, saved.organisation_id) == (
            "New Name",
            "LV",
            "lv",
            "Europe/Riga",
            org,
        )
    bad = client.post("/profile", data={**data, "timezone": "Moon/Base", "name": "Other"})
    assert "timezone-error" in bad.get_data(as_text=True)
    with in_app(app):
        assert db.session.get(User, user).name == "New Name"


def test_coordinator_finds_users_and_changes_roles(app, client, make_user, login_as):
    coordinator = make_user(roles=("coordinator",), name="Coord")
    for index in range(23):
        make_user(name=f"Member {index:02d}")
    target = make_user(name="Target Person", email="target@example.org")
    login_as(client, coordinator)
    page = client.get("/admin/users?q=member").get_data(as_text=True)
    assert "23 users found." in page and 'rel="next"' in page
    assert "Member 20" in client.get("/admin/users?q=member&page=2").get_data(as_text=True)
    response = client.post(f"/admin/users/{target}", data={"roles": ["mentor", "trainer"]})
    assert response.status_code == 302
    with in_app(app):
        assert db.session.get(User, target).role_names == {"mentor", "trainer"}
    client.post(f"/admin/users/{target}", data={"roles": ["trainer"]})
    audit = client.get("/admin/audit?action=role_revoked").get_data(as_text=True)
    assert "Target Person" in audit and "Mentor" in audit


def test_tampered_role_is_refused_and_nothing_changes(app, client, make_user, login_as):
    coordinator = make_user(roles=("coordinator",))
    target = make_user()
    login_as(client, coordinator)
    client.post(f"/admin/users/{target}", data={"roles": ["mentor", "superuser"]})
    with in_app(app):
        assert db.session.get(User, target).role_names == set()


def test_learner_gets_a_translated_403_and_it_is_audited(app, client, make_user, login_as):
    login_as(client, make_user(locale="lt"))
    response = client.get("/admin/users")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'lang="lt"' in html and "Access denied" not in html
    with in_app(app):
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "access_denied")) == 1
        )


def test_coordinator_approves_a_proposed_organisation(app, client, make_user, login_as, make_org):
    org = make_org(name="Pending Coop", approved=False)
    login_as(client, make_user(roles=("coordinator",)))
    assert "Pending Coop" in client.get("/admin/organisations?pending=1").get_data(as_text=True)
    client.post(f"/admin/organisations/{org}/approve")
    with in_app(app):
        assert db.session.get(Organisation, org).approved


def test_every_form_carries_a_csrf_token_when_csrf_is_on(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    for path in ("/signup", "/signin", "/password/forgot", "/signup/check-email"):
        assert csrf_token(client.get(path).data)


def test_reset_link_uses_the_configured_origin_not_the_host_header(client, make_user, outbox):
    make_user(email="real@example.org")
    client.post(
        "/password/forgot", data={"email": "real@example.org"}, headers={"Host": "evil.example"}
    )
    body = dispatch_outbox(client.application)[-1].get_body(("plain",)).get_content()
    assert "evil.example" not in body and "http://localhost/password/reset/" in body
