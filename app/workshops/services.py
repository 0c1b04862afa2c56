"""Workshop rules: creating and publishing, registration with a first-come-first-served waiting
list, attendance, surveys, messages to participants and material. `now` is always passed in."""

import csv
import io
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only, selectinload

from app.accounts.models import Organisation, User
from app.config import COUNTRIES, LOCALES
from app.core import outbox
from app.core.catalogs import lazy_gettext as _l
from app.core.db import begin_write
from app.core.errors import DomainError
from app.core.pagination import Page, paginate
from app.core.security import WEB_LINK_NEEDED, is_web_link
from app.core.text import ONE_LINE_NEEDED, csv_cell, is_one_line
from app.core.timeutil import is_valid_timezone
from app.extensions import db

from . import files
from .models import KINDS, MODES, Material, Registration, Workshop

LIVE = ("registered", "waitlisted")


def can_manage(user: User | None, workshop: Workshop) -> bool:
    """The organiser (a trainer) and coordinators manage a workshop."""
    if user is None or not user.is_authenticated:
        return False
    return user.has_role("coordinator") or (
        user.has_role("trainer") and workshop.organiser_id == user.id
    )


def _check_manager(user: User, workshop: Workshop) -> None:
    if not can_manage(user, workshop):
        raise DomainError(_l("Only the organiser or a coordinator can do this."))


# --- creating, editing, publishing, cancelling ------------------------------------------------


def _check(values: dict, now: datetime, creating: bool) -> None:
    titles = {k: v for k, v in values["titles"].items() if v}
    if not titles:
        raise DomainError(_l("Give the workshop a title in at least one language."), "title_en")
    if set(values["titles"]) - set(LOCALES) or values["language"] not in LOCALES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    for code, title in titles.items():  # a title becomes a mail subject: one line only
        if not is_one_line(title):
            raise DomainError(ONE_LINE_NEEDED, field=f"title_{code}")
    if values["kind"] not in KINDS:
        raise DomainError(_l("Choose a kind of event from the list."), field="kind")
    if values["mode"] not in MODES:
        raise DomainError(_l("Choose online or in person."), field="mode")
    if values["mode"] == "online" and not values.get("meeting_url"):
        raise DomainError(_l("Give the meeting link for an online event."), "meeting_url")
    if values.get("meeting_url") and not is_web_link(values["meeting_url"]):
        raise DomainError(WEB_LINK_NEEDED, field="meeting_url")
    if values["mode"] == "in_person" and not (values.get("venue") and values.get("address")):
        raise DomainError(_l("Give the venue and address of an event in person."), "venue")
    if values["country"] not in COUNTRIES:
        raise DomainError(_l("Choose a country from the list."), field="country")
    if not is_valid_timezone(values["timezone"]):
        raise DomainError(_l("Choose a time zone from the list."), field="timezone")
    if values["ends_at"] <= values["starts_at"]:
        raise DomainError(_l("The event must end after it starts."), field="end")
    if creating and values["starts_at"] <= now:
        raise DomainError(_l("Choose a start in the future."), field="day")
    if not 1 <= values["capacity"] <= 10000:
        raise DomainError(_l("The capacity is between 1 and 10,000 places."), "capacity")
    if values["registration_deadline"] > values["starts_at"]:
        raise DomainError(_l("Registration must close before the event starts."), "deadline")
    if set(values["audience_countries"]) - set(COUNTRIES):
        raise DomainError(_l("Choose countries from the list."), "audience_countries")


def save_workshop(user: User, workshop: Workshop | None, now: datetime, **values) -> Workshop:
    """Create a draft, or edit one; a change of time or place is sent to every participant."""
    if not (user.has_role("trainer") or user.has_role("coordinator")):
        raise DomainError(_l("Only trainers and coordinators can organise workshops."))
    _check(values, now, creating=workshop is None)
    values["titles"] = {k: v.strip() for k, v in values["titles"].items() if v and v.strip()}
    values["descriptions"] = {
        k: v.strip() for k, v in values["descriptions"].items() if v and v.strip()
    }
    if workshop is None:
        workshop = Workshop(
            uid=f"workshop-{secrets.token_hex(10)}@doimpact.eu",
            organiser_id=user.id,
            status="draft",
            created_at=now,
        )
        db.session.add(workshop)
        moved = False
    else:
        _check_manager(user, workshop)
        if workshop.status == "cancelled":
            raise DomainError(_l("A cancelled workshop cannot be changed."))
        if values["capacity"] < workshop.seats_taken:
            raise DomainError(
                _l(
                    "%(count)s people already have a place: the capacity cannot be lower.",
                    count=workshop.seats_taken,
                ),
                field="capacity",
            )
        moved = any(
            getattr(workshop, name) != values[name]
            for name in ("starts_at", "ends_at", "mode", "meeting_url", "venue", "address")
        )
    for name, value in values.items():
        setattr(workshop, name, value)
    db.session.flush()
    if moved and workshop.status == "published":
        workshop.sequence += 1
        _tell_everyone(workshop, "workshop.updated", now, statuses=("registered",))
        outbox.void(f"workshop:{workshop.id}:reminder:")
        for registration in _registrations(workshop, ("registered",)):
            _plan_reminder(workshop, registration, now)
    if workshop.status == "published":
        _promote(workshop, now)  # a larger capacity gives places to those waiting
    return workshop


