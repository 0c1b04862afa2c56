"""Typed text arrives clean: invisible names refused, direction controls and NUL stripped before
storage (so they reach no CSV, calendar file or e-mail), control characters refused in
single-line fields such as mail subjects and titles. On SQLite and PostgreSQL alike."""

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.text import ONE_LINE_NEEDED, VISIBLE_NEEDED
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.workshops.models import Workshop
from tests.accounts.test_views import signup_data
from tests.conftest import dispatch_outbox, in_app
from tests.workshops.test_pages import form_data

RLO = "\u202e"
NFD_NAME = unicodedata.normalize("NFD", "Bērziņa")
ONE_LINE = str(ONE_LINE_NEEDED)
VISIBLE = str(VISIBLE_NEEDED)


def _text_of(message) -> str:
    """Headers and every decoded part of an e-mail, attachments included."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload:
            parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200b \u2060", "\ufeff\u00ad"])
def test_a_name_without_a_visible_character_is_refused_at_sign_up(app, client, name):
    page = client.post("/signup", data=signup_data(name=name)).get_data(True)
    assert VISIBLE in page
    with in_app(app):
        assert db.session.scalar(select(User)) is None


def test_a_name_without_a_visible_character_is_refused_on_the_profile(
    app, client, make_user, make_org, login_as
):
    user = make_user(name="Ana")
    login_as(client, user)
    data = {
        "name": "\u200b\u200b",
        "country": "LV",
        "locale": "en",
        "timezone": "Europe/Riga",
        "organisation": str(make_org()),
        "org_name": "",
    }
    page = client.post("/profile", data=data).get_data(True)
    assert VISIBLE in page
    with in_app(app):
        assert db.session.get(User, user).name == "Ana"


def test_direction_controls_and_nul_reach_no_storage_csv_calendar_or_mail(app, make_user, login_as):
    trainer = app.test_client()
    login_as(trainer, make_user(roles=("trainer",), timezone="Europe/Madrid"))
    day = (utcnow() + timedelta(days=20)).date()
    created = trainer.post(
        "/workshops/new",
        data=form_data(
            day,
            title_en=f"Shared {RLO}calendars\x00",
            description_en=f"Line one\r\nLine {RLO}two\x00",
            venue=f"Casa\x00 {RLO}Solidaritat",
        ),
    )
    assert created.status_code == 302, created.get_data(True)[:2000]
    workshop_id = int(created.location.rsplit("/", 1)[1])
    trainer.post(f"/workshops/{workshop_id}/publish")

    learner = app.test_client()
    signed_up = learner.post(
        "/signup",
        data=signup_data(
            name=f"Ana {RLO}{NFD_NAME}\x00", email="ana@example.org", org_name=f"Coop {RLO}Nuova"
        ),
    )
    assert signed_up.status_code == 302
    with in_app(app):
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop.titles["en"] == "Shared calendars"
        assert workshop.descriptions["en"] == "Line one\nLine two"
        assert workshop.venue == "Casa Solidaritat"
        user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
        assert user.name == "Ana Bērziņa"  # NFC: what the person typed, composed
        assert db.session.scalar(select(Organisation.name).where(Organisation.country == "IT")) == (
            "Coop Nuova"
        )
        user.email_confirmed_at = utcnow()
        db.session.commit()
        user_id = user.id
    login_as(learner, user_id, password=signup_data()["password"])
    assert learner.post(f"/workshops/{workshop_id}/register").status_code == 302

    exported = trainer.get(f"/workshops/{workshop_id}/registrations.csv").get_data(True)
    assert "Ana Bērziņa" in exported and RLO not in exported and "\x00" not in exported
    calendar = learner.get(f"/workshops/{workshop_id}.ics").get_data(True)
    assert "Shared calendars" in calendar and RLO not in calendar
    mails = [m for m in dispatch_outbox(app) if "ana@example.org" in m["To"]]
    assert any("Shared calendars" in _text_of(m) for m in mails)
    assert all(RLO not in _text_of(m) and "\x00" not in _text_of(m) for m in mails)


def test_a_nul_in_the_query_string_is_a_bad_request(client):
    assert client.get("/workshops?country=%00").status_code == 400
    assert client.get("/courses?q=a%00b").status_code == 400


def test_a_mail_subject_with_a_line_break_is_refused_at_the_form(
    app, make_user, make_workshop, login_as
):
    organiser, workshop_id = make_workshop()
    learner = make_user()
    with in_app(app):
        from app.workshops import services

        services.register(db.session.get(User, learner), workshop_id, utcnow())
        db.session.commit()
    trainer = app.test_client()
    login_as(trainer, organiser)
    sent = trainer.post(
        f"/workshops/{workshop_id}/message",
        data={"subject": "Hello\r\nBcc: x@example.org", "body": "See you there."},
        follow_redirects=True,
    )
    assert ONE_LINE in sent.get_data(True)
    with in_app(app):
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert "workshop.message" not in kinds
        # The service refuses it too, whoever calls it.
        with pytest.raises(DomainError) as refused:
            services.message_participants(
                db.session.get(User, organiser),
                db.session.get(Workshop, workshop_id),
                "Hello\nBcc: x@example.org",
                "Body",
                utcnow(),
            )
        assert refused.value.field == "subject"


@pytest.mark.parametrize("title", ["Budget\r\nBcc: x@example.org", "Budget\nday", "Budget\tday"])
def test_a_workshop_title_with_a_line_break_is_refused(app, make_user, login_as, title):
    trainer = app.test_client()
    login_as(trainer, make_user(roles=("trainer",)))
    day = (utcnow() + timedelta(days=20)).date()
    page = trainer.post("/workshops/new", data=form_data(day, title_en=title))
    assert page.status_code == 200 and ONE_LINE in page.get_data(True)
    with in_app(app):
        assert db.session.scalar(select(Workshop)) is None


def test_users_create_cleans_the_name_and_refuses_an_invisible_one(app, runner):
    args = ["users", "create", "--password", "a long enough passphrase"]
    invisible = runner.invoke(args=[*args, "--email", "z@example.org", "--name", "\u200b\u200b"])
    assert invisible.exit_code != 0 and "visible character" in invisible.output
    made = runner.invoke(
        args=[*args, "--email", "a@example.org", "--name", f" Ana\r\n{RLO}{NFD_NAME}\x00 "]
    )
    assert made.exit_code == 0, made.output
    with in_app(app):
        assert db.session.scalar(select(User.name)) == "Ana Bērziņa"


def test_the_content_loader_cleans_titles_and_refuses_invisible_ones(tmp_path):
    import shutil

    from app.courses.loader import read_content
    from tests.conftest import SAMPLE_CONTENT

    content = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    english = content / "courses" / "sample" / "course.en.yml"
    english.write_text(
        english.read_text("utf-8").replace("title: Sample course", f'title: "Sample {RLO}course"'),
        "utf-8",
    )
    courses, problems = read_content(content)
    assert problems == []
    assert {c.key: c for c in courses}["sample"].titles["en"] == "Sample course"
    english.write_text(
        english.read_text("utf-8").replace(f'"Sample {RLO}course"', '"\\u200b"'), "utf-8"
    )
    _courses, problems = read_content(content)
    assert [str(p) for p in problems] == [
        "content/courses/sample/course.en.yml:1: missing course title (en)"
    ]
