"""Booking, cancelling, rescheduling, notes, ratings, the wait list and the messages they send,
against the real database; fifty learners racing for one slot get exactly one booking."""

import threading
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.errors import DomainError
from app.core.timeutil import when_in
from app.extensions import db
from app.mentoring import services
from app.mentoring.models import Booking, SlotWaiter
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage
from tests.conftest import in_app

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Riga
SLOT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thursday 10:00 in Riga


def user(user_id) -> User:
    return db.session.get(User, user_id)


def bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def calendar_part(message):
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0], icalendar.Calendar.from_ical(parts[0].get_content())


def test_booking_stores_the_session_and_sends_invitations_in_each_language(
    app, ctx, make_user, make_mentor, outbox
):
    mentor_id, profile_id = make_mentor()
    learner_id = make_user(name="Pau Serra", locale="ca", timezone="Europe/Madrid")
    booking = services.book(user(learner_id), profile_id, SLOT, "Backups", "A plan", NOW)
    db.session.commit()
    assert (booking.starts_at, booking.ends_at) == (SLOT, SLOT + timedelta(hours=1))
    keys = sorted(db.session.scalars(select(OutboxMessage.key)))
    assert len(keys) == 6  # a confirmation and two reminders for each side
    report = notifications.dispatch_due(NOW)
    assert report.sent == 2
    by_address = {m["To"]: m for m in outbox}
    learner_mail = by_address[user(learner_id).email]
    assert "Pau Serra" in learner_mail.get_body(("plain",)).get_content()
    part, calendar = calendar_part(learner_mail)
    assert part.get_param("method") == "REQUEST" and calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == booking.uid and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == SLOT
    assert str(event["ORGANIZER"]) == f"mailto:{user(mentor_id).email}"
    assert str(event["ATTENDEE"]) == f"mailto:{user(learner_id).email}"
    # The learner reads Madrid time in Catalan; the mentor reads Riga time in Latvian.
    learner_text = learner_mail.get_body(("plain",)).get_content()
    end = SLOT + timedelta(hours=1)
    assert when_in(SLOT, "Europe/Madrid", "ca", end=end) in learner_text
    assert "dijous, 3 de desembre del 2026, 9:00\u201310:00 (" in learner_text
    assert "Madrid, Espanya)" in learner_text and "Hora de" not in learner_text
    mentor_text = by_address[user(mentor_id).email].get_body(("plain",)).get_content()
    assert when_in(SLOT, "Europe/Riga", "lv", end=end) in mentor_text
    assert "ceturtdiena, 2026. gada 3. decembris 10:00\u201311:00 (" in mentor_text
    assert "Rīga, Latvija)" in mentor_text and "Laika josla:" not in mentor_text