def publish(user: User, workshop: Workshop, now: datetime) -> None:
    _check_manager(user, workshop)
    if workshop.status != "draft":
        raise DomainError(_l("Only a draft can be published."))
    if workshop.starts_at <= now:
        raise DomainError(_l("This workshop is in the past: change its date first."))
    workshop.status = "published"
    workshop.published_at = now


def cancel_workshop(user: User, workshop: Workshop, reason: str, now: datetime) -> int:
    """Cancel: every registered and waiting person is told; returns how many."""
    _check_manager(user, workshop)
    if workshop.status == "cancelled":
        raise DomainError(_l("This workshop is already cancelled."))
    if workshop.ends_at <= now:
        raise DomainError(_l("This workshop has already taken place."))
    begin_write(db.session)
    was_published = workshop.status == "published"
    workshop.status = "cancelled"
    workshop.cancelled_at = now
    workshop.cancel_reason = (reason or "").strip() or None
    workshop.sequence += 1
    outbox.void(f"workshop:{workshop.id}:")
    if not was_published:
        return 0
    return _tell_everyone(workshop, "workshop.cancelled", now, statuses=LIVE)


def _registrations(workshop: Workshop, statuses) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.workshop_id == workshop.id, Registration.status.in_(statuses))
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def _tell_everyone(workshop: Workshop, kind: str, now: datetime, statuses) -> int:
    people = _registrations(workshop, statuses)
    for registration in people:
        outbox.plan(
            f"workshop:{workshop.id}:s{workshop.sequence}:{kind}:u{registration.user_id}",
            kind,
            now,
            user_id=registration.user_id,
            payload={"workshop_id": workshop.id, "registration_id": registration.id},
        )
    return len(people)


# --- who sees what ----------------------------------------------------------------------------


def visible(user: User | None, workshop: Workshop) -> bool:
    """Drafts only for trainers and coordinators; the rest for everyone."""
    if workshop.status == "draft":
        return (
            user is not None
            and user.is_authenticated
            and (user.has_role("trainer") or user.has_role("coordinator"))
        )
    return True


def in_audience(user: User, workshop: Workshop) -> bool:
    return audience_check(user)(workshop)


def audience_check(user: User):
    """A test of whether a workshop is open to the user, with the user's network looked up
    once (for a list of workshops)."""
    # Only a granted membership counts: choosing an organisation on the profile is a request.
    organisation_id = user.member_organisation_id
    parent = None

    def check(workshop: Workshop) -> bool:
        nonlocal parent
        if not workshop.audience_organisations and not workshop.audience_countries:
            return True
        if user.country in workshop.audience_countries:
            return True
        organisations = set(workshop.audience_organisations)
        if organisation_id in organisations:
            return True
        if organisation_id is None:
            return False
        if parent is None:
            parent = (
                db.session.scalar(
                    select(Organisation.parent_id).where(Organisation.id == organisation_id)
                )
                or 0
            )
        return parent in organisations  # members of a network's member organisations

    return check


def get_workshop(workshop_id: int, user: User | None) -> Workshop | None:
    workshop = db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id).options(selectinload(Workshop.organiser))
    )
    return workshop if workshop is not None and visible(user, workshop) else None


