"""What mentoring holds about a person: a mentor's profile, their bookings as a learner and
their place on waiting lists. Sessions stay as counts; their texts go; upcoming ones are
cancelled and the mentor is told."""

from sqlalchemy import select, update

from app.core import outbox, privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider
from app.extensions import db

from .models import Booking


def _mentor_profile(table, column, person, now) -> None:
    db.session.execute(
        update(table)
        .where(table.c[column] == person.id)
        .values(bios={}, meeting_url=None, phone=None, address=None, published=False)
    )


def _bookings(table, column, person, now) -> None:
    upcoming = db.session.scalars(
        select(Booking).where(
            Booking.learner_id == person.id, Booking.status == "booked", Booking.starts_at > now
        )
    ).all()
    for booking in upcoming:
        booking.status = "cancelled"
        booking.sequence += 1
        booking.cancelled_at = now
        outbox.void(f"booking:{booking.id}:")
        outbox.plan(
            f"booking:{booking.id}:s{booking.sequence}:cancelled:mentor",
            "booking.cancelled",
            now,
            user_id=booking.mentor.user_id,
            payload={"booking_id": booking.id, "role": "mentor", "by": "learner"},
        )
    db.session.flush()
    db.session.execute(
        update(table)
        .where(table.c[column] == person.id)
        .values(
            topic="—", goal="", notes_shared="", action_items="", notes_private="", comment=None
        )
    )


PROVIDER = privacy.register(
    Provider(
        domain="mentoring",
        title=_l("Coaching"),
        description=_l(
            "Your coaching sessions with their topics and the notes your mentor shared with you, "
            "and your place on waiting lists; for mentors, also their profile and availability. "
            "After erasure your upcoming sessions are cancelled and your mentors are told, the "
            "texts of past sessions are removed, including a mentor's private notes, and the "
            "sessions stay only as anonymous counts."
        ),
        policies={
            ("mentor_profiles", "user_id"): Policy(
                erase="mentor_profile", label=_l("Your mentor profile")
            ),
            ("bookings", "learner_id"): Policy(
                erase="bookings", hidden=("notes_private",), label=_l("Your coaching sessions")
            ),
            ("bookings", "cancelled_by_id"): Policy(export=False),
            ("slot_waiters", "learner_id"): Policy(
                erase="delete", label=_l("Waiting for a free coaching time")
            ),
        },
        fields={
            "bios": _l("About you"),
            "languages": _l("Languages"),
            "expertise": _l("Expertise"),
            "phone": _l("Phone"),
            "session_minutes": _l("Session length (minutes)"),
            "buffer_before": _l("Break before a session (minutes)"),
            "buffer_after": _l("Break after a session (minutes)"),
            "min_notice_hours": _l("Minimum notice (hours)"),
            "horizon_days": _l("Bookable ahead (days)"),
            "max_per_day": _l("Most sessions a day"),
            "max_per_week": _l("Most sessions a week"),
            "published": _l("Published"),
            "block_start": _l("Time held from"),
            "block_end": _l("Time held until"),
            "topic": _l("Topic"),
            "goal": _l("Goal"),
            "location": _l("Place"),
            "notes_shared": _l("Notes shared with you"),
            "action_items": _l("Next steps"),
            "notified_at": _l("Told of a free time on"),
        },
        erasers={"mentor_profile": _mentor_profile, "bookings": _bookings},
    )
)
