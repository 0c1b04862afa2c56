"""E-mails about sessions, rendered when the dispatcher sends them, in the recipient's language
and time zone, with the iCalendar invitation or cancellation attached."""

from datetime import timedelta
from email.message import EmailMessage

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.calendar import ics
from app.calendar.services import feed_source
from app.core.catalogs import py_gettext as _
from app.core.mail import absolute_url, render_templated
from app.core.outbox import OutboxMessage, renderer
from app.core.timeutil import when_in
from app.extensions import db

from .models import Booking, MentorProfile


def _booking(booking_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            selectinload(Booking.mentor).selectinload(MentorProfile.user),
            selectinload(Booking.learner),
        )
        .execution_options(populate_existing=True)
    )


def _people(booking: Booking, role: str) -> tuple[User, User]:
    mentor, learner = booking.mentor.user, booking.learner
    return (learner, mentor) if role == "learner" else (mentor, learner)


def calendar_event(booking: Booking, reader: User) -> ics.CalendarEvent:
    """The session as a calendar event, its texts in the reader's language (call in its locale)."""
    mentor, learner = booking.mentor.user, booking.learner
    other = mentor if reader.id == learner.id else learner
    lines = [_("Topic: %(topic)s", topic=booking.topic)]
    if booking.goal:
        lines.append(_("What the learner wants to achieve: %(goal)s", goal=booking.goal))
    if booking.location:
        lines.append(_("Where: %(place)s", place=booking.location))
    lines.append(absolute_url("mentoring.session", booking_id=booking.id))
    return ics.CalendarEvent(
        uid=booking.uid,
        sequence=booking.sequence,
        start=booking.starts_at,
        end=booking.ends_at,
        summary=_("Coaching session with %(name)s", name=other.name),
        stamp=booking.cancelled_at or booking.created_at,
        description="\n".join(lines),
        location=booking.location,
        url=absolute_url("mentoring.session", booking_id=booking.id),
        organizer=(mentor.name, mentor.email),
        attendees=[(learner.name, learner.email)],
        cancelled=booking.status == "cancelled",
    )


def _context(booking: Booking, reader: User, other: User) -> dict:
    return {
        "booking": booking,
        "reader": reader,
        "other": other,
        "when": when_in(booking.starts_at, reader.timezone, reader.locale, end=booking.ends_at),
        "url": absolute_url("mentoring.session", booking_id=booking.id),
    }


@renderer("booking.confirmed")
def render_confirmed(message: OutboxMessage) -> EmailMessage | None:
    booking = _booking(message.payload["booking_id"])
    if booking is None or booking.status == "cancelled":
        return None
    reader, other = _people(booking, message.payload["role"])
    with force_locale(reader.locale):
        invitation = ics.invitation(calendar_event(booking, reader))
        subject = _(
            "Coaching session booked: %(when)s",
            when=when_in(booking.starts_at, reader.timezone, reader.locale, "medium"),
        )
    return render_templated(
        reader.email,
        reader.locale,
        "booking_confirmed",
        subject,
        attachments=[("invitation.ics", "text/calendar; method=REQUEST", invitation)],
        role=message.payload["role"],
        **_context(booking, reader, other),
    )


@renderer("booking.reminder")
def render_reminder(message: OutboxMessage) -> EmailMessage | None:
    booking = _booking(message.payload["booking_id"])
    if booking is None or booking.status != "booked":
        return None  # a cancelled session sends no reminder
    reader, other = _people(booking, message.payload["role"])
    hours = message.payload["hours"]
    with force_locale(reader.locale):
        from app.core.catalogs import py_ngettext as ngettext

        subject = ngettext(
            "Reminder: your coaching session starts in %(num)d hour",
            "Reminder: your coaching session starts in %(num)d hours",
            hours,
        )
    return render_templated(
        reader.email,
        reader.locale,
        "booking_reminder",
        subject,
        hours=hours,
        **_context(booking, reader, other),
    )


@renderer("booking.cancelled")
def render_cancelled(message: OutboxMessage) -> EmailMessage | None:
    booking = _booking(message.payload["booking_id"])
    if booking is None:
        return None
    reader, other = _people(booking, message.payload["role"])
    with force_locale(reader.locale):
        cancellation = ics.cancellation(calendar_event(booking, reader))
        subject = _(
            "Coaching session cancelled: %(when)s",
            when=when_in(booking.starts_at, reader.timezone, reader.locale, "medium"),
        )
    return render_templated(
        reader.email,
        reader.locale,
        "booking_cancelled",
        subject,
        attachments=[("cancellation.ics", "text/calendar; method=CANCEL", cancellation)],
        by_me=message.payload["by"] == message.payload["role"],
        find_url=absolute_url("mentoring.find"),
        **_context(booking, reader, other),
    )


@renderer("mentor.slot-free")
def render_slot_free(message: OutboxMessage) -> EmailMessage | None:
    profile = db.session.scalar(
        select(MentorProfile)
        .where(MentorProfile.id == message.payload["mentor_id"])
        .options(selectinload(MentorProfile.user))
    )
    reader = db.session.get(User, message.user_id) if message.user_id else None
    if profile is None or reader is None or not reader.active:
        return None
    with force_locale(reader.locale):
        subject = _("A coaching slot is free with %(name)s", name=profile.user.name)
    return render_templated(
        reader.email,
        reader.locale,
        "slot_free",
        subject,
        reader=reader,
        mentor=profile.user,
        url=absolute_url("mentoring.mentor", mentor_id=profile.id),
    )


@feed_source
def sessions_in_feed(user: User, now) -> list[ics.CalendarEvent]:
    """The user's sessions, as learner and as mentor, for the personal calendar feed."""
    rows = db.session.scalars(
        select(Booking)
        .join(MentorProfile, MentorProfile.id == Booking.mentor_id)
        .where(
            (Booking.learner_id == user.id) | (MentorProfile.user_id == user.id),
            Booking.status != "cancelled",
            Booking.starts_at > now - timedelta(days=180),
        )
        .options(
            selectinload(Booking.mentor).selectinload(MentorProfile.user),
            selectinload(Booking.learner),
        )
        .order_by(Booking.starts_at)
    )
    return [calendar_event(booking, user) for booking in rows]
