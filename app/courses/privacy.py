"""What the courses hold about a person: enrolments, progress, knowledge-check attempts and
certificates. Completions stay for the programme's figures; a certificate loses its holder's
name."""

from sqlalchemy import update

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider
from app.extensions import db


def _certificates(table, column, person, now) -> None:
    db.session.execute(update(table).where(table.c[column] == person.id).values(holder_name="—"))


PROVIDER = privacy.register(
    Provider(
        domain="courses",
        title=_l("Courses"),
        description=_l(
            "The courses you enrolled in, the lessons you completed, your knowledge-check "
            "attempts and your certificates. After erasure your completions stay only as "
            "anonymous counts, and your certificates no longer show your name."
        ),
        policies={
            ("certificates", "user_id"): Policy(erase="certificates"),
            ("enrolments", "user_id"): Policy(),
            ("enrolments", "completed_by_id"): Policy(export=False),
            ("lesson_progress", "user_id"): Policy(),
            ("quiz_attempts", "user_id"): Policy(),
        },
        erasers={"certificates": _certificates},
        personal_columns=(("certificates", "holder_name"),),
    )
)
