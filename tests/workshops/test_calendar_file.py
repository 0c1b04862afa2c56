"""A workshop's .ics file: only for those with a place, the organiser and coordinators, and it
names no one but the person it is for (issue 11, item 9)."""

import icalendar
import pytest

from app.extensions import db
from tests.conftest import in_app, user_email

LINK = "https://meet.example.org/workshop"


@pytest.fixture
def people(app, login_as, make_user, make_workshop):
    """Two participants, one on the waiting list, and signed-in clients for everyone."""
    from app.accounts.models import User
    from app.core.db import utcnow
    from app.workshops import services

    organiser, workshop_id = make_workshop(capacity=2)
    ids = {
        "organiser": organiser,
        "participant": make_user(name="Ada Participant"),
        "other participant": make_user(name="Bea Participant"),
        "waiting": make_user(name="Cleo Waiting"),
        "stranger": make_user(name="Dan Stranger"),
        "coordinator": make_user(roles=("coordinator",), name="Eve Coordinator"),
        "other trainer": make_user(roles=("trainer",), name="Finn Trainer"),
    }
    with in_app(app):
        for who in ("participant", "other participant", "waiting"):
            services.register(db.session.get(User, ids[who]), workshop_id, utcnow())
        db.session.commit()
    clients = {}
    for who, user_id in ids.items():
        clients[who] = app.test_client()
        login_as(clients[who], user_id)
    return workshop_id, ids, clients


def event_of(response):
    [event] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    return event


def attendees(event) -> list[str]:
    found = event.get("attendee") or []
    return [str(a) for a in (found if isinstance(found, list) else [found])]


def test_a_participant_gets_the_file_naming_only_themselves(app, people):
    workshop_id, ids, clients = people
    response = clients["participant"].get(f"/workshops/{workshop_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment")
    event = event_of(response)
    assert attendees(event) == [f"mailto:{user_email(app, ids['participant'])}"]
    assert str(event["location"]) == LINK  # the meeting link is for participants
    assert user_email(app, ids["other participant"]).encode() not in response.data


@pytest.mark.parametrize("who", ["organiser", "coordinator"])
def test_the_organiser_and_coordinators_get_it_without_attendees(app, people, who):
    workshop_id, ids, clients = people
    response = clients[who].get(f"/workshops/{workshop_id}.ics")
    assert response.status_code == 200
    event = event_of(response)
    assert attendees(event) == []
    for participant in ("participant", "other participant", "waiting"):
        assert user_email(app, ids[participant]).encode() not in response.data
    assert str(event["location"]) == LINK


@pytest.mark.parametrize("who", ["stranger", "waiting", "other trainer"])
def test_anyone_else_signed_in_gets_not_found(app, people, who):
    workshop_id, _ids, clients = people
    response = clients[who].get(f"/workshops/{workshop_id}.ics")
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.data


def test_an_anonymous_visitor_is_sent_to_sign_in(app, people):
    workshop_id, _ids, _clients = people
    response = app.test_client().get(f"/workshops/{workshop_id}.ics")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
