"""Personal data: everything the portal holds about a person, exported on request, and erased
by anonymising what history must keep (counts, completions, attendance stay intact).

Every column that points at a user is listed in POLICIES; a test walks the schema and fails
when a new one is missing, so no domain can add personal data without deciding its fate."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Table, delete, select, update

from app.core.db import begin_write
from app.extensions import db

from .models import User


@dataclass(frozen=True)
class Policy:
    """What export and erasure do with one table's rows about a person."""

    export: bool = True  # list the rows in the export
    erase: str = "keep"  # keep | delete | a name in ERASERS
    hidden: tuple = ()  # columns never exported (secrets, other people's private notes)


POLICIES: dict[tuple[str, str], Policy] = {
    ("organisations", "proposed_by_id"): Policy(),
    ("audit_events", "actor_id"): Policy(hidden=("detail",)),
    ("audit_events", "subject_id"): Policy(hidden=("detail",)),
    ("calendar_feed_tokens", "user_id"): Policy(erase="delete", hidden=("token_hash",)),
    ("certificates", "user_id"): Policy(erase="certificates"),
    ("mentor_profiles", "user_id"): Policy(erase="mentor_profile"),
    ("outbox", "user_id"): Policy(export=False, erase="outbox"),
    ("quiz_attempts", "user_id"): Policy(),
    ("user_roles", "user_id"): Policy(erase="delete"),
    ("user_roles", "granted_by_id"): Policy(export=False),
    ("user_sessions", "user_id"): Policy(erase="delete", hidden=("token_hash",)),
    ("workshops", "organiser_id"): Policy(),
    ("bookings", "learner_id"): Policy(erase="bookings", hidden=("notes_private",)),
    ("bookings", "cancelled_by_id"): Policy(export=False),
    ("enrolments", "user_id"): Policy(),
    ("enrolments", "completed_by_id"): Policy(export=False),
    ("lesson_progress", "user_id"): Policy(),
    ("materials", "uploaded_by_id"): Policy(export=False),
    ("slot_waiters", "learner_id"): Policy(erase="delete"),
    ("workshop_registrations", "user_id"): Policy(erase="registrations"),
}
USER_HIDDEN = ("password_hash",)


def user_columns() -> list[tuple[Table, str]]:
    """Every (table, column) of the schema that points at users.id."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and table.name != "users":
                found.append((table, key.parent.name))
    return found


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def export_data(user: User) -> dict:
    """Everything about the person, as JSON-ready data, and nobody else's."""
    person = {
        column.name: _plain(getattr(user, column.key))
        for column in User.__table__.columns
        if column.name not in USER_HIDDEN
    }
    person["organisation"] = user.organisation.name if user.organisation else None
    data = {"user": person, "roles": [role.role for role in user.roles]}
    for table, column in user_columns():
        policy = POLICIES[(table.name, column)]
        if not policy.export:
            continue
        rows = db.session.execute(select(table).where(table.c[column] == user.id)).mappings()
        data[f"{table.name}.{column}"] = [
            {key: _plain(value) for key, value in row.items() if key not in policy.hidden}
            for row in rows
        ]
    return data


def erase(user: User, now: datetime) -> None:
    """Anonymise the person; keep what aggregates need. One transaction; the caller commits."""
    begin_write(db.session)
    for table, column in user_columns():
        policy = POLICIES[(table.name, column)]
        if policy.erase == "delete":
            db.session.execute(delete(table).where(table.c[column] == user.id))
        elif policy.erase != "keep":
            ERASERS[policy.erase](table, column, user, now)
    user.name = "—"
    user.email = f"erased-{user.id}-{secrets.token_hex(4)}@invalid.doimpact.eu"
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password
    user.active = False
    user.email_confirmed_at = None
    db.session.expire(user, ["roles"])


def _certificates(table, column, user, now) -> None:
    db.session.execute(update(table).where(table.c[column] == user.id).values(holder_name="—"))


def _mentor_profile(table, column, user, now) -> None:
    db.session.execute(
        update(table)
        .where(table.c[column] == user.id)
        .values(bios={}, meeting_url=None, phone=None, address=None, published=False)
    )


def _outbox(table, column, user, now) -> None:
    db.session.execute(
        delete(table).where(table.c[column] == user.id, table.c.status.in_(("pending", "failed")))
    )
    db.session.execute(update(table).where(table.c[column] == user.id).values(payload={}))


def _bookings(table, column, user, now) -> None:
    """Sessions stay as counts; their texts go; upcoming ones are cancelled and the mentor told."""
    from app.mentoring.models import Booking
    from app.notifications import services as outbox

    upcoming = db.session.scalars(
        select(Booking).where(
            Booking.learner_id == user.id, Booking.status == "booked", Booking.starts_at > now
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
        .where(table.c[column] == user.id)
        .values(
            topic="—", goal="", notes_shared="", action_items="", notes_private="", comment=None
        )
    )


def _registrations(table, column, user, now) -> None:
    """Attendance and ratings stay as counts; comments go; upcoming places are given back."""
    from app.workshops import services as workshops
    from app.workshops.models import Registration, Workshop

    upcoming = db.session.scalars(
        select(Registration.workshop_id)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(workshops.LIVE),
            Workshop.ends_at > now,
        )
    ).all()
    for workshop_id in upcoming:
        workshops.unregister(user, workshop_id, now)
    db.session.execute(update(table).where(table.c[column] == user.id).values(comment=None))


ERASERS = {
    "certificates": _certificates,
    "mentor_profile": _mentor_profile,
    "outbox": _outbox,
    "bookings": _bookings,
    "registrations": _registrations,
}
