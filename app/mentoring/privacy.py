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
            ("mentor_profiles", "user_id"): Policy(erase="mentor_profile"),
            ("bookings", "learner_id"): Policy(erase="bookings", hidden=("notes_private",)),
            ("bookings", "cancelled_by_id"): Policy(export=False),
            ("slot_waiters", "learner_id"): Policy(erase="delete"),
        },
        erasers={"mentor_profile": _mentor_profile, "bookings": _bookings},
    )
)
