"""Mentoring rules: profiles, availability, free slots, booking, cancelling, rescheduling,
session notes, ratings and the wait list. Plain functions; `now` is always passed in."""

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from app.accounts.models import User
from app.config import COUNTRIES, LOCALES
from app.core import outbox
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import lazy_ngettext
from app.core.db import begin_write
from app.core.errors import DomainError
from app.core.security import WEB_LINK_NEEDED, is_web_link
from app.core.timeutil import is_valid_timezone
from app.extensions import db

from . import availability as av
from .models import (
    EXPERTISE,
    MODES,
    SESSION_LENGTHS,
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    MentorProfile,
    SlotWaiter,
)

LIVE = ("booked", "held", "missed")  # a cancelled booking frees its slot
REMINDERS = ((24, "reminder-24h"), (1, "reminder-1h"))

SLOT_PROBLEMS = {
    "past": _l("This time has already passed. Please choose another slot."),
    "notice": _l("This slot is too soon: the mentor needs more notice. Please choose a later one."),
    "horizon": _l("This slot is too far ahead. Please choose an earlier one."),
    "outside": _l("The mentor is not available at this time. Please choose one of the free slots."),
    "taken": _l("This slot was just taken. Please choose another one."),
    "day_full": _l("The mentor's day is fully booked. Please choose another day."),
    "week_full": _l("The mentor's week is fully booked. Please choose another week."),
}


# --- profiles and availability ----------------------------------------------------------------


def mentor_profile_of(user: User) -> MentorProfile | None:
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def save_profile(user: User, **values) -> MentorProfile:
    """Create or update the mentor profile of a user who holds the mentor role."""
    if not user.has_role("mentor"):
        raise DomainError(_l("Only mentors have a mentor profile."))
    _check_profile(values)
    profile = mentor_profile_of(user)
    if profile is None:
        profile = MentorProfile(user_id=user.id)
        db.session.add(profile)
    bios = {k: v.strip() for k, v in (values.pop("bios", None) or {}).items() if v and v.strip()}
    profile.bios = bios
    for name, value in values.items():
        setattr(profile, name, value)
    return profile


def _check_profile(values: dict) -> None:
    if values.get("session_minutes") not in SESSION_LENGTHS:
        raise DomainError(_l("Choose a session length of 30, 45, 60 or 90 minutes."))
    if not is_valid_timezone(values.get("timezone", "")):
        raise DomainError(_l("Choose a time zone from the list."), field="timezone")
    if values.get("country") not in COUNTRIES:
        raise DomainError(_l("Choose a country from the list."), field="country")
    if values.get("mode") not in MODES:
        raise DomainError(_l("Choose how sessions are held."), field="mode")
    if values["mode"] == "video" and not values.get("meeting_url"):
        raise DomainError(_l("Give the link of your video meeting room."), field="meeting_url")
    if values.get("meeting_url") and not is_web_link(values["meeting_url"]):
        raise DomainError(WEB_LINK_NEEDED, field="meeting_url")
    if values["mode"] == "phone" and not values.get("phone"):
        raise DomainError(_l("Give the phone number learners should call."), field="phone")
    if values["mode"] == "in_person" and not values.get("address"):
        raise DomainError(_l("Give the address where you meet learners."), field="address")
    if set(values.get("languages", ())) - set(LOCALES) or not values.get("languages"):
        raise DomainError(_l("Choose at least one language you hold sessions in."), "languages")
    if set(values.get("expertise", ())) - set(EXPERTISE):
        raise DomainError(_l("Choose areas of expertise from the list."), field="expertise")
    for name in ("buffer_before", "buffer_after"):
        if not 0 <= values.get(name, 0) <= 120:
            raise DomainError(_l("A buffer is between 0 and 120 minutes."), field=name)
    if not 0 <= values.get("min_notice_hours", 0) <= 24 * 14:
        raise DomainError(_l("The notice is between 0 hours and 14 days."), "min_notice_hours")
    if not 1 <= values.get("horizon_days", 1) <= 365:
        raise DomainError(_l("Learners can book between 1 and 365 days ahead."), "horizon_days")
    for name in ("max_per_day", "max_per_week"):
        if values.get(name) is not None and not 1 <= values[name] <= 100:
            raise DomainError(_l("A limit is between 1 and 100 sessions."), field=name)


