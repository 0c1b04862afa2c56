"""Personal data: every column pointing at a person has a policy; the export holds the person's
data from every domain and nobody else's; erasure anonymises and keeps the counts."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import privacy as account_privacy
from app.accounts.models import User
from app.core import privacy
from app.core.db import utcnow
from app.courses import services as courses
from app.extensions import db
from app.mentoring import services as mentoring
from app.mentoring.models import Booking
from app.workshops import services as workshops
from app.workshops.models import Registration, Workshop
from tests.conftest import PASSWORD, in_app


def test_every_column_that_points_at_a_person_is_covered_by_one_provider(app):
    with app.app_context():
        columns = {(table.name, column) for table, column in privacy.person_columns()}
    covering: dict[tuple[str, str], list[str]] = {}
    for provider in privacy.providers():
        for key in provider.policies:
            covering.setdefault(key, []).append(provider.domain)
    missing = columns - set(covering)
    assert missing == set(), f"no provider decides what export and erasure do with {missing}"
    assert set(covering) - columns == set(), "a policy for a column that no longer exists"
    assert {key: d for key, d in covering.items() if len(d) > 1} == {}, "covered twice"
    assert {p.domain for p in privacy.providers()} >= {
        "accounts",
        "calendar",
        "courses",
        "mentoring",
        "notifications",
        "workshops",
    }


# Columns whose names look personal but hold no person's data.
NOT_A_PERSON = {
    ("organisations", "name"): "an organisation's name",
    ("workshops", "address"): "the venue of an event",
    ("retention_runs", "name"): "the name of a retention job",
}
PERSONAL = re.compile(r"(^|_)(e_?mail|name|phone|address)($|_)")


def test_every_column_holding_a_name_or_an_address_is_covered(app):
    """A table that holds a name, an e-mail address, a phone number or an address belongs to a
    person through a covered column, or a provider names that column."""
    with app.app_context():
        tables = db.metadata.sorted_tables
        with_person = {table.name for table, _ in privacy.person_columns()}
    named = {key for p in privacy.providers() for key in p.personal_columns}
    uncovered = [
        (table.name, column.name)
        for table in tables
        for column in table.columns
        if PERSONAL.search(column.name)
        and table.name != "users"  # the person's own row: accounts exports and erases it
        and table.name not in with_person
        and (table.name, column.name) not in named
        and (table.name, column.name) not in NOT_A_PERSON
    ]
    assert uncovered == [], f"personal data covered by no provider: {uncovered}"


def test_a_provider_names_the_erasers_its_policies_use():
    with pytest.raises(ValueError, match="no eraser"):
        privacy.register(
            privacy.Provider(
                domain="broken",
                title="Broken",
                description="",
                policies={("x", "y"): privacy.Policy(erase="z")},
            )
        )
    assert "broken" not in {p.domain for p in privacy.providers()}


def busy_person(app, make_user, make_mentor, make_workshop):
    """A learner with a course, a held session with notes, an upcoming session and a workshop."""
    learner_id = make_user(name="Aina Puig", email="aina@example.org")
    other_id = make_user(name="Somebody Else", email="else@example.org")
    _mentor, mentor_id = make_mentor()
    _organiser, workshop_id = make_workshop(capacity=1)
    with in_app(app):
        learner, other = db.session.get(User, learner_id), db.session.get(User, other_id)
        course = courses.get_course("sample")
        for person in (learner, other):
            courses.enrol(person, course, utcnow())
        now = utcnow()
        profile = mentoring.published_mentor(mentor_id)
        first, second = mentoring.free_slots(profile, now + timedelta(days=1))[:2]
        held = mentoring.book(learner, mentor_id, first.start, "My private topic", "Goal", now)
        mentoring.book(learner, mentor_id, second.start, "Upcoming topic", "", now)
        db.session.commit()
        held.status, held.notes_shared, held.notes_private = "held", "Shared note", "Mentor only"
        workshops.register(learner, workshop_id, now)
        workshops.register(other, workshop_id, now + timedelta(seconds=1))  # waiting
        db.session.commit()
    return learner_id, other_id, workshop_id


def test_the_export_holds_the_persons_data_and_nobody_elses(
    app, login_as, make_user, make_mentor, make_workshop, synced
):
    learner_id, _other, _workshop = busy_person(app, make_user, make_mentor, make_workshop)
    client = app.test_client()
    login_as(client, learner_id)
    assert client.get("/profile/data.json").status_code == 405  # a link cannot trigger it
    response = client.post("/profile/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    text = response.get_data(as_text=True)
    assert data["user"]["email"] == "aina@example.org" and "password_hash" not in text
    assert "My private topic" in text and "Shared note" in text
    assert "Mentor only" not in text  # the mentor's private notes stay the mentor's
    assert len(data["enrolments.user_id"]) == 1 and len(data["bookings.learner_id"]) == 2
    assert len(data["workshop_registrations.user_id"]) == 1
    assert "else@example.org" not in text and "Somebody Else" not in text
    assert "token_hash" not in text


def test_erasure_anonymises_frees_places_and_keeps_the_counts(
    app, login_as, make_user, make_mentor, make_workshop, synced, outbox
):
    learner_id, other_id, workshop_id = busy_person(app, make_user, make_mentor, make_workshop)
    client = app.test_client()
    login_as(client, learner_id)
    page = client.get("/profile/erase").get_data(True)
    assert "You have 14 days to change your mind" in page
    wrong = client.post("/profile/erase", data={"password": "not my password"})
    assert "Your current password is not correct." in wrong.get_data(True)
    asked = utcnow()
    response = client.post("/profile/erase", data={"password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response.headers["Location"]).get_data(True)
    assert "Your account will be erased on" in home and "signing in cancels" in home
    assert client.get("/profile").status_code == 302  # signed out everywhere
    with in_app(app):
        person = db.session.get(User, learner_id)
        assert person.name == "Aina Puig" and person.active  # nothing gone yet
        assert person.erasure_due_at - asked >= timedelta(days=14)
        assert account_privacy.erase_due_accounts(asked + timedelta(days=13)) == 0
        # The grace period is over (moved back here, so the sessions and the workshop ahead
        # are still upcoming when the job runs).
        person.erasure_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert account_privacy.erase_due_accounts(utcnow()) == 1
        db.session.commit()
        db.session.expire_all()
        person = db.session.get(User, learner_id)
        assert person.name == "—" and "aina" not in person.email and not person.active
        assert person.roles == [] and person.erasure_due_at is None
        bookings = db.session.scalars(select(Booking).where(Booking.learner_id == learner_id))
        assert {(b.topic, b.notes_shared, b.notes_private) for b in bookings} == {("—", "", "")}
        assert sorted(b.status for b in db.session.scalars(select(Booking))) == [
            "cancelled",
            "held",
        ]
        # The freed workshop place went to the person waiting.
        other = db.session.scalar(select(Registration).where(Registration.user_id == other_id))
        assert other.status == "registered"
        assert db.session.get(Workshop, workshop_id).seats_taken == 1
        # Counts stay: two enrolments in the course, one held session.
        from app.courses.models import Enrolment

        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 2
        assert account_privacy.erase_due_accounts(asked + timedelta(days=30)) == 0  # once
    fresh = app.test_client()
    refused = fresh.post("/signin", data={"email": "aina@example.org", "password": PASSWORD})
    assert "The e-mail address or password is not correct." in refused.get_data(True)


@pytest.mark.parametrize("locale", ["en", "sv", "lv"])
def test_the_privacy_notice_lists_what_every_provider_keeps(app, client, locale):
    """The notice is generated from the providers, in the reader's language."""
    from flask_babel import force_locale

    html = client.get(f"/privacy?lang={locale}").get_data(as_text=True)
    with app.test_request_context():
        for provider in privacy.providers():
            with force_locale("en"):
                english = str(provider.description)
            with force_locale(locale):
                title, description = str(provider.title), str(provider.description)
            assert f"<dt>{title}</dt>" in html
            assert description in html  # our catalog's text (a lazy string is markup)
            assert locale == "en" or description != english, "not translated"
