"""Session calendars read back by independent parsers: icalendar, vobject (validating) and
Mozilla's ical.js (Thunderbird's parser, run with Node where installed). Sessions on both
sides of each daylight-saving change give the instants the database holds."""

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from flask_babel import force_locale, gettext

from app.accounts.models import User
from app.calendar import ics
from app.calendar.services import build_feed
from app.extensions import db
from app.mentoring import messages, services

JS = Path(__file__).parent / "js"
# Sundays before, on and after each change, 09:00 in Riga: EET (UTC+2) or EEST (UTC+3).
SUNDAYS = [date(2026, 3, 22), date(2026, 3, 29), date(2026, 10, 18), date(2026, 10, 25)]
EXPECTED_UTC = ["07:00", "06:00", "06:00", "07:00"]


def ical_js(data: bytes) -> dict:
    if not shutil.which("node") or not (JS / "node_modules" / "ical.js").exists():
        pytest.skip("ical.js not installed: npm ci --prefix tests/calendar/js")
    result = subprocess.run(
        ["node", str(JS / "instants.mjs")], input=data, capture_output=True, check=True
    )
    return json.loads(result.stdout)


@pytest.fixture
def sunday_sessions(app, ctx, make_user, make_mentor):
    app.config["MENTORING_MAX_OPEN_BOOKINGS"] = 10
    mentor_id, profile_id = make_mentor(
        weekly={6: [(time(9), time(10))]}, horizon_days=365, min_notice_hours=0
    )
    learner = db.session.get(User, make_user(locale="es", timezone="Europe/Madrid"))
    now = datetime(2026, 3, 1, tzinfo=UTC)
    bookings = []
    for day in SUNDAYS:
        [slot] = [
            s
            for s in services.free_slots(db.session.get(services.MentorProfile, profile_id), now)
            if s.start.date() == day
        ]
        bookings.append(services.book(learner, profile_id, slot.start, "Seguridad", "", now))
    db.session.commit()
    return learner, db.session.get(User, mentor_id), bookings


def test_instants_match_the_database_on_both_sides_of_each_change(sunday_sessions):
    learner, _mentor, bookings = sunday_sessions
    assert [f"{b.starts_at:%H:%M}" for b in bookings] == EXPECTED_UTC
    with force_locale(learner.locale):
        topic_line = gettext("Topic: %(topic)s", topic="Seguridad")
        assert topic_line != "Topic: Seguridad"
        invitations = [ics.invitation(messages.calendar_event(b, learner)) for b in bookings]
    for booking, data in zip(bookings, invitations, strict=True):
        [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert event.decoded("DTSTART") == booking.starts_at
        assert event.decoded("DTEND") == booking.ends_at
        parsed = vobject.readOne(data.decode(), validate=True)
        assert parsed.vevent.dtstart.value == booking.starts_at
        assert parsed.vevent.uid.value == booking.uid
        assert parsed.vevent.organizer.value.startswith("mailto:")
        assert parsed.vevent.attendee.value == f"mailto:{learner.email}"
        assert parsed.vevent.description.value.startswith(topic_line)  # the learner's language
        read = ical_js(data)
        assert read["method"] == "REQUEST"
        [seen] = read["events"]
        assert seen["start"] == booking.starts_at.isoformat().replace("+00:00", ".000Z")
        assert seen["end"] == booking.ends_at.isoformat().replace("+00:00", ".000Z")
        assert seen["uid"] == booking.uid and seen["sequence"] == 0


def test_a_cancellation_reads_back_with_the_same_uid_and_a_higher_sequence(sunday_sessions):
    learner, _mentor, bookings = sunday_sessions
    booking = bookings[0]
    services.cancel(booking, "learner", learner, "", datetime(2026, 3, 2, tzinfo=UTC))
    db.session.commit()
    data = ics.cancellation(messages.calendar_event(booking, learner))
    vobject.readOne(data.decode(), validate=True)
    read = ical_js(data)
    assert read["method"] == "CANCEL"
    assert read["events"][0]["uid"] == booking.uid and read["events"][0]["sequence"] == 1


def test_the_feed_reads_back_in_thunderbirds_parser(sunday_sessions):
    learner, mentor, bookings = sunday_sessions
    for person in (learner, mentor):
        data = build_feed(person, datetime(2026, 3, 1, tzinfo=UTC))
        parsed = vobject.readOne(data.decode(), validate=True)
        assert len(parsed.vevent_list) == 4
        read = ical_js(data)
        starts = sorted(e["start"] for e in read["events"])
        assert starts == sorted(
            b.starts_at.isoformat().replace("+00:00", ".000Z") for b in bookings
        )
    assert bookings[1].starts_at - bookings[0].starts_at == timedelta(days=7, hours=-1)