def set_weekly_rules(profile: MentorProfile, ranges: dict[int, list[tuple[time, time]]]) -> None:
    """Replace the weekly availability: {weekday: [(start, end), ...]} in the mentor's zone."""
    rules = []
    for weekday, spans in sorted(ranges.items()):
        if weekday not in range(7):
            raise DomainError(_l("Unknown day of the week."))
        ordered = sorted(spans)
        for index, (start, end) in enumerate(ordered):
            if end <= start:
                raise DomainError(_l("Each range must end after it starts."))
            if index and start < ordered[index - 1][1]:
                raise DomainError(_l("Ranges on the same day must not overlap."))
            rules.append(AvailabilityRule(weekday=weekday, start_time=start, end_time=end))
    profile.rules = rules


def add_override(
    profile: MentorProfile,
    day: date,
    available: bool,
    start: time | None,
    end: time | None,
    note: str | None,
    now: datetime,
) -> AvailabilityOverride:
    if day < now.astimezone(ZoneInfo(profile.timezone)).date():
        raise DomainError(_l("Choose today or a later date."), field="day")
    if (start is None) != (end is None):
        raise DomainError(_l("Give both a start and an end time, or neither."), field="end")
    if start is not None and end <= start:
        raise DomainError(_l("The end time must be after the start time."), field="end")
    if available and start is None:
        raise DomainError(_l("Extra hours need a start and an end time."), field="start")
    override = AvailabilityOverride(
        mentor_id=profile.id,
        day=day,
        available=available,
        start_time=start,
        end_time=end,
        note=(note or "").strip() or None,
    )
    profile.overrides.append(override)
    return override


def remove_override(profile: MentorProfile, override_id: int) -> None:
    for override in profile.overrides:
        if override.id == override_id:
            profile.overrides.remove(override)
            return
    raise DomainError(_l("This date is not in your availability."))


# --- slots ------------------------------------------------------------------------------------


def settings_of(profile: MentorProfile) -> av.Settings:
    return av.Settings(
        timezone=profile.timezone,
        session_minutes=profile.session_minutes,
        buffer_before=profile.buffer_before,
        buffer_after=profile.buffer_after,
        min_notice_hours=profile.min_notice_hours,
        horizon_days=profile.horizon_days,
        max_per_day=profile.max_per_day,
        max_per_week=profile.max_per_week,
    )


def weekly_of(profile: MentorProfile) -> dict[int, list[av.Range]]:
    weekly: dict[int, list[av.Range]] = {}
    for rule in profile.rules:
        weekly.setdefault(rule.weekday, []).append((rule.start_time, rule.end_time))
    return weekly


def overrides_of(profile: MentorProfile) -> list[av.Override]:
    return [av.Override(o.day, o.available, o.start_time, o.end_time) for o in profile.overrides]


def _window(profile: MentorProfile, now: datetime) -> tuple[date, date]:
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    return today, today + timedelta(days=profile.horizon_days + 1)


def _taken(mentor_ids: list[int], first: datetime, last: datetime) -> dict[int, av.Calendar]:
    """Live bookings of these mentors between two instants (a week wider, for weekly caps)."""
    calendars = {mentor_id: av.Calendar() for mentor_id in mentor_ids}
    rows = db.session.execute(
        select(Booking.mentor_id, Booking.block_start, Booking.block_end, Booking.starts_at).where(
            Booking.mentor_id.in_(mentor_ids),
            Booking.status.in_(LIVE),
            Booking.block_end > first - timedelta(days=8),
            Booking.block_start < last + timedelta(days=8),
        )
    )
    for mentor_id, start, end, session_start in rows:
        calendars[mentor_id].busy.append((start, end, session_start))
    return calendars


def free_slots(
    profile: MentorProfile,
    now: datetime,
    taken: av.Calendar | None = None,
    limit: int | None = None,
):
    first, last = _window(profile, now)
    if taken is None:
        taken = _taken([profile.id], now, now + timedelta(days=profile.horizon_days + 1))[
            profile.id
        ]
    return av.free_slots(
        settings_of(profile),
        weekly_of(profile),
        overrides_of(profile),
        taken,
        now,
        first,
        last,
        limit,
    )


def next_free_slots(profiles: list[MentorProfile], now: datetime, count: int = 3) -> dict:
    """The next few free slots of each mentor, in a bounded number of queries."""
    if not profiles:
        return {}
    horizon = max(p.horizon_days for p in profiles) + 1
    taken = _taken([p.id for p in profiles], now, now + timedelta(days=horizon))
    return {p.id: free_slots(p, now, taken[p.id], limit=count) for p in profiles}


