"""Walk app.url_map with hostile values for every kind of URL parameter, hostile query strings
and hostile form values, anonymous and signed in with every role: no request may answer 500.

Real objects exist (a workshop, a booking, a mentor, a file, courses), so the requests reach the
code behind the routes' first checks. A new route is walked without being listed here.
"""

import io
import logging
import re
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter

from app.core.security import ROLES
from app.extensions import db
from tests.conftest import in_app

HUGE = "9" * 40
INTS = ("0", "-1", str(2**31), str(2**63 - 1), str(2**63), "\u0663")
STRINGS = ("%00", "..", "%2e%2e", "a%0d%0ab", "\u202e\u200b", "'%22%3Cb%3E", "x" * 3000, "%ff%fe")
PATHS = (*STRINGS, "../../../etc/passwd", "%2e%2e/%2e%2e/app/config.py", "a/%00/b")

# A few query strings, together naming every parameter a page reads, with values at the edges.
# A NUL has its own (it is refused before any view, which would hide the other values).
QUERIES = (
    {
        "month": "9999-12",
        "start": "9999-12-31T23:59:59-12:00",
        "page": HUGE,
        "lang": "xx",
        "language": "zz",
        "country": "zz",
        "mode": "x",
        "kind": "x",
        "area": "99",
        "level": "x",
        "expertise": "\u202e",
        "code": "A" * 500,
        "action": "\u202e",
        "pending": "1",
        "twin": "y",
        "q": "%_\u202e",
        "next": "//x",
    },
    {
        "month": "0001-01",
        "start": "0001-01-01T00:00:00+14:00",
        "page": "-1",
        "lang": "en" * 200,
        "when": "past",
        "read": "1",
        "q": "x" * 3000,
    },
    {"month": "1900-01", "start": "2200-12-31T23:59:59-11:00", "page": "1e9"},
    {"month": "\x00", "q": "\x00", "lang": "\x00", "\x00": "x"},
)

BAD_CHOICES = ["zz", HUGE, "-1", str(2**31), str(2**63), "\x00", "'%(value)s'"]


def _form_variants(ids) -> list[dict]:
    """Form payloads: everything hostile, and plausible forms with dates at the calendar's ends
    in far time zones, so the values pass the first checks and reach the parsing behind them."""
    plausible = {
        "name": "Ana",
        "email": "ana@example.org",
        "password": "wrong password",
        "current_password": "wrong password",
        "new_password": "another long password",
        "consent": "y",
        "country": "IT",
        "organisation": str(ids["org"]),
        "locale": "en",
        "language": "en",
        "kind": "workshop",
        "mode": "online",
        "meeting_url": "https://meet.example.org/x",
        "capacity": "10",
        "deadline_time": "08:00",
        "end": "18:00",
        "title_en": "A title",
        "description_en": "A description",
        "subject": "Subject",
        "body": "Body",
        "topic": "Topic",
        "title": "Title",
        "rating": "5",
        "reason": "Reason",
        "languages": ["en"],
        "session_minutes": "60",
        "buffer_before": "0",
        "buffer_after": "0",
        "min_notice_hours": "0",
        "horizon_days": "30",
        "date-kind": "extra",
        "date-start": "09:00",
        "date-end": "10:00",
        "week-day_0": "09:00-10:00",
        "status": "attended",
        f"attendance-{ids['learner']}": "attended",
    }
    low = {
        **plausible,
        "timezone": "Pacific/Kiritimati",  # UTC+14: year 1 there is before year 1 in UTC
        "day": "0001-01-01",
        "deadline_day": "0001-01-01",
        "date-day": "0001-01-01",
        "start": "00:00",
    }
    high = {
        **plausible,
        "timezone": "Pacific/Pago_Pago",  # UTC-11: 31 December 9999 ends after year 9999 in UTC
        "day": "9999-12-31",
        "deadline_day": "9999-12-31",
        "date-day": "9999-12-31",
        "start": "23:00",
        "end": "23:59",
    }
    unknown_choices = {
        **plausible,
        "timezone": "Europe/Rome",
        "day": "2031-05-05",
        "deadline_day": "2031-05-01",
        "start": "09:00",
        "languages": BAD_CHOICES,
        "expertise": BAD_CHOICES,
        "audience_countries": BAD_CHOICES,
        "audience_organisations": BAD_CHOICES,
        "course_keys": BAD_CHOICES,
        "digcomp": BAD_CHOICES,
        "organisation": HUGE,
        "org_parent": str(2**63),
        "org_country": "\x00",
        "org_kind": "zz",
        "session_minutes": HUGE,
        "roles": ["coordinator", "\x00", "zz"],
        "q-1": BAD_CHOICES,
        "q-strategy-plan": BAD_CHOICES,
        "q-strategy-activities": BAD_CHOICES,
        "q-strategy-impact": HUGE,
        "move": "next",
    }
    hostile = {
        key: "\x00\u202e\u200b\r\nBcc: x@example.org" + "x" * 6000 for key in unknown_choices
    }
    numbers = {key: str(2**31) for key in unknown_choices} | {"capacity": "-" + HUGE}
    numbers |= {"attendance-" + HUGE: "attended", f"attendance-{2**63}": "x"}
    return [hostile, numbers, low, high, unknown_choices]


