"""Erasure with a grace period, and the readable copy of one's data: signing in cancels a
pending erasure; the job carries out only what is due; coordinators see numbers and dates,
never content; a person with several roles in two organisations is exported and erased whole,
and nobody else is touched."""

import json
from datetime import timedelta

from sqlalchemy import select

from app.accounts import privacy as account_privacy
from app.accounts.models import Organisation, User
from app.core import privacy
from app.core.db import utcnow
from app.core.outbox import OutboxMessage
from app.extensions import db
from app.mentoring.models import MentorProfile
from app.workshops import services as workshops
from app.workshops.models import Registration, Workshop
from tests.conftest import PASSWORD, dispatch_outbox, in_app


def ask_erasure(client, login_as, user_id):
    login_as(client, user_id)
    response = client.post("/profile/erase", data={"password": PASSWORD})
    assert response.status_code == 302
    return response


def test_signing_in_during_the_grace_period_cancels_the_erasure(app, login_as, make_user, outbox):
    user_id = make_user(email="ruta@example.org", name="Rūta", locale="lt")
    client = app.test_client()
    ask_erasure(client, login_as, user_id)
    sent = dispatch_outbox(app)
    notice = [m for m in sent if m["To"] == "ruta@example.org"]
    assert len(notice) == 1 and "Rūta" in notice[0].get_body(("plain",)).get_content()
    with in_app(app):
        assert db.session.get(User, user_id).erasure_due_at is not None
        secret_page = app.test_client().get("/admin/erasures")
        assert secret_page.status_code in (302, 403)  # coordinators only
    response = login_as(client, user_id)
    page = client.get(response.headers["Location"]).get_data(True)
    assert "Rūta" in page and "atšauktas" in page.lower()  # cancelled, in Lithuanian
    with in_app(app):
        user = db.session.get(User, user_id)
        assert user.erasure_due_at is None and user.erasure_requested_at is None
        assert account_privacy.erase_due_accounts(utcnow() + timedelta(days=60)) == 0
        actions = db.session.scalars(
            select(privacy_audit().action).where(privacy_audit().subject_id == user_id)
        ).all()
        assert "erasure_requested" in actions and "erasure_cancelled" in actions
    assert client.get("/profile").status_code == 200  # the account is as it was


def privacy_audit():
    from app.core.audit import AuditEvent

    return AuditEvent


def test_the_notice_is_withdrawn_when_cancelled_before_it_goes(app, login_as, make_user):
    user_id = make_user(email="quick@example.org")
    client = app.test_client()
    ask_erasure(client, login_as, user_id)
    login_as(client, user_id)  # before the dispatcher ran
    assert [m for m in dispatch_outbox(app) if m["To"] == "quick@example.org"] == []
    with in_app(app):
        statuses = db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.kind == "account.erasure")
        ).all()
        assert statuses == ["void"]


def test_a_coordinator_sees_pending_erasures_without_their_content(app, login_as, make_user):
    learner = make_user(email="leaving@example.org", name="Leaving Person")
    coordinator = make_user(roles=("coordinator",))
    ask_erasure(app.test_client(), login_as, learner)
    client = app.test_client()
    login_as(client, coordinator)
    html = client.get("/admin/erasures").get_data(True)
    assert "1 account waiting for erasure." in html
    assert f"<td>{learner}</td>" in html
    assert "Leaving Person" not in html and "leaving@" not in html
    with in_app(app):
        db.session.get(User, learner).erasure_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert account_privacy.erase_due_accounts(utcnow()) == 1
        db.session.commit()
    assert "No erasure is waiting." in client.get("/admin/erasures").get_data(True)


def test_a_feed_link_stops_while_the_erasure_is_pending(app, login_as, make_user):
    from app.calendar import services as calendar

    user_id = make_user()
    with in_app(app):
        secret = calendar.issue_feed_token(db.session.get(User, user_id), utcnow())
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/calendar/feed/{secret}.ics").status_code == 200
    ask_erasure(client, login_as, user_id)
    assert client.get(f"/calendar/feed/{secret}.ics").status_code == 404


def many_hats(app, make_user, make_org, make_mentor, make_workshop):
    """A person who learns, mentors, trains and coordinates, a granted member of one
    organisation who proposed a second one; and a colleague in the same organisation."""
    network = make_org(name="Rete Digitale", kind="second_tier")
    coop = make_org(name="Cooperativa Sole", parent=network)
    person = make_user(
        email="hats@example.org",
        name="Giulia Many Hats",
        roles=("mentor", "trainer", "coordinator"),
        organisation=coop,
    )
    colleague = make_user(email="colleague@example.org", name="Colleague", organisation=coop)
    with in_app(app):
        proposed = Organisation(
            name="Sole Due",
            kind="cooperative",
            country="IT",
            approved=False,
            proposed_by_id=person,
        )
        db.session.add(proposed)
        db.session.commit()
        proposed_id = proposed.id
    from app.mentoring import services as mentoring

    with in_app(app):
        user = db.session.get(User, person)
        mentoring.save_profile(
            user,
            languages=["it"],
            expertise=["digcomp-1"],
            country="IT",
            timezone="Europe/Rome",
            mode="video",
            meeting_url="https://meet.example.org/g",
            session_minutes=45,
            buffer_before=0,
            buffer_after=0,
            min_notice_hours=0,
            horizon_days=30,
            max_per_day=None,
            max_per_week=None,
            published=True,
            bios={"it": "Aiuto le cooperative."},
        )
        db.session.commit()
    _organiser, own_workshop = make_workshop(organiser=person)
    _other, workshop_id = make_workshop(capacity=5)
    with in_app(app):
        now = utcnow()
        from app.courses import services as courses

        course = courses.get_course("sample")
        code = courses.issue_certificate(db.session.get(User, person), course, now).code
        workshops.register(db.session.get(User, person), workshop_id, now)
        workshops.register(db.session.get(User, colleague), workshop_id, now)
        db.session.commit()
    return person, colleague, coop, proposed_id, own_workshop, workshop_id, code