def list_workshops(
    user: User | None,
    now: datetime,
    page: int,
    per_page: int,
    *,
    language: str | None = None,
    country: str | None = None,
    mode: str | None = None,
    kind: str | None = None,
    past: bool = False,
) -> Page:
    # Only what the list's cards show (workshops/_card.html): no organiser, no descriptions
    # in seven languages; touching anything else raises instead of reading each row again.
    statement = select(Workshop).options(
        load_only(
            Workshop.titles,
            Workshop.status,
            Workshop.kind,
            Workshop.mode,
            Workshop.country,
            Workshop.language,
            Workshop.starts_at,
            Workshop.ends_at,
            Workshop.capacity,
            Workshop.seats_taken,
            raiseload=True,
        )
    )
    if past:
        statement = statement.where(Workshop.ends_at <= now).order_by(Workshop.starts_at.desc())
    else:
        statement = statement.where(Workshop.ends_at > now).order_by(Workshop.starts_at)
    manager = (
        user is not None
        and user.is_authenticated
        and (user.has_role("trainer") or user.has_role("coordinator"))
    )
    statement = statement.where(
        Workshop.status.in_(
            ("draft", "published", "cancelled") if manager else ("published", "cancelled")
        )
    )
    if language:
        statement = statement.where(Workshop.language == language)
    if country:
        statement = statement.where(Workshop.country == country)
    if mode:
        statement = statement.where(Workshop.mode == mode)
    if kind:
        statement = statement.where(Workshop.kind == kind)
    return paginate(statement.order_by(Workshop.id), page, per_page)


def workshops_between(user: User | None, first: datetime, last: datetime) -> list[Workshop]:
    """Events starting between two instants, for the month view (one query)."""
    statuses = (
        ("draft", "published", "cancelled")
        if (
            user is not None
            and user.is_authenticated
            and (user.has_role("trainer") or user.has_role("coordinator"))
        )
        else ("published", "cancelled")
    )
    return list(
        db.session.scalars(
            select(Workshop)
            .where(
                Workshop.starts_at >= first,
                Workshop.starts_at < last,
                Workshop.status.in_(statuses),
            )
            .order_by(Workshop.starts_at)
        )
    )


# --- registration and the waiting list --------------------------------------------------------


def registration_of(user: User, workshop: Workshop) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id
        )
    )


def registrations_of(user: User, workshop_ids: list[int]) -> dict[int, Registration]:
    if not workshop_ids:
        return {}
    rows = db.session.scalars(
        select(Registration).where(
            Registration.user_id == user.id, Registration.workshop_id.in_(workshop_ids)
        )
    )
    return {row.workshop_id: row for row in rows}


def waitlist_position(registration: Registration) -> int:
    """1 for the first person waiting (first come, first served)."""
    return 1 + db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.workshop_id == registration.workshop_id,
            Registration.status == "waitlisted",
            or_(
                Registration.queued_at < registration.queued_at,
                and_(
                    Registration.queued_at == registration.queued_at,
                    Registration.id < registration.id,
                ),
            ),
        )
    )


