"""What the courses hold about a person: enrolments, progress, knowledge-check attempts and
certificates. Completions stay for the programme's figures; a certificate loses its holder's
name."""

from sqlalchemy import update

from app.core import privacy
from app.core.privacy import Policy, Provider
from app.extensions import db


def _certificates(table, column, person, now) -> None:
    db.session.execute(update(table).where(table.c[column] == person.id).values(holder_name="—"))


PROVIDER = privacy.register(
    Provider(
        domain="courses",
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