def test_a_person_with_several_roles_in_two_organisations_is_exported_and_erased_whole(
    app, login_as, make_user, make_org, make_mentor, make_workshop, synced
):
    person, colleague, coop, proposed, own_workshop, workshop_id, code = many_hats(
        app, make_user, make_org, make_mentor, make_workshop
    )
    client = app.test_client()
    login_as(client, person)
    data = json.loads(client.post("/profile/data.json").data)
    assert sorted(data["roles"]) == ["coordinator", "mentor", "trainer"]
    assert data["user"]["organisation"] == "Cooperativa Sole"
    assert [o["name"] for o in data["organisations.proposed_by_id"]] == ["Sole Due"]
    assert len(data["mentor_profiles.user_id"]) == 1
    assert [w["id"] for w in data["workshops.organiser_id"]] == [own_workshop]
    assert len(data["workshop_registrations.user_id"]) == 1
    assert data["outbox.user_id"] and all("payload" not in m for m in data["outbox.user_id"])
    assert "colleague@example.org" not in json.dumps(data)
    assert [c["holder_name"] for c in data["certificates.user_id"]] == ["Giulia Many Hats"]
    assert "This certificate is valid." in client.get(f"/certificates/{code}").get_data(True)
    page = client.post("/profile/data").get_data(True)
    for text in ("Cooperativa Sole", "Sole Due", "Aiuto le cooperative.", "Your mentor profile"):
        assert text in page
    assert "colleague@example.org" not in page and "token_hash" not in page

    ask_erasure(client, login_as, person)
    with in_app(app):
        db.session.get(User, person).erasure_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert account_privacy.erase_due_accounts(utcnow()) == 1
        db.session.commit()
        db.session.expire_all()
        erased = db.session.get(User, person)
        assert erased.name == "—" and erased.roles == [] and not erased.active
        profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == person))
        assert profile is None or not profile.published
        mine = db.session.scalar(select(Registration).where(Registration.user_id == person))
        assert mine.status == "cancelled"
        # Both organisations stay, and so does everything of the colleague.
        assert db.session.get(Organisation, coop) and db.session.get(Organisation, proposed)
        other = db.session.get(User, colleague)
        assert other.name == "Colleague" and other.active and other.organisation_id == coop
        theirs = db.session.scalar(select(Registration).where(Registration.user_id == colleague))
        assert theirs.status == "registered"
        assert db.session.get(Workshop, workshop_id).seats_taken == 1
        assert db.session.get(Workshop, own_workshop) is not None  # the event stays
    revoked = app.test_client().get(f"/certificates/{code}")
    assert revoked.status_code == 404
    assert "no longer valid" in revoked.get_data(True) and "Giulia" not in revoked.get_data(True)


def test_the_readable_page_speaks_the_readers_language(app, login_as, make_user):
    user_id = make_user(locale="sv", timezone="Europe/Stockholm", name="Sven")
    client = app.test_client()
    login_as(client, user_id)
    assert client.get("/profile/data").status_code == 405  # a link cannot trigger it
    html = client.post("/profile/data").get_data(True)
    assert '<html lang="sv">' in html and "Sven" in html
    assert "<dd>Italien</dd>" in html and "<dd>svenska</dd>" in html  # names, not codes
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("sv"):
        for provider in privacy.providers():
            assert str(provider.title) in html


def test_every_column_on_the_readable_page_has_a_label(app):
    """The page shows no raw column name: each exported column is labelled by core or by its
    provider, and each exported kind of row has a heading."""
    with app.app_context():
        tables = {table.name: table for table, _ in privacy.person_columns()}
        missing = []
        accounts = next(p for p in privacy.providers() if p.domain == "accounts")
        for column in [*User.__table__.columns.keys(), "organisation"]:
            shown = privacy.shown_on_page(column) and column != "password_hash"
            if shown and privacy.field_label(accounts, column) is None:
                missing.append(("users", column))
        for provider in privacy.providers():
            for (table, column), policy in provider.policies.items():
                if not policy.export:
                    continue
                if policy.label is None:
                    missing.append((table, column, "heading"))
                for name in [c.name for c in tables[table].columns]:
                    if name in policy.hidden or not privacy.shown_on_page(name):
                        continue
                    if privacy.field_label(provider, name) is None:
                        missing.append((table, name))
    assert missing == []