def _take_seat(workshop_id: int) -> bool:
    """One place, if one is left: a conditional UPDATE, so racing requests never overfill."""
    result = db.session.execute(
        update(Workshop)
        .where(
            Workshop.id == workshop_id,
            Workshop.status == "published",
            Workshop.seats_taken < Workshop.capacity,
        )
        .values(seats_taken=Workshop.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seat(workshop_id: int) -> None:
    db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.seats_taken > 0)
        .values(seats_taken=Workshop.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%f")


def _plan(workshop: Workshop, registration: Registration, kind: str, now: datetime) -> None:
    outbox.plan(
        f"workshop:{workshop.id}:u{registration.user_id}:{_stamp(now)}:{kind}",
        kind,
        now,
        user_id=registration.user_id,
        payload={"workshop_id": workshop.id, "registration_id": registration.id},
    )


def _plan_reminder(workshop: Workshop, registration: Registration, now: datetime) -> None:
    due = workshop.starts_at - timedelta(hours=24)
    if due > now:
        outbox.plan(
            f"workshop:{workshop.id}:reminder:u{registration.user_id}:s{workshop.sequence}:"
            f"{_stamp(registration.promoted_at or registration.queued_at)}",
            "workshop.reminder",
            due,
            user_id=registration.user_id,
            payload={"workshop_id": workshop.id, "registration_id": registration.id},
        )


def register(user: User, workshop_id: int, now: datetime) -> Registration:
    """A place if one is left, else a place on the waiting list. The caller commits."""
    begin_write(db.session)
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    if workshop is None or workshop.status != "published":
        raise DomainError(_l("This workshop is not open for registration."))
    if now >= workshop.registration_deadline:
        raise DomainError(_l("Registration for this workshop has closed."))
    if not in_audience(user, workshop):
        raise DomainError(
            _l("This workshop is for members of certain organisations or countries only.")
        )
    registration = registration_of(user, workshop)
    if registration is not None and registration.status in LIVE:
        raise DomainError(_l("You are already registered for this workshop."))
    status = "registered" if _take_seat(workshop.id) else "waitlisted"
    if registration is None:
        registration = Registration(workshop_id=workshop.id, user_id=user.id, created_at=now)
    registration.status = status
    registration.queued_at = now
    registration.promoted_at = None
    registration.cancelled_at = None
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as error:  # the same person clicked twice at once
        raise DomainError(_l("You are already registered for this workshop.")) from error
    if status == "registered":
        _plan(workshop, registration, "workshop.registered", now)
        _plan_reminder(workshop, registration, now)
    else:
        _plan(workshop, registration, "workshop.waitlisted", now)
    return registration


def unregister(user: User, workshop_id: int, now: datetime) -> None:
    """Give the place back; the first person waiting gets it and is told."""
    begin_write(db.session)
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    registration = registration_of(user, workshop) if workshop else None
    if registration is None or registration.status not in LIVE:
        raise DomainError(_l("You are not registered for this workshop."))
    if workshop.ends_at <= now:
        raise DomainError(_l("This workshop has already taken place."))
    had_place = registration.status == "registered"
    registration.status = "cancelled"
    registration.cancelled_at = now
    if had_place:
        _free_seat(workshop.id)
        outbox.void(f"workshop:{workshop.id}:reminder:u{user.id}:")
        _plan(workshop, registration, "workshop.unregistered", now)
        _promote(workshop, now)


def _promote(workshop: Workshop, now: datetime) -> int:
    """Fill free places from the waiting list in order, until the deadline closes it."""
    if workshop.status != "published" or now >= workshop.registration_deadline:
        return 0
    promoted = 0
    for registration in _registrations(workshop, ("waitlisted",)):
        if not _take_seat(workshop.id):
            break
        registration.status = "registered"
        registration.promoted_at = now
        _plan(workshop, registration, "workshop.promoted", now)
        _plan_reminder(workshop, registration, now)
        promoted += 1
    return promoted


# --- after the event --------------------------------------------------------------------------


def participants(workshop: Workshop) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.workshop_id == workshop.id, Registration.status.in_(LIVE))
            .options(selectinload(Registration.user).selectinload(User.organisation))
            .order_by(Registration.status, Registration.queued_at, Registration.id)
        )
    )


def mark_attendance(user: User, workshop: Workshop, marks: dict[int, str], now: datetime) -> int:
    """{registration id: 'attended' | 'absent' | ''}; attendees are asked for feedback once."""
    _check_manager(user, workshop)
    if workshop.starts_at > now:
        raise DomainError(_l("Attendance can be marked once the event has started."))
    changed = 0
    for registration in _registrations(workshop, ("registered",)):
        if registration.id not in marks:
            continue
        value = marks[registration.id] or None
        if value not in (None, "attended", "absent"):
            raise DomainError(_l("Unknown attendance value."))
        if registration.attendance != value:
            registration.attendance = value
            changed += 1
            if value == "attended":
                outbox.plan(
                    f"workshop:{workshop.id}:u{registration.user_id}:survey",
                    "workshop.survey",
                    now,
                    user_id=registration.user_id,
                    payload={"workshop_id": workshop.id, "registration_id": registration.id},
                )
    return changed


def rate(user: User, workshop: Workshop, rating: int, comment: str, now: datetime) -> None:
    registration = registration_of(user, workshop)
    if registration is None or registration.attendance != "attended":
        raise DomainError(_l("Feedback is for people who attended the event."))
    if rating not in range(1, 6):
        raise DomainError(_l("Choose a rating from 1 to 5."), field="rating")
    registration.rating = rating
    registration.comment = (comment or "").strip() or None
    registration.rated_at = now


def message_participants(
    user: User, workshop: Workshop, subject: str, body: str, now: datetime
) -> int:
    _check_manager(user, workshop)
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise DomainError(_l("Write a subject and a message."), field="subject")
    if not is_one_line(subject):  # a line break in a mail subject would add headers
        raise DomainError(ONE_LINE_NEEDED, field="subject")
    people = _registrations(workshop, ("registered",))
    for registration in people:
        outbox.plan(
            f"workshop:{workshop.id}:message:{_stamp(now)}:u{registration.user_id}",
            "workshop.message",
            now,
            user_id=registration.user_id,
            payload={
                "workshop_id": workshop.id,
                "registration_id": registration.id,
                "subject": subject[:200],
                "body": body[:5000],
                "sender_id": user.id,
            },
        )
    return len(people)