def slot_problem(profile: MentorProfile, starts_at: datetime, now: datetime) -> str | None:
    """None when a session can be booked at this instant, else why not (a SLOT_PROBLEMS key)."""
    zone = ZoneInfo(profile.timezone)
    day = starts_at.astimezone(zone).date()
    offered = av.candidates(
        settings_of(profile),
        weekly_of(profile),
        overrides_of(profile),
        day - timedelta(days=1),
        day + timedelta(days=1),
    )
    slot = next((s for s in offered if s.start == starts_at), None)
    if slot is None:
        return "past" if starts_at <= now else "outside"
    taken = _taken([profile.id], starts_at, starts_at)[profile.id]
    return av.problem(slot, settings_of(profile), taken, now)


# --- finding mentors --------------------------------------------------------------------------


def find_mentors(
    language: str | None = None,
    expertise: str | None = None,
    country: str | None = None,
    exclude_user_id: int | None = None,
) -> list[MentorProfile]:
    """Published mentors with availability, filtered; JSON lists are filtered in Python."""
    statement = (
        select(MentorProfile)
        .join(User, User.id == MentorProfile.user_id)
        .where(MentorProfile.published, User.active)
        .options(
            # The user comes with the join; the list shows names, not roles: the roles load
            # only if something asks.
            contains_eager(MentorProfile.user).lazyload(User.roles),
            selectinload(MentorProfile.rules),
            selectinload(MentorProfile.overrides),
        )
        .order_by(User.name, MentorProfile.id)
    )
    if country:
        statement = statement.where(MentorProfile.country == country)
    if exclude_user_id:
        statement = statement.where(MentorProfile.user_id != exclude_user_id)
    mentors = db.session.scalars(statement).all()
    return [
        m
        for m in mentors
        if (not language or language in m.languages) and (not expertise or expertise in m.expertise)
    ]


def published_mentor(mentor_id: int) -> MentorProfile | None:
    return db.session.scalar(
        select(MentorProfile)
        .join(User, User.id == MentorProfile.user_id)
        .where(MentorProfile.id == mentor_id, MentorProfile.published, User.active)
        .options(selectinload(MentorProfile.rules), selectinload(MentorProfile.overrides))
    )


# --- booking ----------------------------------------------------------------------------------


def open_bookings_of(learner_id: int, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.learner_id == learner_id,
            Booking.status == "booked",
            Booking.starts_at > now,
        )
    )


def _location(profile: MentorProfile) -> str | None:
    return {"video": profile.meeting_url, "phone": profile.phone, "in_person": profile.address}[
        profile.mode
    ]