@pytest.mark.parametrize(
    ("start", "now", "expected"),
    [
        (SLOT.replace(hour=20), NOW, "not available at this time"),  # 22:00 in Riga
        (SLOT + timedelta(minutes=30), NOW, "not available at this time"),  # not a slot start
        (NOW - timedelta(days=1), NOW, "already passed"),
        (SLOT, SLOT - timedelta(hours=2), "too soon"),  # inside 24 hours of notice
        (SLOT + timedelta(days=50), NOW, "too far ahead"),
    ],
)
def test_bad_slots_get_a_clear_error_and_store_nothing(
    app, ctx, make_user, make_mentor, start, now, expected
):
    _mentor, profile_id = make_mentor(min_notice_hours=24, horizon_days=30)
    learner = user(make_user())
    with pytest.raises(DomainError, match=expected):
        services.book(learner, profile_id, start, "Topic", "", now)
    db.session.rollback()
    assert bookings() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_overlapping_or_tampered_booking_is_refused(app, ctx, make_user, make_mentor):
    mentor_id, profile_id = make_mentor()
    first, second = user(make_user()), user(make_user())
    services.book(first, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    with pytest.raises(DomainError, match="just taken"):
        services.book(second, profile_id, SLOT, "Topic", "", NOW)
    db.session.rollback()
    with pytest.raises(DomainError, match="cannot be booked"):
        services.book(second, profile_id + 999, SLOT, "Topic", "", NOW)  # a tampered mentor id
    db.session.rollback()
    with pytest.raises(DomainError, match="with yourself"):
        services.book(user(mentor_id), profile_id, SLOT + timedelta(days=1), "Topic", "", NOW)
    db.session.rollback()
    with pytest.raises(DomainError, match="what the session is about"):
        services.book(second, profile_id, SLOT + timedelta(days=1), "  ", "", NOW)
    db.session.rollback()
    assert bookings() == 1


def test_another_users_booking_is_out_of_reach(app, ctx, make_user, make_mentor):
    _mentor, profile_id = make_mentor()
    owner, stranger = user(make_user()), user(make_user())
    booking = services.book(owner, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    with pytest.raises(DomainError, match="not yours"):
        services.booking_for(stranger, booking.id)
    assert services.booking_for(owner, booking.id)[1] == "learner"


def test_a_learner_holds_a_limited_number_of_upcoming_sessions(app, ctx, make_user, make_mentor):
    _mentor, profile_id = make_mentor()
    learner = user(make_user())
    limit = app.config["MENTORING_MAX_OPEN_BOOKINGS"]
    for day in range(limit):
        services.book(learner, profile_id, SLOT + timedelta(days=day), "Topic", "", NOW)
        db.session.commit()
    with pytest.raises(DomainError, match=f"already have {limit} upcoming sessions"):
        services.book(learner, profile_id, SLOT + timedelta(days=limit), "Topic", "", NOW)
    db.session.rollback()
    assert bookings() == limit


def test_cancelling_withdraws_reminders_sends_a_cancellation_and_frees_the_slot(
    app, ctx, make_user, make_mentor, outbox
):
    _mentor, profile_id = make_mentor()
    learner = user(make_user())
    booking = services.book(learner, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    notifications.dispatch_due(NOW)
    outbox.clear()
    services.cancel(booking, "learner", learner, "", NOW + timedelta(hours=1))
    db.session.commit()
    assert booking.status == "cancelled" and booking.sequence == 1
    notifications.dispatch_due(SLOT)  # nothing else is due: the reminders were withdrawn
    assert len(outbox) == 2
    for message in outbox:
        part, calendar = calendar_part(message)
        [event] = calendar.walk("VEVENT")
        assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
        assert str(event["UID"]) == booking.uid and event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
    again = services.book(user(make_user()), profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    assert again.id != booking.id


def test_cancelling_needs_notice_from_learners_and_a_reason_from_mentors(
    app, ctx, make_user, make_mentor
):
    mentor_id, profile_id = make_mentor()
    learner = user(make_user())
    booking = services.book(learner, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    late = SLOT - timedelta(hours=2)
    with pytest.raises(DomainError, match="up to 12 hours before"):
        services.cancel(booking, "learner", learner, "", late)
    with pytest.raises(DomainError, match="why you cancel"):
        services.cancel(booking, "mentor", user(mentor_id), " ", late)
    services.cancel(booking, "mentor", user(mentor_id), "I am ill", late)
    db.session.commit()
    assert booking.cancel_reason == "I am ill"


def test_rescheduling_moves_the_session_or_changes_nothing(app, ctx, make_user, make_mentor):
    _mentor, profile_id = make_mentor()
    learner, other = user(make_user()), user(make_user())
    booking = services.book(learner, profile_id, SLOT, "Topic", "", NOW)
    services.book(other, profile_id, SLOT + timedelta(hours=2), "Topic", "", NOW)
    db.session.commit()
    with pytest.raises(DomainError, match="just taken"):
        services.reschedule(booking, learner, SLOT + timedelta(hours=2), NOW)
    db.session.rollback()
    booking = db.session.get(Booking, booking.id, populate_existing=True)
    assert booking.status == "booked" and booking.sequence == 0
    new = services.reschedule(booking, learner, SLOT + timedelta(hours=4), NOW)
    db.session.commit()
    assert booking.status == "cancelled" and booking.rescheduled_to_id == new.id
    assert new.status == "booked" and new.starts_at == SLOT + timedelta(hours=4)
    keys = set(db.session.scalars(select(OutboxMessage.key)))
    assert f"booking:{booking.id}:s1:cancelled:learner" in keys
    assert f"booking:{new.id}:s0:confirmed:learner" in keys


def test_reminders_go_out_once_at_24_and_1_hour_and_never_for_a_cancelled_session(
    app, ctx, make_user, make_mentor, outbox
):
    _mentor, profile_id = make_mentor()
    learner = user(make_user())
    kept = services.book(learner, profile_id, SLOT, "Kept", "", NOW)
    dropped = services.book(learner, profile_id, SLOT + timedelta(hours=3), "Dropped", "", NOW)
    db.session.commit()
    notifications.dispatch_due(NOW)
    services.cancel(dropped, "learner", learner, "", NOW + timedelta(minutes=5))
    db.session.commit()
    notifications.dispatch_due(NOW + timedelta(minutes=5))
    outbox.clear()
    for moment in (
        SLOT - timedelta(hours=24),
        SLOT - timedelta(hours=23),
        SLOT - timedelta(hours=1),
    ):
        notifications.dispatch_due(moment)
    notifications.dispatch_due(SLOT + timedelta(hours=5))
    subjects = [m["Subject"] for m in outbox]
    assert len(subjects) == 4, subjects  # 24 h and 1 h, learner and mentor, for "Kept" only
    assert kept.status == "booked"


def test_notes_and_ratings_after_a_held_session(app, ctx, make_user, make_mentor):
    _mentor_id, profile_id = make_mentor()
    learner = user(make_user())
    booking = services.book(learner, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    with pytest.raises(DomainError, match="once it has started"):
        services.mark(booking, "mentor", "held", NOW)
    with pytest.raises(DomainError, match="Only the mentor"):
        services.mark(booking, "learner", "held", SLOT)
    with pytest.raises(DomainError, match="once your mentor has marked it"):
        services.rate(booking, "learner", 5, "", SLOT)
    services.mark(booking, "mentor", "held", SLOT + timedelta(hours=1))
    services.save_notes(booking, "mentor", "We set up backups.", "Test a restore", "Shy")
    with pytest.raises(DomainError, match="from 1 to 5"):
        services.rate(booking, "learner", 6, "", SLOT)
    services.rate(booking, "learner", 5, "Very useful", SLOT + timedelta(hours=2))
    db.session.commit()
    assert (booking.rating, booking.comment, booking.action_items) == (
        5,
        "Very useful",
        "Test a restore",
    )


def test_a_cancellation_tells_the_learner_who_waited_longest(
    app, ctx, make_user, make_mentor, outbox
):
    from datetime import time

    _mentor, profile_id = make_mentor(weekly={3: [(time(10), time(11))]}, horizon_days=3)
    booker, first, second = (user(make_user()) for _ in range(3))
    booking = services.book(booker, profile_id, SLOT, "Topic", "", NOW)
    db.session.commit()
    services.wait_for_slot(first, profile_id, NOW)
    services.wait_for_slot(second, profile_id, NOW + timedelta(minutes=1))
    services.wait_for_slot(first, profile_id, NOW)  # asking twice keeps one place
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SlotWaiter)) == 2
    notifications.dispatch_due(NOW)
    outbox.clear()
    services.cancel(booking, "learner", booker, "", NOW + timedelta(hours=1))
    db.session.commit()
    notifications.dispatch_due(NOW + timedelta(hours=1))
    told = [m["To"] for m in outbox if "slot" in m["Subject"].lower() or "brīv" in m["Subject"]]
    assert told == [first.email]


def _race(app_factory, profile_id, learner_ids, start, now):
    apps = [app_factory() for _ in range(5)]  # five "worker processes", ten threads each
    barrier = threading.Barrier(len(learner_ids))
    results = []

    def attempt(app, learner_id):
        with app.app_context():
            barrier.wait()
            try:
                services.book(db.session.get(User, learner_id), profile_id, start, "T", "", now)
                db.session.commit()
                results.append("booked")
            except DomainError as error:
                db.session.rollback()
                results.append(str(error.message))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=attempt, args=(apps[i % len(apps)], learner_id))
        for i, learner_id in enumerate(learner_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_learners_racing_for_one_slot_get_exactly_one_booking(
    app, app_factory, make_user, make_mentor
):
    _mentor, profile_id = make_mentor()
    learners = [make_user() for _ in range(50)]
    results = _race(app_factory, profile_id, learners, SLOT, NOW)
    assert results.count("booked") == 1
    assert results.count("This slot was just taken. Please choose another one.") == 49, set(results)
    with in_app(app):
        assert bookings() == 1


def test_moving_a_session_at_the_limit_is_allowed_but_does_not_raise_it(
    app, ctx, make_user, make_mentor
):
    _mentor, profile_id = make_mentor()
    learner = user(make_user())
    limit = app.config["MENTORING_MAX_OPEN_BOOKINGS"]
    held = [
        services.book(learner, profile_id, SLOT + timedelta(days=day), "Topic", "", NOW)
        for day in range(limit)
    ]
    db.session.commit()
    services.reschedule(held[0], learner, SLOT + timedelta(days=10), NOW)
    db.session.commit()
    assert services.open_bookings_of(learner.id, NOW) == limit
    with pytest.raises(DomainError, match="upcoming sessions"):
        services.book(learner, profile_id, SLOT + timedelta(days=11), "Topic", "", NOW)