def registrations_csv(user: User, workshop: Workshop, headers: list[str]) -> str:
    _check_manager(user, workshop)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for registration in participants(workshop):
        person = registration.user
        writer.writerow(
            csv_cell(value)
            for value in (
                person.name,
                person.email,
                person.organisation.name if person.organisation else "",
                person.country,
                registration.status,
                registration.queued_at.isoformat(timespec="minutes"),
                registration.attendance or "",
            )
        )
    return out.getvalue()


# --- material ---------------------------------------------------------------------------------


def upload_folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def add_material(
    user: User,
    stream,
    filename: str,
    *,
    title: str,
    language: str,
    participants_only: bool,
    now: datetime,
    workshop: Workshop | None = None,
    module_id: int | None = None,
) -> Material:
    if workshop is not None:
        _check_manager(user, workshop)
    elif not (user.has_role("trainer") or user.has_role("coordinator")):
        raise DomainError(_l("Only trainers and coordinators can publish material."))
    if (workshop is None) == (module_id is None):
        raise ValueError("material belongs to a workshop or to a course module")
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the material a title."), field="title")
    if language not in LOCALES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    stored = files.store(
        stream, filename, upload_folder(), current_app.config["MATERIAL_MAX_BYTES"]
    )
    material = Material(
        workshop_id=workshop.id if workshop else None,
        module_id=module_id,
        title=title[:200],
        language=language,
        participants_only=participants_only,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=user.id,
        created_at=now,
    )
    db.session.add(material)
    return material


def materials_for(
    user: User | None, workshop: Workshop, registration: Registration | None
) -> list[Material]:
    """The workshop's files this person may download (one query, whatever their number)."""
    allowed_all = can_manage(user, workshop) or (
        registration is not None and registration.status == "registered"
    )
    statement = select(Material).where(Material.workshop_id == workshop.id)
    if not allowed_all:
        statement = statement.where(Material.participants_only.is_(False))
    return list(db.session.scalars(statement.order_by(Material.id)))


def module_materials(module_ids: list[int]) -> dict[int, list[Material]]:
    found: dict[int, list[Material]] = {}
    if module_ids:
        for material in db.session.scalars(
            select(Material).where(Material.module_id.in_(module_ids)).order_by(Material.id)
        ):
            found.setdefault(material.module_id, []).append(material)
    return found


def may_download(user: User | None, material: Material) -> bool:
    signed_in = user is not None and user.is_authenticated
    if material.workshop_id is not None:
        workshop = db.session.get(Workshop, material.workshop_id)
        if signed_in and can_manage(user, workshop):
            return True
        if not visible(user, workshop):
            return False
        if not material.participants_only:
            return True
        registration = registration_of(user, workshop) if signed_in else None
        return registration is not None and registration.status == "registered"
    if not material.participants_only:
        return True
    if not signed_in:
        return False
    if user.has_role("trainer") or user.has_role("coordinator"):
        return True
    from app.courses.models import Enrolment, Module

    course_id = db.session.scalar(select(Module.course_id).where(Module.id == material.module_id))
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course_id
            )
        )
        is not None
    )


def material_file(user: User | None, material_id: int) -> tuple[Material, Path]:
    material = db.session.get(Material, material_id)
    if material is None or not may_download(user, material):
        raise DomainError(_l("This file does not exist or is not available to you."))
    return material, files.blob_path(upload_folder(), material.sha256)


def remove_material(user: User, material_id: int) -> Material:
    material = db.session.get(Material, material_id)
    if material is None:
        raise DomainError(_l("This file does not exist or is not available to you."))
    workshop = db.session.get(Workshop, material.workshop_id) if material.workshop_id else None
    if workshop is not None:
        _check_manager(user, workshop)
    elif not (user.has_role("trainer") or user.has_role("coordinator")):
        raise DomainError(_l("Only trainers and coordinators can publish material."))
    db.session.delete(material)  # the stored bytes stay: another material may share them
    return material


def my_workshops(user: User, now: datetime) -> list[tuple[Workshop, Registration]]:
    rows = db.session.execute(
        select(Workshop, Registration)
        .join(Registration, Registration.workshop_id == Workshop.id)
        .where(Registration.user_id == user.id, Registration.status.in_(LIVE))
        .order_by(Workshop.starts_at)
    ).all()
    return [(w, r) for w, r in rows]
