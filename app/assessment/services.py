"""The self-assessment's rules: one open assessment per organisation, answered by its members
(save and resume), submitted with frozen scores; results with strengths, the biggest gaps, the
change since the previous assessment, and a learning path for the gaps.

Functions take plain arguments (including `now`), flush but never commit: the view commits.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.accounts.models import Organisation, User
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import lazy_ngettext
from app.core.errors import DomainError
from app.core.text import csv_cell
from app.courses.models import Course, Enrolment
from app.extensions import db
from app.mentoring.models import MentorProfile
from app.workshops.models import Workshop
from app.workshops.services import audience_check

from . import scoring
from .models import Answer, Assessment, AssessmentQuestion, Dimension, Questionnaire, SelfRating

STRENGTH = 70  # a dimension at or above this score is a strength
GAPS = 3  # the biggest gaps the path addresses
PATH_SIZE = 3  # courses, workshops and mentors each


class AssessmentError(DomainError):
    pass


# --- the questionnaire ------------------------------------------------------------------------


@dataclass
class Structure:
    questionnaire: Questionnaire | None
    dimensions: list[Dimension]
    questions: list[AssessmentQuestion]
    items: list[scoring.Item]

    def by_key(self) -> dict[str, AssessmentQuestion]:
        return {question.key: question for question in self.questions}

    def of(self, dimension: Dimension | None) -> list[AssessmentQuestion]:
        wanted = dimension.id if dimension else None
        return [q for q in self.questions if q.dimension_id == wanted]


def structure() -> Structure:
    """The active questionnaire, in order (three queries)."""
    questionnaire = db.session.scalar(select(Questionnaire).limit(1))
    dimensions = list(
        db.session.scalars(
            select(Dimension).where(Dimension.active.is_(True)).order_by(Dimension.position)
        )
    )
    active = {d.id: d.key for d in dimensions}
    questions = [
        q
        for q in db.session.scalars(
            select(AssessmentQuestion)
            .where(AssessmentQuestion.active.is_(True))
            .order_by(AssessmentQuestion.position)
        )
        if q.dimension_id is None or q.dimension_id in active
    ]
    items = [
        scoring.Item(
            key=q.key,
            dimension=active.get(q.dimension_id),
            kind=q.kind,
            optional=q.optional,
            options=tuple((o["key"], o["score"]) for o in q.options),
        )
        for q in questions
    ]
    return Structure(questionnaire, dimensions, questions, items)


# --- who may do what ---------------------------------------------------------------------------


def can_answer(user: User, assessment: Assessment) -> bool:
    """Members (granted) of the organisation answer its assessments."""
    return user.member_organisation_id == assessment.organisation_id


def can_view(user: User, assessment: Assessment) -> bool:
    """Members see their organisation's results and answers, and so do the managers of the
    network it belongs to; nobody else (coordinators see only the sector's figures)."""
    if can_answer(user, assessment):
        return True
    network = network_of(user)
    if network is None:
        return False
    parent = db.session.scalar(
        select(Organisation.parent_id).where(Organisation.id == assessment.organisation_id)
    )
    return assessment.organisation_id == network or parent == network


def assessment_for(user: User, assessment_id: int) -> Assessment | None:
    """The assessment if the user may see it, else None (the view answers 404)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not can_view(user, assessment):
        return None
    return assessment


# --- answering ---------------------------------------------------------------------------------


def open_assessment(organisation_id: int | None) -> Assessment | None:
    if organisation_id is None:
        return None
    return db.session.scalar(
        select(Assessment).where(
            Assessment.organisation_id == organisation_id, Assessment.status == "open"
        )
    )


def start(user: User, now: datetime) -> Assessment:
    """The organisation's open assessment, started now if there is none."""
    organisation_id = user.member_organisation_id
    if organisation_id is None:
        raise AssessmentError(
            _l("Join your organisation first: the self-assessment is answered for it.")
        )
    found = open_assessment(organisation_id)
    if found is not None:
        return found
    assessment = Assessment(
        organisation_id=organisation_id,
        status="open",
        started_by_id=user.id,
        started_at=now,
        updated_at=now,
    )
    try:
        with db.session.begin_nested():  # a colleague may start it at the same moment
            db.session.add(assessment)
    except IntegrityError:
        return open_assessment(organisation_id)
    return assessment


def answers_of(assessment: Assessment) -> dict[str, object]:
    """{question key: value} of the organisation's answers."""
    rows = db.session.execute(
        select(AssessmentQuestion.key, Answer.value)
        .join(AssessmentQuestion, AssessmentQuestion.id == Answer.question_id)
        .where(Answer.assessment_id == assessment.id)
    )
    return {key: value for key, value in rows}


def self_ratings_of(assessment: Assessment, user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(AssessmentQuestion.key, SelfRating.level)
        .join(AssessmentQuestion, AssessmentQuestion.id == SelfRating.question_id)
        .where(SelfRating.assessment_id == assessment.id, SelfRating.user_id == user.id)
    )
    return {key: level for key, level in rows}


def save_answers(
    user: User, assessment: Assessment, values: dict[str, object], now: datetime
) -> int:
    """Save answers given as {question key: value}; None clears an answer (a skipped question).
    Self-rating questions are saved as the user's own. Return how many changed."""
    if not can_answer(user, assessment):
        raise AssessmentError(_l("Only members of the organisation can answer."))
    if assessment.status != "open":
        raise AssessmentError(_l("This self-assessment is submitted and can no longer change."))
    known = structure()
    questions, items = known.by_key(), {item.key: item for item in known.items}
    for key, value in values.items():
        if key not in questions:
            raise AssessmentError(_l("This question is not part of the self-assessment."))
        if value is not None and not scoring.valid(items[key], value):
            raise AssessmentError(_l("That answer is not one of the choices."))
    answers = {
        a.question_id: a
        for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))
    }
    ratings = {
        r.question_id: r
        for r in db.session.scalars(
            select(SelfRating).where(
                SelfRating.assessment_id == assessment.id, SelfRating.user_id == user.id
            )
        )
    }
    changed = 0
    for key, value in values.items():
        question = questions[key]
        rows = ratings if question.self_rating else answers
        row = rows.get(question.id)
        current = None if row is None else (row.level if question.self_rating else row.value)
        if current == value:
            continue
        changed += 1
        if value is None:
            db.session.delete(row)
        elif row is None and question.self_rating:
            db.session.add(
                SelfRating(
                    assessment_id=assessment.id,
                    question_id=question.id,
                    user_id=user.id,
                    level=value,
                    rated_at=now,
                )
            )
        elif row is None:
            db.session.add(
                Answer(
                    assessment_id=assessment.id,
                    question_id=question.id,
                    value=value,
                    answered_by_id=user.id,
                    answered_at=now,
                )
            )
        elif question.self_rating:
            row.level, row.rated_at = value, now
        else:
            row.value, row.answered_by_id, row.answered_at = value, user.id, now
    if changed:
        assessment.updated_at = now
    db.session.flush()
    return changed