def book(
    learner: User,
    mentor_id: int,
    starts_at: datetime,
    topic: str,
    goal: str,
    now: datetime,
    *,
    replacing: Booking | None = None,
) -> Booking:
    """Book a session. Two learners racing for one slot: exactly one gets it, the other is told.

    On SQLite the check and the insert run in one BEGIN IMMEDIATE transaction; on PostgreSQL
    the mentor's row is locked FOR UPDATE, and an exclusion constraint backs it up. The caller
    commits.
    """
    topic = (topic or "").strip()
    if not topic:
        raise DomainError(_l("Say in a few words what the session is about."), field="topic")
    if len(topic) > 200:
        raise DomainError(_l("Keep the topic under 200 characters."), field="topic")
    if starts_at.tzinfo is None:
        raise ValueError("naive datetime")
    begin_write(db.session)
    profile = db.session.scalar(
        select(MentorProfile)
        .join(User, User.id == MentorProfile.user_id)
        .where(MentorProfile.id == mentor_id, MentorProfile.published, User.active)
        .with_for_update(of=MentorProfile)
    )
    if profile is None:
        raise DomainError(_l("This mentor cannot be booked."))
    if profile.user_id == learner.id:
        raise DomainError(_l("You cannot book a session with yourself."))
    limit = current_app.config["MENTORING_MAX_OPEN_BOOKINGS"]
    open_count = open_bookings_of(learner.id, now)  # a session being moved is cancelled already
    if open_count >= limit:
        raise DomainError(
            _l(
                "You already have %(count)s upcoming sessions, the most we allow at once so "
                "that every learner gets a turn. Cancel one or wait until after it.",
                count=limit,
            )
        )
    reason = slot_problem(profile, starts_at, now)
    if reason:
        raise DomainError(SLOT_PROBLEMS[reason])
    settings = settings_of(profile)
    slot = av.Slot(starts_at, starts_at + timedelta(minutes=profile.session_minutes))
    block_start, block_end = slot.block(settings)
    learner_clash = db.session.scalar(
        select(Booking.id).where(
            Booking.learner_id == learner.id,
            Booking.status == "booked",
            Booking.starts_at < slot.end,
            Booking.ends_at > slot.start,
            Booking.id != (replacing.id if replacing else -1),
        )
    )
    if learner_clash:
        raise DomainError(_l("You already have a session at this time."))
    booking = Booking(
        uid=f"{secrets.token_hex(12)}@doimpact.eu",
        mentor_id=profile.id,
        learner_id=learner.id,
        starts_at=slot.start,
        ends_at=slot.end,
        block_start=block_start,
        block_end=block_end,
        topic=topic,
        goal=(goal or "").strip(),
        mode=profile.mode,
        location=_location(profile),
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as error:  # the database's own guard against a double booking
        raise DomainError(SLOT_PROBLEMS["taken"]) from error
    _plan_booked(booking, profile, now)
    return booking


def _plan_booked(booking: Booking, profile: MentorProfile, now: datetime) -> None:
    for role, user_id in (("learner", booking.learner_id), ("mentor", profile.user_id)):
        outbox.plan(
            f"booking:{booking.id}:s{booking.sequence}:confirmed:{role}",
            "booking.confirmed",
            now,
            user_id=user_id,
            payload={"booking_id": booking.id, "role": role},
        )
        for hours, name in REMINDERS:
            due = booking.starts_at - timedelta(hours=hours)
            if due > now:  # a reminder whose moment passed at booking time is not sent late
                outbox.plan(
                    f"booking:{booking.id}:s{booking.sequence}:{name}:{role}",
                    "booking.reminder",
                    due,
                    user_id=user_id,
                    payload={"booking_id": booking.id, "role": role, "hours": hours},
                )


# --- access to one booking --------------------------------------------------------------------


def booking_for(user: User, booking_id: int) -> tuple[Booking, str]:
    """The booking and the user's side of it ('learner' or 'mentor'); anyone else is refused."""
    booking = db.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(selectinload(Booking.mentor).selectinload(MentorProfile.user))
    )
    if booking is not None:
        if booking.learner_id == user.id:
            return booking, "learner"
        if booking.mentor.user_id == user.id:
            return booking, "mentor"
    raise DomainError(_l("This session does not exist or is not yours."))


def cancel_deadline(booking: Booking) -> datetime:
    hours = current_app.config["MENTORING_CANCEL_NOTICE_HOURS"]
    return booking.starts_at - timedelta(hours=hours)


def cancel(booking: Booking, side: str, by: User, reason: str, now: datetime) -> None:
    """Cancel a session: the other side is told, reminders are withdrawn, waiters notified."""
    if booking.status != "booked":
        raise DomainError(_l("Only an upcoming session can be cancelled."))
    if booking.starts_at <= now:
        raise DomainError(_l("This session has already started."))
    reason = (reason or "").strip()
    if side == "mentor" and not reason:
        raise DomainError(_l("Tell the learner why you cancel."), field="reason")
    if side == "learner" and now > cancel_deadline(booking):
        raise DomainError(
            lazy_ngettext(
                "Sessions can be cancelled or moved up to %(num)d hour before they start. "
                "Please write to your mentor instead.",
                "Sessions can be cancelled or moved up to %(num)d hours before they start. "
                "Please write to your mentor instead.",
                current_app.config["MENTORING_CANCEL_NOTICE_HOURS"],
            )
        )
    begin_write(db.session)
    booking.status = "cancelled"
    booking.sequence += 1
    booking.cancelled_at = now
    booking.cancelled_by_id = by.id
    booking.cancel_reason = reason or None
    outbox.void(f"booking:{booking.id}:")
    for role, user_id in (("learner", booking.learner_id), ("mentor", booking.mentor.user_id)):
        outbox.plan(
            f"booking:{booking.id}:s{booking.sequence}:cancelled:{role}",
            "booking.cancelled",
            now,
            user_id=user_id,
            payload={"booking_id": booking.id, "role": role, "by": side},
        )
    _tell_next_waiter(booking.mentor_id, now)


def reschedule(booking: Booking, learner: User, starts_at: datetime, now: datetime) -> Booking:
    """Move a learner's session: the old one is cancelled (its invitation withdrawn) and a new
    one booked, in one transaction; if the new slot is not free, nothing changes."""
    if starts_at == booking.starts_at:
        raise DomainError(_l("Choose a different time."))
    mentor_id, topic, goal = booking.mentor_id, booking.topic, booking.goal
    begin_write(db.session)  # one transaction: the caller rolls back if the new slot fails
    cancel(booking, "learner", learner, "", now)
    new = book(learner, mentor_id, starts_at, topic, goal, now, replacing=booking)
    booking.rescheduled_to_id = new.id
    return new


