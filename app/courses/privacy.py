"""What the courses hold about a person: enrolments, progress, knowledge-check attempts and
certificates. Completions stay for the programme's figures; a certificate loses its holder's
name."""

from sqlalchemy import func, update

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider
from app.extensions import db


def _certificates(table, column, person, now) -> None:
    db.session.execute(
        update(table)
        .where(table.c[column] == person.id)
        .values(holder_name="—", revoked_at=func.coalesce(table.c.revoked_at, now))
    )


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
            ("certificates", "user_id"): Policy(erase="certificates", label=_l("Certificates")),
            ("enrolments", "user_id"): Policy(label=_l("Enrolments")),
            ("enrolments", "completed_by_id"): Policy(export=False),
            ("lesson_progress", "user_id"): Policy(label=_l("Lessons")),
            ("quiz_attempts", "user_id"): Policy(label=_l("Knowledge-check attempts")),
        },
        fields={
            "code": _l("Certificate code"),
            "issued_at": _l("Issued on"),
            "holder_name": _l("Name on the certificate"),
            "course_title": _l("Course"),
            "competences": _l("Competences"),
            "revoked_at": _l("Withdrawn on"),
            "enrolled_at": _l("Enrolled on"),
            "completion_note": _l("Completion note"),
            "first_opened_at": _l("First opened on"),
            "seconds_spent": _l("Time spent (seconds)"),
            "submitted_at": _l("Submitted on"),
            "score": _l("Score"),
            "passed": _l("Passed"),
            "answers": _l("Answers"),
        },
        erasers={"certificates": _certificates},
        personal_columns=(("certificates", "holder_name"),),
    )
)
