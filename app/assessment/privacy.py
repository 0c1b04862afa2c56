"""What the self-assessment holds about a person: the assessments they started, answered or
submitted for their organisation, and their ratings of their own skills. The answers belong to
the organisation and stay after erasure without the person; their own ratings go."""

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider

from . import models  # noqa: F401 - the tables the policies name

PROVIDER = privacy.register(
    Provider(
        domain="assessment",
        title=_l("Self-assessments"),
        description=_l(
            "The self-assessments of your organisation that you started, answered or "
            "submitted, and your ratings of your own digital skills. The answers belong to your "
            "organisation and stay after erasure without your name; your own ratings are "
            "deleted."
        ),
        policies={
            ("assessments", "started_by_id"): Policy(label=_l("Self-assessments you started")),
            ("assessments", "submitted_by_id"): Policy(label=_l("Self-assessments you submitted")),
            ("assessment_answers", "answered_by_id"): Policy(
                label=_l("Answers you gave for your organisation")
            ),
            ("assessment_self_ratings", "user_id"): Policy(
                erase="delete", label=_l("Your ratings of your own skills")
            ),
        },
        fields={
            "started_at": _l("Started on"),
            "updated_at": _l("Last changed on"),
            "submitted_at": _l("Submitted on"),
            "scores": _l("Scores"),
            "value": _l("Answer"),
            "answered_at": _l("Answered on"),
            "level": _l("Level"),
        },
    )
)
