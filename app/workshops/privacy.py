"""What the workshops hold about a person: events they organise, material they uploaded and
their registrations. Attendance and ratings stay as counts; comments go; upcoming places are
given back (the first person waiting gets the place and is told)."""

from sqlalchemy import select, update

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider
from app.extensions import db

from . import services
from .models import Registration, Workshop


def _registrations(table, column, person, now) -> None:
    upcoming = db.session.scalars(
        select(Registration.workshop_id)
        .join(Workshop, Workshop.id == Registration.workshop_id)
        .where(
            Registration.user_id == person.id,
            Registration.status.in_(services.LIVE),
            Workshop.ends_at > now,
        )
    ).all()
    for workshop_id in upcoming:
        services.unregister(person, workshop_id, now)
    db.session.execute(update(table).where(table.c[column] == person.id).values(comment=None))


PROVIDER = privacy.register(
    Provider(
        domain="workshops",
        title=_l("Workshops"),
        description=_l(
            "Your registrations, attendance, ratings and comments, and the events and material "
            "you organise. After erasure your places in upcoming events go to the next person "
            "waiting, your comments are removed, and attendance and ratings stay only as "
            "anonymous counts."
        ),
        policies={
            ("workshops", "organiser_id"): Policy(label=_l("Events you organise")),
            ("materials", "uploaded_by_id"): Policy(export=False),
            ("workshop_registrations", "user_id"): Policy(
                erase="registrations", label=_l("Your workshop registrations")
            ),
        },
        fields={
            "titles": _l("Title"),
            "descriptions": _l("Description"),
            "language": _l("Language of the event"),
            "venue": _l("Venue"),
            "capacity": _l("Places"),
            "seats_taken": _l("Places taken"),
            "registration_deadline": _l("Registration closes"),
            "audience_organisations": _l("Open to organisations"),
            "audience_countries": _l("Open to countries"),
            "course_keys": _l("Related courses"),
            "digcomp": _l("DigComp areas"),
            "published_at": _l("Published on"),
            "queued_at": _l("Joined the waiting list on"),
            "promoted_at": _l("Got a place on"),
            "attendance": _l("Attendance"),
        },
        erasers={"registrations": _registrations},
    )
)
