"""The mentoring pages through HTTP: a mentor sets a profile and hours, a learner finds the
mentor, books, sees the session, downloads it, cancels it through a confirm page."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from app.core.db import utcnow
from app.extensions import db
from app.mentoring.models import Booking, MentorProfile
from tests.conftest import count_queries, in_app


def test_a_mentor_fills_the_profile_and_weekly_hours_and_adds_a_day_off(app, login_as, make_user):
    client = app.test_client()
    login_as(client, make_user(roles=("mentor",), timezone="Europe/Riga"))
    assert "Languages you hold sessions in" in client.get("/mentoring/profile").get_data(True)
    response = client.post(
        "/mentoring/profile",
        data={
            "languages": ["lv", "en"],
            "expertise": ["cybersecurity"],
            "country": "LV",
            "timezone": "Europe/Riga",
            "mode": "video",
            "meeting_url": "https://meet.example.org/room",
            "session_minutes": "45",
            "buffer_before": "0",
            "buffer_after": "15",
            "min_notice_hours": "12",
            "horizon_days": "30",
            "max_per_day": "3",
            "max_per_week": "",
            "published": "y",
            "bio_en": "I help associations with their IT.",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/mentoring/availability")
    bad = client.post("/mentoring/availability", data={"week-day_0": "nine to five"})
    assert "Write times as 09:00-12:00" in bad.get_data(True)
    week = {f"week-day_{i}": "" for i in range(7)}
    week.update({"week-day_0": "09:00-12:00, 14:00-17:00", "week-day_3": "10:00-13:00"})
    assert client.post("/mentoring/availability", data=week).status_code == 302
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    off = client.post(
        "/mentoring/availability",
        data={"date-day": tomorrow, "date-kind": "off", "date-start": "", "date-end": ""},
    )
    assert off.status_code == 302
    for bad, message in (
        ({"date-start": "25:00", "date-end": "26:00"}, "Write the time as HH:MM"),
        ({"date-start": "12:00", "date-end": "11:00"}, "The end time must be after the start"),
        ({"date-start": "12:00", "date-end": ""}, "Give both a start and an end time"),
        ({"date-kind": "extra"}, "Extra hours need a start and an end time"),
    ):
        data = {"date-day": tomorrow, "date-kind": "off", "date-start": "", "date-end": ""}
        data.update(bad)
        assert message in client.post("/mentoring/availability", data=data).get_data(True)
    past = {"date-day": "2020-01-01", "date-kind": "off"}
    assert "Choose today or a later date" in client.post(
        "/mentoring/availability", data=past
    ).get_data(True)
    page = client.get("/mentoring/availability").get_data(True)
    assert "09:00-12:00, 14:00-17:00" in page and "all day" in page
    with in_app(app):
        profile = db.session.scalar(select(MentorProfile))
        assert profile.session_minutes == 45 and profile.max_per_week is None
        assert [(r.weekday, f"{r.start_time:%H:%M}") for r in profile.rules] == [
            (0, "09:00"),
            (0, "14:00"),
            (3, "10:00"),
        ]
        assert len(profile.overrides) == 1 and profile.bios == {
            "en": "I help associations with their IT."
        }


def test_a_learner_finds_books_downloads_and_cancels_in_catalan(
    app, login_as, make_user, make_mentor, outbox
):
    _mentor, profile_id = make_mentor(min_notice_hours=48)
    client = app.test_client()
    learner = make_user(locale="ca", timezone="Europe/Madrid", name="Pau Serra")
    login_as(client, learner)
    found = client.get("/mentors?language=lv&expertise=cybersecurity&country=LV").get_data(True)
    assert "Māra Bērziņa" in found
    assert "Times are shown in your time zone" in found or "zona horària" in found
    assert "/mentors?language=lv" not in client.get("/mentors?language=sv").get_data(True)
    page = client.get(f"/mentors/{profile_id}").get_data(True)
    encoded = re.search(r"/book\?start=([^\"&]+)", page).group(1)
    start = encoded.replace("%3A", ":").replace("%2B", "+")
    form = client.get(f"/mentors/{profile_id}/book?start={encoded}").get_data(True)
    assert 'name="topic"' in form
    response = client.post(
        f"/mentors/{profile_id}/book", data={"start": start, "topic": "Backups", "goal": ""}
    )
    assert response.status_code == 302
    session_url = response.location
    session_page = client.get(session_url).get_data(True)
    assert "Backups" in session_page
    booking_id = int(session_url.rsplit("/", 1)[1])
    ics_file = client.get(f"/sessions/{booking_id}.ics")
    [event] = icalendar.Calendar.from_ical(ics_file.data).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime.fromisoformat(start).astimezone(UTC)
    assert ics_file.headers["Content-Disposition"].startswith("attachment")
    # Following the cancel link (as a mail scanner does) changes nothing; the button does.
    assert client.get(f"/sessions/{booking_id}/cancel").status_code == 200
    with in_app(app):
        assert db.session.get(Booking, booking_id).status == "booked"
    client.post(f"/sessions/{booking_id}/cancel", data={"reason": ""})
    with in_app(app):
        assert db.session.get(Booking, booking_id).status == "cancelled"
    # The slot is offered again.
    assert encoded in client.get(f"/mentors/{profile_id}").get_data(True)


def test_another_learners_session_and_a_tampered_slot_are_refused(
    app, login_as, make_user, make_mentor
):
    _mentor, profile_id = make_mentor()
    owner, stranger = app.test_client(), app.test_client()
    login_as(owner, make_user())
    login_as(stranger, make_user())
    start = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Riga"))
    start = start.replace(hour=10, minute=0, second=0, microsecond=0).isoformat()
    booked = owner.post(f"/mentors/{profile_id}/book", data={"start": start, "topic": "T"})
    booking_id = int(booked.location.rsplit("/", 1)[1])
    for path in ("", ".ics", "/cancel", "/reschedule"):
        assert stranger.get(f"/sessions/{booking_id}{path}").status_code == 404
    assert stranger.post(f"/sessions/{booking_id}/cancel").status_code == 404
    taken = stranger.post(
        f"/mentors/{profile_id}/book", data={"start": start, "topic": "T"}, follow_redirects=True
    )
    assert "This slot was just taken" in taken.get_data(True)
    outside = start.replace("T10:00", "T03:00")
    refused = stranger.post(
        f"/mentors/{profile_id}/book", data={"start": outside, "topic": "T"}, follow_redirects=True
    )
    assert "not available at this time" in refused.get_data(True)
    assert stranger.get(f"/mentors/{profile_id + 99}").status_code == 404
    with in_app(app):
        assert db.session.query(Booking).count() == 1


def test_the_calendar_feed_lists_the_learners_sessions(app, login_as, make_user, make_mentor):
    _mentor, profile_id = make_mentor()
    client = app.test_client()
    login_as(client, make_user())
    start = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Riga"))
    start = start.replace(hour=11, minute=0, second=0, microsecond=0).isoformat()
    client.post(f"/mentors/{profile_id}/book", data={"start": start, "topic": "Feeds"})
    created = client.post("/calendar/subscription").get_data(True)
    path = re.search(r'value="http://localhost(/calendar/feed/[^"]+)"', created).group(1)
    feed = icalendar.Calendar.from_ical(client.get(path).data)
    [event] = feed.walk("VEVENT")
    assert "Māra Bērziņa" in str(event["SUMMARY"])


def test_mentor_list_and_sessions_run_a_bounded_number_of_queries(
    app, login_as, make_user, make_mentor
):
    def selects(path):
        with count_queries(app, selects_only=True) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    client = app.test_client()
    learner = make_user()
    login_as(client, learner)
    _user, first = make_mentor(name="First Mentor")
    start = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Riga"))
    start = start.replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
    client.post(f"/mentors/{first}/book", data={"start": start, "topic": "T"})
    small = {path: selects(path) for path in ("/mentors", "/sessions")}
    for index in range(5):
        _user, profile_id = make_mentor(name=f"Mentor {index}")
        start = (utcnow() + timedelta(days=2 + index)).astimezone(ZoneInfo("Europe/Riga"))
        start = start.replace(hour=10, minute=0, second=0, microsecond=0).isoformat()
        client.post(f"/mentors/{profile_id}/book", data={"start": start, "topic": "T"})
    large = {path: selects(path) for path in ("/mentors", "/sessions")}
    assert large == small, (small, large)