@dataclass
class Progress:
    answered: int
    required: int
    missing: list[str]  # keys of required questions not answered yet


def progress(assessment: Assessment, known: Structure | None = None) -> Progress:
    known = known or structure()
    answers = answers_of(assessment)
    organisation = [item for item in known.items if item.dimension is not None]
    return Progress(
        answered=sum(1 for item in organisation if item.key in answers),
        required=sum(1 for item in organisation if not item.optional),
        missing=scoring.missing(known.items, answers),
    )


def submit(user: User, assessment: Assessment, now: datetime) -> dict[str, int | None]:
    """Submit once every required question is answered; the scores are frozen."""
    if not can_answer(user, assessment):
        raise AssessmentError(_l("Only members of the organisation can answer."))
    if assessment.status != "open":
        raise AssessmentError(_l("This self-assessment is submitted and can no longer change."))
    known = structure()
    answers = answers_of(assessment)
    missing = scoring.missing(known.items, answers)
    if missing:
        raise AssessmentError(
            lazy_ngettext(
                "%(num)d required question is not answered yet.",
                "%(num)d required questions are not answered yet.",
                len(missing),
            )
        )
    assessment.scores = scoring.dimension_scores(known.items, answers)
    assessment.status, assessment.submitted_by_id, assessment.submitted_at = (
        "submitted",
        user.id,
        now,
    )
    db.session.flush()
    return assessment.scores


# --- results -----------------------------------------------------------------------------------


@dataclass
class DimensionResult:
    dimension: Dimension
    score: int | None
    before: int | None = None  # the previous assessment's score, if any

    @property
    def change(self) -> int | None:
        if self.score is None or self.before is None:
            return None
        return self.score - self.before


@dataclass
class Result:
    assessment: Assessment
    dimensions: list[DimensionResult]
    previous: Assessment | None
    strengths: list[DimensionResult] = field(default_factory=list)
    gaps: list[DimensionResult] = field(default_factory=list)


def previous_of(assessment: Assessment) -> Assessment | None:
    """The organisation's submitted assessment before this one."""
    if assessment.submitted_at is None:
        return None
    return db.session.scalar(
        select(Assessment)
        .where(
            Assessment.organisation_id == assessment.organisation_id,
            Assessment.status == "submitted",
            Assessment.submitted_at < assessment.submitted_at,
        )
        .order_by(Assessment.submitted_at.desc())
        .limit(1)
    )


