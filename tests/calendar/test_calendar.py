"""iCalendar files (parsed back with icalendar and validated with vobject) and the personal
subscription feed with its hashed, revocable secret."""

import logging
import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
from sqlalchemy import select

from app.calendar import ics, services
from app.calendar.models import FeedToken
from app.core.db import utcnow
from app.core.security import RedactSecretPaths
from app.extensions import db
from tests.conftest import in_app

START = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 in Riga, the morning of the spring change


def event(**changes) -> ics.CalendarEvent:
    values = {
        "uid": "booking-1@doimpact.eu",
        "sequence": 0,
        "start": START,
        "end": START + timedelta(minutes=45),
        "summary": "Coaching: cloud, backups; and\r\nmore",
        "stamp": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        "description": "Line one\nLine two",
        "location": "https://meet.example.org/room",
        "organizer": ("Māra Bērziņa", "mentor@example.org"),
        "attendees": [("Anna Ozola", "anna@example.org")],
    }
    values.update(changes)
    return ics.CalendarEvent(**values)


def only_event(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    [component] = [c for c in calendar.walk("VEVENT")]
    return calendar, component


def test_an_invitation_carries_every_field_and_validates():
    data = ics.invitation(event())
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    calendar, vevent = only_event(data)
    assert calendar["METHOD"] == "REQUEST"
    assert str(vevent["UID"]) == "booking-1@doimpact.eu" and vevent["SEQUENCE"] == 0
    assert vevent.decoded("DTSTART") == START and vevent.decoded(
        "DTSTART"
    ).utcoffset() == timedelta(0)
    assert b"DTSTART:20260329T070000Z" in data  # UTC, no VTIMEZONE to misread
    assert b"VTIMEZONE" not in data
    assert str(vevent["ORGANIZER"]) == "mailto:mentor@example.org"
    assert str(vevent["ATTENDEE"]) == "mailto:anna@example.org"
    # The line break is escaped, not written raw: it cannot start a property of its own.
    assert str(vevent["SUMMARY"]) == "Coaching: cloud, backups; and\nmore"
    assert b"SUMMARY:Coaching: cloud\\, backups\\; and\\nmore" in data
    parsed = vobject.readOne(data.decode(), validate=True)
    assert parsed.vevent.uid.value == "booking-1@doimpact.eu"
    assert parsed.vevent.dtstart.value == START


def test_a_cancellation_keeps_the_uid_and_raises_the_sequence():
    data = ics.cancellation(event(sequence=1))
    calendar, vevent = only_event(data)
    assert calendar["METHOD"] == "CANCEL" and vevent["STATUS"] == "CANCELLED"
    assert str(vevent["UID"]) == "booking-1@doimpact.eu" and vevent["SEQUENCE"] == 1
    vobject.readOne(data.decode(), validate=True)


def test_invitations_need_an_organizer_and_aware_times():
    with pytest.raises(ValueError):
        ics.invitation(event(organizer=None))
    with pytest.raises(ValueError):
        ics.single(event(start=datetime(2026, 3, 29, 9, 0)))
    calendar, _vevent = only_event(ics.single(event(organizer=None, attendees=[])))
    assert calendar["METHOD"] == "PUBLISH"


def test_a_feed_names_itself_and_asks_for_hourly_refresh():
    items = [event(uid=f"booking-{i}@doimpact.eu") for i in range(3)]
    data = ics.feed("DO Impact Academy: Anna", items)
    assert b"NAME:DO Impact Academy: Anna" in data
    assert b"X-WR-CALNAME:DO Impact Academy: Anna" in data
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data
    assert b"X-PUBLISHED-TTL:PT1H" in data
    parsed = vobject.readOne(data.decode(), validate=True)
    assert len(parsed.vevent_list) == 3


def feed_path(secret: str) -> str:
    return f"/calendar/feed/{secret}.ics"


def test_the_feed_secret_is_stored_hashed_and_can_be_revoked(app, client, make_user):
    user_id = make_user(name="Anna Ozola", locale="lv")
    with in_app(app):
        from app.accounts.models import User

        user = db.session.get(User, user_id)
        secret = services.issue_feed_token(user, utcnow())
        db.session.commit()
        stored = db.session.scalar(select(FeedToken.token_hash))
        assert secret not in stored and len(secret) >= 43  # 256 random bits
    response = client.get(feed_path(secret))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert b"X-WR-CALNAME:DO Impact Academy: Anna Ozola" in response.data
    assert client.get(feed_path(secret[:-1] + "x")).status_code == 404
    assert client.get(feed_path("")).status_code == 404
    with in_app(app):
        user = db.session.get(User, user_id)
        newer = services.issue_feed_token(user, utcnow())
        db.session.commit()
    assert client.get(feed_path(secret)).status_code == 404  # the old link died at once
    assert client.get(feed_path(newer)).status_code == 200
    with in_app(app):
        user = db.session.get(User, user_id)
        user.active = False
        db.session.commit()
    assert client.get(feed_path(newer)).status_code == 404  # dead for a blocked user
    with in_app(app):
        user = db.session.get(User, user_id)
        user.active = True
        assert services.revoke_feed_token(user)
        db.session.commit()
    assert client.get(feed_path(newer)).status_code == 404


def test_the_subscription_page_shows_the_link_once_then_switches_it_off(app, login_as, make_user):
    client = app.test_client()
    login_as(client, make_user())
    page = client.get("/calendar/subscription").get_data(as_text=True)
    assert "You have no calendar link yet." in page
    created = client.post("/calendar/subscription").get_data(as_text=True)
    url = re.search(r'value="(http://localhost/calendar/feed/[^"]+\.ics)"', created).group(1)
    path = url.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    again = client.get("/calendar/subscription").get_data(as_text=True)
    assert path not in again and "You have a calendar link, created on" in again
    client.post("/calendar/subscription/revoke")
    assert client.get(path).status_code == 404
    assert "You have no calendar link yet." in client.get("/calendar/subscription").get_data(
        as_text=True
    )


def test_feed_secrets_never_reach_the_request_log():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s -',
        ("127.0.0.1", "now", "GET /calendar/feed/s3cr3tT0ken_-x.ics HTTP/1.1", "200"),
        None,
    )
    RedactSecretPaths().filter(record)
    assert "s3cr3t" not in record.getMessage()
    assert "/calendar/feed/[redacted].ics" in record.getMessage()