def _placeholder(name: str) -> re.Pattern:
    return re.compile(r"<(?:[^<>:]+:)?" + re.escape(name) + ">")


def _path(rule, values: dict) -> str:
    """The rule's path with raw (already quoted) values, so a value the converter would refuse
    to build still reaches the router."""
    path = rule.rule
    for name, value in values.items():
        path = _placeholder(name).sub(lambda _match, v=value: v, path)
    return path


def _valid(rule, ids) -> dict:
    samples = {
        "booking_id": ids["booking"],
        "assessment_id": ids["assessment"],
        "user_id": ids["learner"],
        "organisation_id": ids["org"],
        "mentor_id": ids["mentor_id"],
        "workshop_id": ids["workshop_id"],
        "material_id": ids["material_id"],
        "override_id": ids["override_id"],
        "message_id": ids["message_id"],
        "code": ids["code"],
        "secret": ids["secret"],
        "key": "sample",
        "lesson_key": "first-steps",
        "module_key": "basics",
        "filename": "dot.png",
        "token": "not-a-real-token",
    }
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):  # one of its fixed words
            samples.setdefault(name, sorted(converter.items)[0])
    missing = set(rule.arguments) - set(samples)
    assert not missing, f"add a sample value for {missing} in {rule.rule}"
    return {name: quote(str(samples[name]), safe="") for name in rule.arguments}


def _hostile_values(converter) -> tuple[str, ...]:
    if isinstance(converter, IntegerConverter):
        return INTS
    if isinstance(converter, PathConverter):
        return PATHS
    if isinstance(converter, AnyConverter):
        return ("zz", *STRINGS)
    return STRINGS


def _routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


