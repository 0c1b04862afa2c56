"""E-mails about workshops, rendered when sent, in the recipient's language and time zone,
with the calendar invitation or cancellation where the event changes for them."""

from email.message import EmailMessage

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.calendar import ics
from app.calendar.ics import CalendarEvent
from app.calendar.services import feed_source
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import py_gettext as _
from app.core.errors import DomainError
from app.core.fallback import pick
from app.core.mail import absolute_url, render_templated
from app.core.outbox import OutboxMessage, renderer
from app.core.timeutil import when_in
from app.extensions import db

from . import services
from .models import Registration, Workshop


def title_of(workshop: Workshop, locale: str, second: str | None = None) -> str:
    return pick(workshop.titles, locale, second).text


def place_of(workshop: Workshop, participant: bool) -> str | None:
    if workshop.mode == "online":
        return workshop.meeting_url if participant else None
    return ", ".join(part for part in (workshop.venue, workshop.address) if part)


def calendar_event(workshop: Workshop, reader: User, cancelled: bool = False) -> ics.CalendarEvent:
    """The workshop as a calendar event for one participant (call in the reader's locale)."""
    organiser = workshop.organiser
    url = absolute_url("workshops.detail", workshop_id=workshop.id)
    description = pick(workshop.descriptions, reader.locale, reader.second_locale).text
    return ics.CalendarEvent(
        uid=workshop.uid,
        sequence=workshop.sequence,
        start=workshop.starts_at,
        end=workshop.ends_at,
        summary=title_of(workshop, reader.locale, reader.second_locale),
        stamp=workshop.cancelled_at or workshop.published_at or workshop.created_at,
        description="\n\n".join(part for part in (description, url) if part),
        location=place_of(workshop, participant=True),
        url=url,
        organizer=(organiser.name, organiser.email),
        attendees=[(reader.name, reader.email)],
        cancelled=cancelled or workshop.status == "cancelled",
    )


def _load(message: OutboxMessage) -> tuple[Workshop, Registration, User] | None:
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.id == message.payload["registration_id"])
        .options(
            selectinload(Registration.workshop).selectinload(Workshop.organiser),
            selectinload(Registration.user),
        )
        .execution_options(populate_existing=True)
    )
    if registration is None or not registration.user.active:
        return None
    return registration.workshop, registration, registration.user


LEADS = {
    "workshop.registered": lambda w, r: _("You have a place at this event."),
    "workshop.promoted": lambda w, r: _(
        "A place freed up and it is yours now: you are registered for this event."
    ),
    "workshop.unregistered": lambda w, r: _(
        "You are no longer registered for this event. The attached cancellation removes it "
        "from your calendar."
    ),
    "workshop.updated": lambda w, r: _(
        "The time or place of this event has changed. The attached invitation updates your "
        "calendar."
    ),
    "workshop.cancelled": lambda w, r: _(
        "This event is cancelled. The attached cancellation removes it from your calendar."
    ),
    "workshop.reminder": lambda w, r: _("A reminder: this event starts in 24 hours."),
    "workshop.survey": lambda w, r: _(
        "Thank you for taking part. How useful was the event? Your rating and comment take a "
        "minute and help us improve the programme."
    ),
}
SUBJECTS = {
    "workshop.registered": lambda title: _("Registered: %(title)s", title=title),
    "workshop.promoted": lambda title: _("A place is yours: %(title)s", title=title),
    "workshop.unregistered": lambda title: _("Registration cancelled: %(title)s", title=title),
    "workshop.updated": lambda title: _("Changed: %(title)s", title=title),
    "workshop.cancelled": lambda title: _("Cancelled: %(title)s", title=title),
    "workshop.reminder": lambda title: _("Tomorrow: %(title)s", title=title),
    "workshop.survey": lambda title: _("Your feedback on %(title)s", title=title),
}
WITH_INVITATION = {"workshop.registered", "workshop.promoted", "workshop.updated"}
WITH_CANCELLATION = {"workshop.unregistered", "workshop.cancelled"}