def result(assessment: Assessment, dimensions: list[Dimension]) -> Result:
    """Scores per dimension in questionnaire order, with strengths (at or above STRENGTH,
    best first), the GAPS lowest scores below STRENGTH, and the change since the previous."""
    previous = previous_of(assessment)
    before = previous.scores if previous else {}
    rows = [
        DimensionResult(d, assessment.scores.get(d.key), before.get(d.key))
        for d in dimensions
        if d.key in assessment.scores
    ]
    scored = [row for row in rows if row.score is not None]
    strengths = sorted((row for row in scored if row.score >= STRENGTH), key=lambda row: -row.score)
    gaps = sorted(
        (row for row in scored if row.score < STRENGTH),
        key=lambda row: (row.score, row.dimension.position),
    )[:GAPS]
    return Result(assessment, rows, previous, strengths, gaps)


# --- the learning path -------------------------------------------------------------------------


@dataclass
class Suggestion:
    item: object  # a Course, a Workshop or a MentorProfile (with .user loaded)
    reasons: list[DimensionResult]  # the gaps it addresses, biggest first
    in_language: bool


@dataclass
class Path:
    courses: list[Suggestion]
    workshops: list[Suggestion]
    mentors: list[Suggestion]

    def __bool__(self) -> bool:
        return bool(self.courses or self.workshops or self.mentors)


def _rank(candidates, gaps, codes_of, gap_codes_of, in_language) -> list[Suggestion]:
    found = []
    for candidate in candidates:
        codes = codes_of(candidate)
        reasons = [gap for gap in gaps if codes & gap_codes_of(gap.dimension)]
        if reasons:
            found.append(Suggestion(candidate, reasons, in_language(candidate)))
    # The biggest gap first, then how many gaps it covers, then the reader's language.
    found.sort(key=lambda s: (min(r.score for r in s.reasons), -len(s.reasons), not s.in_language))
    return found[:PATH_SIZE]


def _competences(dimension: Dimension) -> set[str]:
    return {f"d{c}" for c in dimension.digcomp} | {f"g{c}" for c in dimension.greencomp}


def _expertise(dimension: Dimension) -> set[str]:
    return set(dimension.expertise)


def _course_codes(course: Course) -> set[str]:
    return {f"d{c}" for c in course.digcomp} | {f"g{c}" for c in course.greencomp}


def _workshop_codes(workshop: Workshop) -> set[str]:
    return {f"d{c}" for c in workshop.digcomp}


def learning_path(user: User, gaps: list[DimensionResult], now: datetime) -> Path:
    """Courses, upcoming workshops and mentors that address the gaps, each with the gaps it
    addresses; in the reader's language first (four queries, whatever the catalogue's size)."""
    if not gaps:
        return Path([], [], [])
    locale = user.locale
    courses = db.session.scalars(select(Course).where(Course.active.is_(True)))
    open_to_user = audience_check(user)
    workshops = [
        w
        for w in db.session.scalars(
            select(Workshop)
            .where(Workshop.status == "published", Workshop.starts_at > now)
            .order_by(Workshop.starts_at)
            .limit(200)
        )
        if open_to_user(w)
    ]
    mentors = db.session.scalars(
        select(MentorProfile).where(MentorProfile.published.is_(True))
    ).all()
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .options(lazyload(User.roles))  # names only: no roles
            .where(User.id.in_([m.user_id for m in mentors]), User.active.is_(True))
        )
    }
    mentors = [m for m in mentors if m.user_id in users]
    return Path(
        courses=_rank(courses, gaps, _course_codes, _competences, lambda c: locale in c.titles),
        workshops=_rank(
            workshops, gaps, _workshop_codes, _competences, lambda w: w.language == locale
        ),
        mentors=_rank(
            mentors, gaps, lambda m: set(m.expertise), _expertise, lambda m: locale in m.languages
        ),
    )


def enrolled_course_ids(user: User, course_ids: list[int]) -> set[int]:
    """Which of these courses the user is enrolled in (one query)."""
    if not course_ids:
        return set()
    return set(
        db.session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id, Enrolment.course_id.in_(course_ids)
            )
        )
    )


def organisation_name(organisation_id: int) -> str:
    return db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))


def submitted(organisation_id: int | None, limit: int = 20) -> list[Assessment]:
    """The organisation's submitted assessments, newest first."""
    if organisation_id is None:
        return []
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.organisation_id == organisation_id, Assessment.status == "submitted")
            .order_by(Assessment.submitted_at.desc())
            .limit(limit)
        )
    )


@dataclass
class Bar:
    row: DimensionResult
    y: int
    width: float  # of the score, in chart units (100 = the full scale)
    before_width: float | None


CHART_ROW = 36  # height of one dimension's row in the SVG, in its own units


def chart(result: Result) -> list[Bar]:
    """The bars of the results chart (drawn as SVG by the template), one row per dimension;
    the previous score, when there is one, as a thin bar under it."""
    return [
        Bar(
            row=row,
            y=index * CHART_ROW,
            width=float(row.score or 0),
            before_width=None if row.before is None else float(row.before),
        )
        for index, row in enumerate(result.dimensions)
    ]