@pytest.fixture
def world(app, make_user, make_org, make_mentor, make_workshop, synced):
    """A person with every role, and the objects their pages open."""
    from app.accounts.models import User
    from app.calendar.services import issue_feed_token
    from app.core.db import utcnow
    from app.courses import services as courses
    from app.mentoring import services as mentoring
    from app.notifications.models import OutboxMessage
    from app.workshops import services as workshops
    from app.workshops.models import Workshop

    ids = {"org": make_org(approved=False), "learner": make_user(email="learner@example.org")}
    ids["all"] = make_user(email="all@example.org", roles=ROLES)
    _other, ids["mentor_id"] = make_mentor(name="Other Mentor")
    _organiser, ids["workshop_id"] = make_workshop(organiser=ids["all"])
    with in_app(app):
        now = utcnow()
        person = db.session.get(User, ids["all"])
        course = courses.get_course("sample")
        courses.enrol(person, course, now)
        ids["code"] = courses.issue_certificate(person, course, now).code
        ids["secret"] = issue_feed_token(person, now)
        profile = mentoring.save_profile(
            person,
            languages=["en"],
            expertise=[],
            country="BE",
            timezone="UTC",
            mode="phone",
            phone="+32 2 000 00 00",
            session_minutes=60,
            min_notice_hours=0,
            horizon_days=30,
            published=True,
        )
        db.session.flush()
        override = mentoring.add_override(
            profile, (now + timedelta(days=3)).date(), False, None, None, "off", now
        )
        db.session.flush()
        ids["override_id"] = override.id
        start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
        ids["booking"] = mentoring.book(person, ids["mentor_id"], start, "Topic", "", now).id
        workshop = db.session.get(Workshop, ids["workshop_id"])
        workshops.register(db.session.get(User, ids["learner"]), workshop.id, now)
        ids["material_id"] = workshops.add_material(
            person,
            io.BytesIO(b"%PDF-1.4 sample"),
            "programme.pdf",
            title="Programme",
            language="en",
            participants_only=False,
            now=now,
            workshop=workshop,
        ).id
        db.session.commit()
    # The person's organisation, with a self-assessment in progress.
    from app.assessment.loader import read_assessment
    from app.assessment.models import Assessment
    from app.assessment.sync import sync_assessment
    from tests.assessment.conftest import CONTENT

    with in_app(app):
        sync_assessment(read_assessment(CONTENT)[0])
        person = db.session.get(User, ids["all"])
        person.organisation_id, person.organisation_granted_at = ids["org"], utcnow()
        assessment = Assessment(organisation_id=ids["org"], status="open")
        db.session.add(assessment)
        db.session.commit()
        ids["assessment"] = assessment.id
        ids["message_id"] = db.session.scalar(db.select(db.func.max(OutboxMessage.id))) or 1
    return ids


def _walk(app, client, ids, persona, caplog) -> tuple[list[str], Counter]:
    failures, statuses = [], Counter()

    def send(method, url, **kwargs):
        caplog.clear()
        response = client.open(url, method=method, **kwargs)
        response.close()
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            causes = [str(r.exc_info[1])[:200] for r in caplog.records if r.exc_info]
            failures.append(
                f"{persona} {method} {url[:160]} -> {response.status_code} "
                f"{errors[:1]} {causes[:1]}"
            )
        return response

    forms = _form_variants(ids)
    for rule in _routes(app):
        if persona != "anonymous" and rule.endpoint in SIGNS_OUT:
            continue
        methods = sorted(rule.methods & {"GET", "POST"})
        valid = _valid(rule, ids)
        # Each parameter in turn takes each hostile value of its kind; the others stay valid.
        for name in rule.arguments:
            for value in _hostile_values(rule._converters[name]):
                send(methods[0], _path(rule, {**valid, name: value}))
        url = _path(rule, valid)
        if "GET" in methods:
            for query in QUERIES:
                send("GET", url, query_string=query)
        if "POST" in methods:
            for form in forms:
                send("POST", url, data=form, query_string=QUERIES[0])
    return failures, statuses


# Routes that end the signed-in session (walked anonymously only).
SIGNS_OUT = {"accounts.signout", "accounts.erase_account"}


@pytest.mark.parametrize("persona", ["anonymous", "everything"])
def test_no_hostile_request_answers_500(app, world, login_as, persona, caplog):
    client = app.test_client()
    if persona == "everything":
        login_as(client, world["all"])
    caplog.set_level(logging.ERROR, logger="app.core.errors")
    failures, statuses = _walk(app, client, world, persona, caplog)
    assert failures == [], "\n".join(failures)
    assert statuses.total() > 500 and statuses[200] > 50  # pages and forms were reached
    if persona == "everything":  # still signed in: the walk reached the pages behind sign-in
        assert client.get("/profile").status_code == 200


