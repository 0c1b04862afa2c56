"""Registration, the first-come-first-served waiting list, cancelling and moving an event, and
the messages each sends exactly once; concurrent registrations never exceed capacity."""

import threading
from collections import Counter
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage
from app.workshops import services
from app.workshops.models import Registration, Workshop
from tests.conftest import in_app


def person(user_id) -> User:
    return db.session.get(User, user_id)


def sent_to(outbox, email) -> list[str]:
    return [m["Subject"] for m in outbox if m["To"] == email]


def calendar_of(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), icalendar.Calendar.from_ical(part.get_content())


def test_register_until_full_then_wait_then_get_the_freed_place(
    app, ctx, make_user, make_workshop, outbox
):
    _organiser, workshop_id = make_workshop(capacity=2)
    people = [person(make_user(email=f"p{i}@example.org")) for i in range(4)]
    now = utcnow()
    statuses = []
    for index, someone in enumerate(people):
        statuses.append(
            services.register(someone, workshop_id, now + timedelta(seconds=index)).status
        )
        db.session.commit()
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    third, fourth = (
        services.registration_of(p, db.session.get(Workshop, workshop_id)) for p in people[2:]
    )
    assert (services.waitlist_position(third), services.waitlist_position(fourth)) == (1, 2)
    with pytest.raises(DomainError, match="already registered"):
        services.register(people[0], workshop_id, now)
    db.session.rollback()
    notifications.dispatch_due(now + timedelta(minutes=1))
    outbox.clear()
    services.unregister(people[0], workshop_id, now + timedelta(minutes=2))
    db.session.commit()
    workshop = db.session.get(Workshop, workshop_id, populate_existing=True)
    assert workshop.seats_taken == 2
    db.session.refresh(third)
    assert third.status == "registered" and services.waitlist_position(fourth) == 1
    notifications.dispatch_due(now + timedelta(minutes=3))
    assert len(sent_to(outbox, people[0].email)) == 1  # the cancellation, with METHOD:CANCEL
    [left] = [m for m in outbox if m["To"] == people[0].email]
    assert calendar_of(left)[0] == "CANCEL"
    [promoted] = [m for m in outbox if m["To"] == people[2].email]
    method, calendar = calendar_of(promoted)
    assert method == "REQUEST" and str(calendar.walk("VEVENT")[0]["UID"]) == workshop.uid
    assert sent_to(outbox, people[3].email) == []  # still waiting: no news yet
    notifications.dispatch_due(now + timedelta(minutes=4))
    assert len(outbox) == 2  # once each


def test_the_waiting_list_closes_with_registration(app, ctx, make_user, make_workshop):
    _organiser, workshop_id = make_workshop(capacity=1)
    first, second = person(make_user()), person(make_user())
    now = utcnow()
    services.register(first, workshop_id, now)
    services.register(second, workshop_id, now + timedelta(seconds=1))
    db.session.commit()
    workshop = db.session.get(Workshop, workshop_id)
    after = workshop.registration_deadline + timedelta(minutes=1)
    services.unregister(first, workshop_id, after)
    db.session.commit()
    assert services.registration_of(second, workshop).status == "waitlisted"  # not promoted
    with pytest.raises(DomainError, match="has closed"):
        services.register(person(make_user()), workshop_id, after)


def test_audience_and_drafts(app, ctx, make_user, make_workshop, make_org):
    member_org = make_org(country="LV")
    _organiser, restricted = make_workshop(
        audience_countries=["LT"], audience_organisations=[member_org]
    )
    outsider = person(make_user(country="IT"))
    member = person(make_user(country="IT"))
    member.organisation_id = member_org
    member.organisation_granted_at = utcnow()
    lithuanian = person(make_user(country="LT"))
    db.session.commit()
    with pytest.raises(DomainError, match="certain organisations or countries"):
        services.register(outsider, restricted, utcnow())
    db.session.rollback()
    assert services.register(member, restricted, utcnow()).status == "registered"
    assert services.register(lithuanian, restricted, utcnow()).status == "registered"
    db.session.commit()
    trainer, draft = make_workshop(publish=False)
    assert services.get_workshop(draft, person(outsider.id)) is None
    assert services.get_workshop(draft, person(trainer)) is not None
    with pytest.raises(DomainError, match="not open for registration"):
        services.register(person(outsider.id), draft, utcnow())


def test_cancelling_tells_everyone_once_with_a_calendar_cancellation(
    app, ctx, make_user, make_workshop, outbox
):
    organiser, workshop_id = make_workshop(capacity=1)
    registered, waiting = person(make_user()), person(make_user())
    now = utcnow()
    services.register(registered, workshop_id, now)
    services.register(waiting, workshop_id, now + timedelta(seconds=1))
    db.session.commit()
    notifications.dispatch_due(now + timedelta(minutes=1))
    outbox.clear()
    workshop = db.session.get(Workshop, workshop_id)
    told = services.cancel_workshop(
        person(organiser), workshop, "The trainer is ill.", now + timedelta(minutes=2)
    )
    db.session.commit()
    assert told == 2
    for moment in (3, 4, 60 * 24 * 30):  # the reminder time passes too: nothing more is sent
        notifications.dispatch_due(now + timedelta(minutes=moment))
    assert sorted(m["To"] for m in outbox) == sorted([registered.email, waiting.email])
    for message in outbox:
        assert "The trainer is ill." in message.get_body(("plain",)).get_content()
    [to_registered] = [m for m in outbox if m["To"] == registered.email]
    method, calendar = calendar_of(to_registered)
    [event] = calendar.walk("VEVENT")
    assert method == "CANCEL" and event["SEQUENCE"] == 1 and str(event["UID"]) == workshop.uid
    [to_waiting] = [m for m in outbox if m["To"] == waiting.email]
    assert list(to_waiting.iter_attachments()) == []  # never in their calendar: nothing to remove