def _render(message: OutboxMessage, kind: str) -> EmailMessage | None:
    loaded = _load(message)
    if loaded is None:
        return None
    workshop, registration, reader = loaded
    if kind in (
        "workshop.registered",
        "workshop.promoted",
        "workshop.reminder",
        "workshop.updated",
    ) and (registration.status != "registered" or workshop.status != "published"):
        return None  # no longer true: the person left or the event was cancelled
    if kind == "workshop.waitlisted" and registration.status != "waitlisted":
        return None  # already given a place (that message follows) or left
    with force_locale(reader.locale):
        title = title_of(workshop, reader.locale, reader.second_locale)
        attachments = []
        if kind in WITH_INVITATION:
            data = ics.invitation(calendar_event(workshop, reader))
            attachments.append(("invitation.ics", "text/calendar; method=REQUEST", data))
        elif kind in WITH_CANCELLATION and registration.status != "waitlisted":
            data = ics.cancellation(calendar_event(workshop, reader, cancelled=True))
            attachments.append(("cancellation.ics", "text/calendar; method=CANCEL", data))
        if kind == "workshop.waitlisted":
            lead = _(
                "The event is full, so you are on the waiting list. We will e-mail you "
                "as soon as a place is yours."
            )
            extra = _(
                "Your place on the waiting list: %(position)s",
                position=services.waitlist_position(registration),
            )
            subject = _("Waiting list: %(title)s", title=title)
        elif kind == "workshop.message":
            lead = _("A message from the organiser of this event:")
            extra = message.payload["body"]
            subject = message.payload["subject"]
        else:
            lead, extra = LEADS[kind](workshop, registration), None
            subject = SUBJECTS[kind](title)
        if kind == "workshop.cancelled" and workshop.cancel_reason:
            extra = _("Reason: %(reason)s", reason=workshop.cancel_reason)
    return render_templated(
        reader.email,
        reader.locale,
        "workshop_notice",
        subject,
        attachments=attachments,
        reader=reader,
        workshop=workshop,
        title=title,
        lead=lead,
        extra=extra,
        when=when_in(workshop.starts_at, reader.timezone, reader.locale, end=workshop.ends_at),
        place=place_of(workshop, participant=registration.status == "registered"),
        url=absolute_url("workshops.detail", workshop_id=workshop.id),
        survey=kind == "workshop.survey",
    )


for _kind in (*LEADS, "workshop.waitlisted", "workshop.message"):
    renderer(_kind)(lambda message, kind=_kind: _render(message, kind))


@feed_source
def workshops_in_feed(user: User, now) -> list[ics.CalendarEvent]:
    """The events a user has a place at, and those they organise."""
    from datetime import timedelta

    rows = db.session.scalars(
        select(Workshop)
        .outerjoin(
            Registration,
            (Registration.workshop_id == Workshop.id) & (Registration.user_id == user.id),
        )
        .where(
            Workshop.status == "published",
            Workshop.starts_at > now - timedelta(days=180),
            (Registration.status == "registered") | (Workshop.organiser_id == user.id),
        )
        .options(selectinload(Workshop.organiser))
    )
    return [calendar_event(workshop, user) for workshop in rows]


def calendar_event_for(user: User, workshop: Workshop) -> CalendarEvent:
    """The workshop as a calendar file for `user` (call it in their locale), or a DomainError.

    A participant with a place gets it with the meeting link and themselves as the only
    attendee; the organiser and coordinators get it without attendees. Those on the waiting list
    have no place yet (they get the invitation by e-mail when one is theirs), so like everyone
    else they get nothing: the view answers 404."""
    registration = services.registration_of(user, workshop)
    if registration is not None and registration.status == "registered":
        return calendar_event(workshop, user)
    if services.can_manage(user, workshop):
        event = calendar_event(workshop, user)
        event.attendees = []  # never the participants, and the organiser is not one
        return event
    raise DomainError(_l("You are not registered for this workshop."))