def test_the_error_handler_logs_an_unexpected_error(app, caplog):
    """The walk counts 500s by status; the handler must still log each with its reference."""

    @app.route("/__boom")
    def boom():
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="app.core.errors"):
        response = app.test_client().get("/__boom")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "app.core.errors"]
    assert "reference" in record.getMessage() and record.exc_info[0] is RuntimeError


# --- each class of bad input, refused where it starts --------------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**63 - 1, 2**63, 2**64, 10**40])
def test_an_id_beyond_an_integer_column_is_not_found(app, client, number):
    """Werkzeug's int converter took any size; the database then overflowed (a 500)."""
    assert client.get(f"/workshops/{number}").status_code == 404
    assert client.get(f"/materials/{number}").status_code == 404
    assert client.get("/workshops/2147483647").status_code == 404  # the largest id: no such row


def test_a_control_character_in_a_url_part_is_not_found(client):
    assert client.get("/certificates/%00abc").status_code == 404
    assert client.get("/courses/sample/media/a%00.png").status_code == 404


def test_parsing_months_and_instants_keeps_to_the_years_we_accept():
    from datetime import UTC, date, datetime

    from app.core.timeutil import parse_instant, parse_month

    assert parse_month("2025-03") == date(2025, 3, 1)
    for bad in ("9999-12", "0001-01", "1899-12", "2201-01", "2025-13", "", None, "\u202e"):
        assert parse_month(bad) is None, bad
    assert parse_instant("2025-03-04T09:00:00+01:00") == datetime(2025, 3, 4, 8, tzinfo=UTC)
    for bad in (
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "2025-03-04T09:00",  # no offset: which 09:00?
        "x",
        None,
    ):
        assert parse_instant(bad) is None, bad


def test_a_month_outside_the_calendar_is_not_found(client):
    for month in ("9999-12", "0001-01", "2025-13", "x"):
        assert client.get(f"/workshops/calendar?month={month}").status_code == 404, month
    first = client.get("/workshops/calendar?month=1900-01").get_data(True)
    assert "month=1899-12" not in first and "month=1900-02" in first
    assert client.get("/workshops/calendar").status_code == 200


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00"]
)
def test_a_booking_start_at_the_ends_of_the_calendar_sends_back_to_the_slots(
    client, make_user, make_mentor, login_as, start
):
    _mentor, profile = make_mentor()
    login_as(client, make_user())
    response = client.get(f"/mentors/{profile}/book", query_string={"start": start})
    assert response.status_code == 302 and response.location.endswith(f"/mentors/{profile}")
    response = client.post(f"/mentors/{profile}/book", data={"start": start, "topic": "x"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "day, zone", [("0001-01-01", "Pacific/Kiritimati"), ("9999-12-31", "Pacific/Pago_Pago")]
)
def test_a_workshop_day_at_the_ends_of_the_calendar_is_a_field_error(
    app, client, make_user, login_as, day, zone
):
    from datetime import date

    from tests.workshops.test_pages import form_data

    login_as(client, make_user(roles=("trainer",)))
    data = form_data(date(2030, 1, 1)) | {
        "day": day,
        "deadline_day": day,
        "timezone": zone,
        "start": "00:00",
        "end": "23:00",
    }
    page = client.post("/workshops/new", data=data)
    assert page.status_code == 200
    assert "Choose a date between the years 1900 and 2200." in page.get_data(True)


def test_unknown_choices_on_the_mentor_profile_are_a_field_error(client, make_user, login_as):
    login_as(client, make_user(roles=("mentor",)))
    page = client.post(
        "/mentoring/profile",
        data={"languages": ["en", "zz", "'%(value)s'"], "expertise": ["nope"], "mode": "video"},
    )
    assert page.status_code == 200 and "Not a valid choice." in page.get_data(True)