def test_moving_the_event_sends_one_updated_invitation_and_moves_the_reminder(
    app, ctx, make_user, make_workshop, outbox
):
    organiser, workshop_id = make_workshop()
    someone = person(make_user())
    now = utcnow()
    services.register(someone, workshop_id, now)
    db.session.commit()
    notifications.dispatch_due(now)
    outbox.clear()
    workshop = db.session.get(Workshop, workshop_id)
    values = {
        name: getattr(workshop, name)
        for name in (
            "titles",
            "descriptions",
            "language",
            "kind",
            "mode",
            "meeting_url",
            "venue",
            "address",
            "country",
            "timezone",
            "capacity",
            "registration_deadline",
            "audience_countries",
            "audience_organisations",
            "course_keys",
            "digcomp",
        )
    }
    later = workshop.starts_at + timedelta(days=1)
    services.save_workshop(
        person(organiser),
        workshop,
        now,
        starts_at=later,
        ends_at=later + timedelta(hours=2),
        **values,
    )
    db.session.commit()
    notifications.dispatch_due(now + timedelta(minutes=1))
    [message] = outbox
    method, calendar = calendar_of(message)
    [event] = calendar.walk("VEVENT")
    assert method == "REQUEST" and event["SEQUENCE"] == 1 and event.decoded("DTSTART") == later
    reminders = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "workshop.reminder")
    ).all()
    assert sorted((r.status, r.due_at) for r in reminders) == sorted(
        [
            ("void", later - timedelta(days=1, hours=24)),
            ("pending", later - timedelta(hours=24)),
        ]
    )
    outbox.clear()
    notifications.dispatch_due(later - timedelta(hours=23))
    assert len(outbox) == 1 and outbox[0]["To"] == someone.email  # the reminder, once


def test_attendance_feedback_messages_and_csv(app, ctx, make_user, make_workshop, outbox):
    organiser, workshop_id = make_workshop(days=1)
    attendee = person(make_user(name='=HYPERLINK("http://evil")'))
    absentee = person(make_user())
    now = utcnow()
    for someone in (attendee, absentee):
        services.register(someone, workshop_id, now)
    db.session.commit()
    workshop = db.session.get(Workshop, workshop_id)
    trainer = person(organiser)
    assert services.message_participants(trainer, workshop, "Bring a laptop", "See you!", now) == 2
    with pytest.raises(DomainError, match="once the event has started"):
        services.mark_attendance(trainer, workshop, {}, now)
    started = workshop.starts_at + timedelta(minutes=5)
    ids = {r.user_id: r.id for r in services.participants(workshop)}
    services.mark_attendance(
        trainer, workshop, {ids[attendee.id]: "attended", ids[absentee.id]: "absent"}, started
    )
    db.session.commit()
    with pytest.raises(DomainError, match="people who attended"):
        services.rate(absentee, workshop, 5, "", started)
    services.rate(attendee, workshop, 4, "Useful", started)
    db.session.commit()
    notifications.dispatch_due(started)
    subjects = Counter(m["Subject"] for m in outbox)
    assert subjects["Bring a laptop"] == 2
    assert subjects["Your feedback on Shared calendars for cooperatives"] == 1
    csv_text = services.registrations_csv(trainer, workshop, ["Name", "E-mail"])
    assert "'=HYPERLINK" in csv_text and "attended" in csv_text and "absent" in csv_text
    with pytest.raises(DomainError, match="organiser or a coordinator"):
        services.registrations_csv(absentee, workshop, ["Name"])


def test_concurrent_registrations_never_exceed_capacity(app, app_factory, make_user, make_workshop):
    _organiser, workshop_id = make_workshop(capacity=5)
    people = [make_user() for _ in range(40)]
    apps = [app_factory() for _ in range(4)]
    barrier = threading.Barrier(len(people))
    results, errors = [], []

    def attempt(application, user_id):
        with application.app_context():
            try:
                barrier.wait()
                registration = services.register(
                    db.session.get(User, user_id), workshop_id, utcnow()
                )
                db.session.commit()
                results.append(registration.status)
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=attempt, args=(apps[i % 4], user_id))
        for i, user_id in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Counter(results) == {"registered": 5, "waitlisted": 35}
    with in_app(app):
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop.seats_taken == 5
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.status == "registered")
            )
            == 5
        )
        waiting = db.session.scalars(
            select(Registration).where(Registration.status == "waitlisted")
        ).all()
        positions = sorted(services.waitlist_position(r) for r in waiting)
        assert positions == list(range(1, 36))  # a strict first-come-first-served order
