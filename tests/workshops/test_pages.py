"""The workshop pages through HTTP: a trainer creates and publishes an event, learners find it
in the list and the month view, register, see times in their own zone; the trainer exports
registrations and marks attendance; cancelling asks for confirmation first."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.db import utcnow
from app.extensions import db
from app.workshops.models import Registration, Workshop
from tests.conftest import count_queries, in_app


def form_data(day, **changes):
    data = {
        "title_en": "Budget spreadsheets for associations",
        "description_en": "Build a simple budget together.",
        "language": "en",
        "kind": "training",
        "mode": "in_person",
        "venue": "Casa de la Solidaritat",
        "address": "Carrer de Vistalegre 15, Barcelona",
        "country": "ES",
        "timezone": "Europe/Madrid",
        "day": day.isoformat(),
        "start": "10:00",
        "end": "12:30",
        "capacity": "12",
        "deadline_day": (day - timedelta(days=1)).isoformat(),
        "deadline_time": "18:00",
        "digcomp": ["1.3"],
    }
    data.update(changes)
    return data


def test_a_trainer_creates_a_draft_publishes_it_and_learners_register(app, login_as, make_user):
    trainer, learner = app.test_client(), app.test_client()
    login_as(trainer, make_user(roles=("trainer",), timezone="Europe/Madrid"))
    login_as(learner, make_user(timezone="Europe/Riga", locale="en"))
    day = (utcnow() + timedelta(days=20)).date()
    bad = trainer.post("/workshops/new", data=form_data(day, end="09:00")).get_data(True)
    assert "The event must end after it starts." in bad
    bad = trainer.post("/workshops/new", data=form_data(day, start="25:99")).get_data(True)
    assert "Write the time as HH:MM" in bad
    created = trainer.post("/workshops/new", data=form_data(day))
    assert created.status_code == 302
    workshop_id = int(created.location.rsplit("/", 1)[1])
    assert learner.get(f"/workshops/{workshop_id}").status_code == 404  # a draft
    assert "Budget spreadsheets" not in learner.get("/workshops").get_data(True)
    trainer.post(f"/workshops/{workshop_id}/publish")
    listing = learner.get("/workshops?mode=in_person&country=ES&kind=training").get_data(True)
    assert "Budget spreadsheets for associations" in listing
    assert "Training session" in listing and "training ·" not in listing  # the kind, in words
    assert "Budget spreadsheets" not in learner.get("/workshops?country=LV").get_data(True)
    month = learner.get(f"/workshops/calendar?month={day:%Y-%m}").get_data(True)
    assert "Budget spreadsheets for associations" in month
    page = learner.get(f"/workshops/{workshop_id}").get_data(True)
    assert "11:00" in page  # 10:00 in Madrid is 11:00 in Riga, the viewer's zone
    learner.post(f"/workshops/{workshop_id}/register")
    with in_app(app):
        [registration] = db.session.scalars(select(Registration)).all()
        assert registration.status == "registered"
        workshop = db.session.get(Workshop, workshop_id)
        local = workshop.starts_at.astimezone(ZoneInfo("Europe/Madrid"))
        assert (local.date(), f"{local:%H:%M}") == (day, "10:00")
    assert "You are registered." in learner.get(f"/workshops/{workshop_id}").get_data(True)
    assert "Budget spreadsheets" in learner.get("/workshops/mine").get_data(True)
    csv_file = trainer.get(f"/workshops/{workshop_id}/registrations.csv")
    assert csv_file.mimetype == "text/csv" and "registered" in csv_file.get_data(True)
    assert learner.get(f"/workshops/{workshop_id}/registrations.csv").status_code == 403


def test_cancelling_asks_first_and_a_stranger_cannot_manage(
    app, login_as, make_user, make_workshop
):
    organiser, workshop_id = make_workshop()
    trainer, other_trainer = app.test_client(), app.test_client()
    login_as(trainer, organiser)
    login_as(other_trainer, make_user(roles=("trainer",)))
    assert trainer.get(f"/workshops/{workshop_id}/cancel").status_code == 200
    with in_app(app):
        assert db.session.get(Workshop, workshop_id).status == "published"
    assert other_trainer.get(f"/workshops/{workshop_id}/edit").status_code == 403
    assert other_trainer.post(f"/workshops/{workshop_id}/cancel").status_code == 403
    trainer.post(f"/workshops/{workshop_id}/cancel", data={"reason": "Too few people."})
    with in_app(app):
        assert db.session.get(Workshop, workshop_id).status == "cancelled"


def test_attendance_is_marked_after_the_start(app, login_as, make_user, make_workshop):
    organiser, workshop_id = make_workshop(days=1)
    learner_id = make_user(name="Greta Holm")
    trainer, learner = app.test_client(), app.test_client()
    login_as(trainer, organiser)
    login_as(learner, learner_id)
    learner.post(f"/workshops/{workshop_id}/register")
    page = trainer.get(f"/workshops/{workshop_id}/registrations").get_data(True)
    assert "Greta Holm" in page and "attendance-" not in page  # not before the start
    with in_app(app):
        workshop = db.session.get(Workshop, workshop_id)
        workshop.starts_at = utcnow() - timedelta(minutes=10)  # the event has begun
        db.session.commit()
        registration_id = db.session.scalar(select(Registration.id))
    page = trainer.get(f"/workshops/{workshop_id}/registrations").get_data(True)
    assert f'name="attendance-{registration_id}"' in page
    trainer.post(
        f"/workshops/{workshop_id}/registrations",
        data={f"attendance-{registration_id}": "attended"},
    )
    with in_app(app):
        assert db.session.get(Registration, registration_id).attendance == "attended"
    feedback = learner.get(f"/workshops/{workshop_id}").get_data(True)
    assert "How useful was the event?" in feedback
    learner.post(f"/workshops/{workshop_id}/feedback", data={"rating": "5", "comment": "Great"})
    with in_app(app):
        assert db.session.get(Registration, registration_id).rating == 5
    assert re.search(
        r"5 out of 5", trainer.get(f"/workshops/{workshop_id}/registrations").get_data(True)
    )


def test_the_list_and_month_view_run_a_bounded_number_of_queries(
    app, login_as, make_user, make_workshop
):
    client = app.test_client()
    learner = make_user()
    login_as(client, learner)

    def selects(path):
        with count_queries(app, selects_only=True) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    _organiser, first = make_workshop(days=3)
    client.post(f"/workshops/{first}/register")
    paths = ("/workshops", "/workshops/calendar", f"/workshops/{first}")
    small = {path: selects(path) for path in paths}
    for index in range(8):
        _organiser, other = make_workshop(days=4 + index)
        client.post(f"/workshops/{other}/register")
    large = {path: selects(path) for path in paths}
    assert large == small, (small, large)


def test_a_meeting_link_must_be_a_web_address(app, login_as, make_user):
    trainer = app.test_client()
    login_as(trainer, make_user(roles=("trainer", "mentor")))
    day = (utcnow() + timedelta(days=20)).date()
    for link in ("javascript:alert(1)", "data:text/html,<b>x</b>", "meet.example.org"):
        page = trainer.post(
            "/workshops/new", data=form_data(day, mode="online", meeting_url=link)
        ).get_data(True)
        assert "Give a web address that starts with https://." in page
    profile = trainer.post(
        "/mentoring/profile",
        data={
            "languages": ["en"],
            "country": "IT",
            "timezone": "Europe/Rome",
            "mode": "video",
            "meeting_url": "javascript:alert(1)",
            "session_minutes": "60",
            "buffer_before": "0",
            "buffer_after": "0",
            "min_notice_hours": "0",
            "horizon_days": "30",
        },
    ).get_data(True)
    assert "Give a web address that starts with https://." in profile
    with in_app(app):
        assert db.session.scalar(select(Workshop.id)) is None


def test_the_lists_kept_cards_follow_places_titles_readers_and_registrations(
    app, make_user, make_workshop, login_as
):
    """Cards are kept per worker under every value they show (workshops.views.workshop_card)."""
    from app.accounts.models import User
    from app.workshops import services

    _, workshop_id = make_workshop(capacity=3)
    visitor = app.test_client()

    def card(client, path="/workshops?lang=en"):
        html = client.get(path).get_data(as_text=True)
        [found] = [
            p for p in html.split('<li class="card">')[1:] if f"/workshops/{workshop_id}" in p
        ]
        return found

    first = card(visitor)
    assert card(visitor) == first and "3 places left" in first
    assert "Delade kalendrar för kooperativ" in card(visitor, "/workshops?lang=sv")
    learner = make_user()
    with in_app(app):
        services.register(db.session.get(User, learner), workshop_id, utcnow())
        db.session.get(Workshop, workshop_id).titles = {"en": "Shared calendars, renamed"}
        db.session.commit()
    changed = card(visitor)
    assert "2 places left" in changed and "Shared calendars, renamed" in changed
    client = app.test_client()
    login_as(client, learner)
    assert "You are registered." in card(client) and "You are registered." not in card(visitor)