# --- networks and the sector -------------------------------------------------------------------

MIN_GROUP = 5  # a figure resting on fewer organisations is shown as "<5", never as a number


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """What the network view and the needs map show of an organisation (no ORM object)."""

    id: int
    name: str
    country: str
    kind: str


@dataclass(slots=True)
class Latest:
    """An organisation's latest submitted assessment."""

    organisation: OrganisationRow
    assessment_id: int
    submitted_at: datetime
    scores: dict


def latest_results(network_id: int | None = None) -> list[Latest]:
    """The latest submitted assessment of each organisation (of one network's members, or of
    all), in one query whatever their number; by organisation name."""
    last = (
        select(Assessment.organisation_id, func.max(Assessment.submitted_at).label("at"))
        .where(Assessment.status == "submitted")
        .group_by(Assessment.organisation_id)
    )
    if network_id is not None:
        members = select(Organisation.id).where(Organisation.parent_id == network_id)
        last = last.where(Assessment.organisation_id.in_(members))
    last = last.subquery()
    rows = db.session.execute(
        select(
            Assessment.id,
            Assessment.submitted_at,
            Assessment.scores,
            Organisation.id,
            Organisation.name,
            Organisation.country,
            Organisation.kind,
        )
        .join(
            last,
            (Assessment.organisation_id == last.c.organisation_id)
            & (Assessment.submitted_at == last.c.at),
        )
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.status == "submitted")
        .order_by(Organisation.name, Organisation.id)
    )
    found, seen = [], set()
    for assessment_id, submitted_at, scores, *organisation in rows:
        if organisation[0] in seen:  # two submitted at the very same instant: one counts
            continue
        seen.add(organisation[0])
        found.append(
            Latest(OrganisationRow(*organisation), assessment_id, submitted_at, scores or {})
        )
    return found


@dataclass
class Figure:
    """An average score and how many organisations it rests on."""

    total: int = 0
    count: int = 0

    def add(self, score: int | None) -> None:
        if score is not None:
            self.total += score
            self.count += 1

    @property
    def value(self) -> int | None:
        return scoring.half_up(self.total / self.count) if self.count else None

    @property
    def shown(self) -> bool:
        """Whether the figure may be shown: it rests on at least MIN_GROUP organisations."""
        return self.count >= MIN_GROUP


def averages(rows: list[Latest], dimensions: list[Dimension]) -> dict[str, Figure]:
    figures = {d.key: Figure() for d in dimensions}
    for row in rows:
        for key, figure in figures.items():
            figure.add(row.scores.get(key))
    return figures


def gaps_of(scores: dict, dimensions: list[Dimension]) -> list[str]:
    """An organisation's biggest gaps (as on its results page): up to GAPS dimensions below
    STRENGTH, lowest first."""
    scored = [
        (scores[d.key], d.position, d.key)
        for d in dimensions
        if scores.get(d.key) is not None and scores[d.key] < STRENGTH
    ]
    return [key for _, _, key in sorted(scored)[:GAPS]]


def common_needs(rows: list[Latest], dimensions: list[Dimension]) -> list[tuple[Dimension, int]]:
    """Each dimension with the number of organisations for which it is among the biggest gaps,
    most common first."""
    counts = {d.key: 0 for d in dimensions}
    for row in rows:
        for key in gaps_of(row.scores, dimensions):
            counts[key] += 1
    return sorted(
        ((d, counts[d.key]) for d in dimensions if counts[d.key]),
        key=lambda item: (-item[1], item[0].position),
    )


def grouped(
    rows: list[Latest], dimensions: list[Dimension], attribute: str
) -> dict[str, tuple[int, dict[str, Figure]]]:
    """{country or kind: (organisations, {dimension: Figure})}, in key order."""
    groups: dict[str, list[Latest]] = {}
    for row in rows:
        groups.setdefault(getattr(row.organisation, attribute), []).append(row)
    return {
        key: (len(members), averages(members, dimensions))
        for key, members in sorted(groups.items())
    }


def network_of(user: User) -> int | None:
    """The network whose member organisations a manager's network view covers: the
    organisation they are a granted member of (its members are those it supports directly)."""
    return user.member_organisation_id if user.has_role("manager") else None


def network_csv(rows: list[Latest], dimensions: list[Dimension], headers: list[str]) -> str:
    """The network table as CSV: organisation, country, kind, date, a score per dimension."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow(
            [
                csv_cell(row.organisation.name),
                row.organisation.country,
                row.organisation.kind,
                row.submitted_at.date().isoformat(),
                *("" if row.scores.get(d.key) is None else row.scores[d.key] for d in dimensions),
            ]
        )
    return out.getvalue()