# --- after the session ------------------------------------------------------------------------


def mark(booking: Booking, side: str, status: str, now: datetime) -> None:
    if side != "mentor":
        raise DomainError(_l("Only the mentor can do this."))
    if status not in ("held", "missed"):
        raise DomainError(_l("Unknown session status."))
    if booking.status == "cancelled":
        raise DomainError(_l("This session was cancelled."))
    if booking.starts_at > now:
        raise DomainError(_l("A session can be marked once it has started."))
    booking.status = status


def save_notes(booking: Booking, side: str, shared: str, actions: str, private: str) -> None:
    if side != "mentor":
        raise DomainError(_l("Only the mentor can do this."))
    if booking.status == "cancelled":
        raise DomainError(_l("This session was cancelled."))
    booking.notes_shared = (shared or "").strip()
    booking.action_items = (actions or "").strip()
    booking.notes_private = (private or "").strip()


def rate(booking: Booking, side: str, rating: int, comment: str, now: datetime) -> None:
    if side != "learner":
        raise DomainError(_l("Only the learner can rate a session."))
    if booking.status != "held":
        raise DomainError(_l("You can rate a session once your mentor has marked it as held."))
    if rating not in range(1, 6):
        raise DomainError(_l("Choose a rating from 1 to 5."), field="rating")
    booking.rating = rating
    booking.comment = (comment or "").strip() or None
    booking.rated_at = now


# --- lists ------------------------------------------------------------------------------------


def sessions_of_learner(learner: User, now: datetime) -> tuple[list[Booking], list[Booking]]:
    """(upcoming, past) sessions of a learner, with their mentors, in two queries at most."""
    rows = db.session.scalars(
        select(Booking)
        .where(Booking.learner_id == learner.id)
        .options(selectinload(Booking.mentor).selectinload(MentorProfile.user))
        .order_by(Booking.starts_at)
    ).all()
    upcoming = [b for b in rows if b.status == "booked" and b.ends_at > now]
    past = [b for b in rows if b not in upcoming]
    return upcoming, list(reversed(past))


def sessions_of_mentor(profile: MentorProfile, now: datetime):
    rows = db.session.scalars(
        select(Booking)
        .where(Booking.mentor_id == profile.id)
        .options(selectinload(Booking.learner))
        .order_by(Booking.starts_at)
    ).all()
    upcoming = [b for b in rows if b.status == "booked" and b.ends_at > now]
    past = [b for b in rows if b not in upcoming]
    return upcoming, list(reversed(past))


# --- the wait list ----------------------------------------------------------------------------


def wait_for_slot(learner: User, mentor_id: int, now: datetime) -> SlotWaiter:
    profile = published_mentor(mentor_id)
    if profile is None:
        raise DomainError(_l("This mentor cannot be booked."))
    if free_slots(profile, now):
        raise DomainError(_l("This mentor has free slots: book one now."))
    existing = db.session.scalar(
        select(SlotWaiter).where(
            SlotWaiter.mentor_id == mentor_id,
            SlotWaiter.learner_id == learner.id,
            SlotWaiter.notified_at.is_(None),
        )
    )
    if existing:
        return existing
    waiter = SlotWaiter(mentor_id=mentor_id, learner_id=learner.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(waiter)
    except IntegrityError:  # asked twice at the same moment
        return db.session.scalar(
            select(SlotWaiter).where(
                SlotWaiter.mentor_id == mentor_id,
                SlotWaiter.learner_id == learner.id,
                SlotWaiter.notified_at.is_(None),
            )
        )
    return waiter


def _tell_next_waiter(mentor_id: int, now: datetime) -> None:
    """A slot freed up: tell the learner who has waited longest (first come, first served)."""
    waiter = db.session.scalar(
        select(SlotWaiter)
        .where(SlotWaiter.mentor_id == mentor_id, SlotWaiter.notified_at.is_(None))
        .order_by(SlotWaiter.created_at, SlotWaiter.id)
        .limit(1)
    )
    if waiter is None:
        return
    waiter.notified_at = now
    outbox.plan(
        f"waiter:{waiter.id}:slot-free",
        "mentor.slot-free",
        now,
        user_id=waiter.learner_id,
        payload={"mentor_id": mentor_id},
    )
