"""Course rules: catalog, enrolment, lessons in the learner's language, quizzes, progress,
completion and certificates. Plain functions; they flush, the view commits."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.catalogs import lazy_gettext as _l
from app.core.db import begin_write
from app.core.errors import DomainError
from app.core.fallback import fallback_chain, pick
from app.extensions import db

from .models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    Question,
    QuizAttempt,
)

DIGCOMP_AREAS = ("1", "2", "3", "4", "5")
MAX_SECONDS_PER_LESSON = 3600


# --- catalog ---------------------------------------------------------------------------------


@dataclass
class CatalogFilters:
    q: str = ""
    language: str = ""
    area: str = ""
    level: str = ""
    twin: bool = False


def catalog(
    filters: CatalogFilters, locale: str, page: int, per_page: int, second: str | None = None
):
    """Active courses matching the filters, paginated. One query, whatever the course count
    (the worker's copy of the structure, see structure.py).

    The search reads the texts the reader sees: their language, else their `second` one, ..."""
    from app.core.pagination import Page

    from .structure import current

    courses = current().catalog
    needle = filters.q.strip().lower()
    matching = []
    for course in courses:
        if filters.language and filters.language not in course.titles:
            continue
        if filters.area and not any(code.split(".")[0] == filters.area for code in course.digcomp):
            continue
        if filters.level and course.level != filters.level:
            continue
        if filters.twin and not course.twin_transition:
            continue
        if needle:
            haystack = " ".join(
                [
                    pick(course.titles, locale, second).text,
                    pick(course.summaries, locale, second).text,
                    course.key,
                ]
            ).lower()
            if needle not in haystack:
                continue
        matching.append(course)
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(1, page), pages)
    items = matching[(page - 1) * per_page : page * per_page]
    return Page(items=items, page=page, per_page=per_page, total=len(matching))


def get_course(key: str) -> Course | None:
    return db.session.scalar(
        select(Course)
        .where(Course.key == key, Course.active.is_(True))
        .options(
            selectinload(Course.modules).selectinload(Module.lessons),
            selectinload(Course.modules).selectinload(Module.questions),
        )
    )


def active_modules(course: Course) -> list[Module]:
    return [m for m in course.modules if m.active]


def active_lessons(course: Course) -> list[Lesson]:
    return [lesson for m in active_modules(course) for lesson in m.lessons if lesson.active]


def courses_by_key(keys: list[str]) -> dict[str, Course]:
    if not keys:
        return {}
    return {
        c.key: c
        for c in db.session.scalars(
            select(Course).where(Course.key.in_(keys), Course.active.is_(True))
        )
    }


# --- enrolment and lessons -------------------------------------------------------------------


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def enrol(user: User, course: Course, now: datetime) -> Enrolment:
    """Enrol the user (once); return the enrolment."""
    enrolment = find_enrolment(user, course)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=now)
        db.session.add(enrolment)
        db.session.flush()
    return enrolment


def require_enrolment(user: User, course: Course) -> Enrolment:
    enrolment = find_enrolment(user, course)
    if enrolment is None:
        raise DomainError(_l("Please enrol in this course first."))
    return enrolment


def lesson_text(
    lesson: Lesson,
    locale: str,
    read: str | None = None,
    second: str | None = None,
    structure=None,
) -> LessonText | None:
    """The lesson in the best language of the chain (one query, none when the worker's
    `structure` already holds the lesson's texts).

    `read` asks for one language first, for a reader who wants the original or another version;
    `second` is the reader's own second language, tried before the built-in chain.
    """
    chain = fallback_chain(locale, second)
    if read and read not in chain:
        chain = (read, *chain)
    elif read:
        chain = (read, *(code for code in chain if code != read))
    if structure is not None:
        rows = structure.lesson_texts(lesson.id)
    else:
        rows = {
            row.locale: row
            for row in db.session.scalars(
                select(LessonText).where(
                    LessonText.lesson_id == lesson.id, LessonText.locale.in_(chain)
                )
            )
        }
    for candidate in chain:
        if candidate in rows:
            return rows[candidate]
    return None


def open_lesson(user: User, enrolment: Enrolment, lesson: Lesson, now: datetime) -> LessonProgress:
    """Record that the learner opened the lesson; remember it for 'continue where I left off'.

    Reading a lesson again writes nothing; the first visit (or a change of the last lesson)
    begins a write transaction first, so the page never upgrades a read (see core.db)."""

    def find() -> LessonProgress | None:
        return db.session.scalar(
            select(LessonProgress).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
            )
        )

    progress = find()
    if progress is not None and enrolment.last_lesson_id == lesson.id:
        return progress
    begin_write(db.session)
    progress = find()
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, first_opened_at=now)
        db.session.add(progress)
    enrolment.last_lesson_id = lesson.id
    db.session.flush()
    return progress


def complete_lesson(user: User, enrolment: Enrolment, lesson: Lesson, now: datetime) -> bool:
    """Mark the lesson done (once). Return True when this completed the course."""
    progress = open_lesson(user, enrolment, lesson, now)
    if progress.completed_at is None:
        progress.completed_at = now
        spent = (now - progress.first_opened_at).total_seconds()
        progress.seconds_spent = int(min(max(spent, 0), MAX_SECONDS_PER_LESSON))
    return check_completion(user, enrolment, now)


# --- quizzes ---------------------------------------------------------------------------------


@dataclass
class QuizResult:
    attempt: QuizAttempt
    wrong: list = field(default_factory=list)  # [(question, chosen option keys)]
    course_completed: bool = False


def quiz_questions(module: Module) -> list[Question]:
    return [q for q in module.questions if q.active]


def submit_quiz(
    user: User, module: Module, answers: dict[str, list[str]], locale: str, now: datetime
) -> QuizResult:
    """Score a knowledge check on the server; a tampered form stores nothing."""
    course = module.course
    enrolment = require_enrolment(user, course)
    questions = {q.key: q for q in quiz_questions(module)}
    unknown = set(answers) - set(questions)
    if unknown:
        raise DomainError(_l("This answer does not belong to this knowledge check."))
    right = 0
    wrong = []
    for key, question in questions.items():
        chosen = answers.get(key, [])
        valid = {option["key"] for option in question.options}
        if set(chosen) - valid:
            raise DomainError(_l("This answer does not belong to this knowledge check."))
        if not question.multiple and len(chosen) > 1:
            raise DomainError(_l("Please choose only one answer for each single-choice question."))
        correct = {option["key"] for option in question.options if option["correct"]}
        if set(chosen) == correct:
            right += 1
        else:
            wrong.append((question, chosen))
    if not questions:
        raise DomainError(_l("This knowledge check has no questions."))
    score = round(100 * right / len(questions))
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        submitted_at=now,
        locale=locale,
        score=score,
        passed=score >= module.pass_mark,
        answers={key: sorted(value) for key, value in answers.items()},
    )
    db.session.add(attempt)
    db.session.flush()
    completed = check_completion(user, enrolment, now) if attempt.passed else False
    return QuizResult(attempt=attempt, wrong=wrong, course_completed=completed)


def attempts_for(user: User, module: Module) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        )
    )


# --- progress and completion -----------------------------------------------------------------


@dataclass
class CourseProgress:
    course: Course
    enrolment: Enrolment
    lessons_total: int = 0
    lessons_done: int = 0
    quizzes_total: int = 0
    quizzes_passed: int = 0
    seconds: int = 0
    next_lesson: Lesson | None = None
    done_lesson_ids: set = field(default_factory=set)
    passed_module_ids: set = field(default_factory=set)

    @property
    def percent(self) -> int:
        if self.enrolment.completed_at:
            return 100
        total = self.lessons_total + self.quizzes_total
        return round(100 * (self.lessons_done + self.quizzes_passed) / total) if total else 0


def progress_for(user: User, enrolments: list[Enrolment], structure=None) -> list[CourseProgress]:
    """Progress of several enrolments in a fixed number of queries.

    With the worker's `structure` (structure.current()) the courses are not read again."""
    if not enrolments:
        return []
    course_ids = [e.course_id for e in enrolments]
    if structure is not None:
        courses = {course_id: structure.by_id[course_id] for course_id in course_ids}
    else:
        courses = {
            c.id: c
            for c in db.session.scalars(
                select(Course)
                .where(Course.id.in_(course_ids))
                .options(selectinload(Course.modules).selectinload(Module.lessons))
            )
        }
    lesson_ids = [lesson.id for c in courses.values() for lesson in active_lessons(c)]
    done = {
        row.lesson_id: row
        for row in db.session.execute(
            select(
                LessonProgress.lesson_id, LessonProgress.completed_at, LessonProgress.seconds_spent
            ).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids or [0])
            )
        )
    }
    module_ids = [m.id for c in courses.values() for m in active_modules(c)]
    passed = set(
        db.session.scalars(
            select(QuizAttempt.module_id).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.passed.is_(True),
                QuizAttempt.module_id.in_(module_ids or [0]),
            )
        )
    )
    if structure is not None:
        with_questions = structure.with_questions
    else:
        with_questions = set(
            db.session.scalars(
                select(Question.module_id).where(
                    Question.module_id.in_(module_ids or [0]), Question.active.is_(True)
                )
            )
        )
    result = []
    for enrolment in enrolments:
        course = courses[enrolment.course_id]
        lessons = active_lessons(course)
        quiz_modules = [m for m in active_modules(course) if m.id in with_questions]
        item = CourseProgress(course=course, enrolment=enrolment)
        item.lessons_total = len(lessons)
        item.done_lesson_ids = {
            lesson.id for lesson in lessons if lesson.id in done and done[lesson.id].completed_at
        }
        item.lessons_done = len(item.done_lesson_ids)
        item.quizzes_total = len(quiz_modules)
        item.passed_module_ids = {m.id for m in quiz_modules if m.id in passed}
        item.quizzes_passed = len(item.passed_module_ids)
        item.seconds = sum(done[lesson.id].seconds_spent for lesson in lessons if lesson.id in done)
        item.next_lesson = next(
            (lesson for lesson in lessons if lesson.id not in item.done_lesson_ids), None
        )
        result.append(item)
    return result


def my_learning(user: User, structure=None) -> tuple[list[CourseProgress], list[CourseProgress]]:
    """(in progress, completed) for the learner, most recent first."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .join(Course)
            .where(Enrolment.user_id == user.id, Course.active.is_(True))
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
        )
    )
    items = progress_for(user, enrolments, structure)
    return (
        [i for i in items if not i.enrolment.completed_at],
        [i for i in items if i.enrolment.completed_at],
    )


def check_completion(user: User, enrolment: Enrolment, now: datetime) -> bool:
    """Complete the course when every lesson is done and every check passed."""
    if enrolment.completed_at:
        return False
    [progress] = progress_for(user, [enrolment])
    if (
        progress.lessons_done == progress.lessons_total
        and progress.quizzes_passed == progress.quizzes_total
    ):
        enrolment.completed_at = now
        issue_certificate(user, progress.course, now)
        return True
    return False


def complete_by_hand(
    actor: User, learner: User, course: Course, reason: str, now: datetime
) -> Enrolment:
    """Record a completion from a face-to-face training, with who and why."""
    from app.core.audit import audit

    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Please say why the course is marked complete."), field="reason")
    enrolment = enrol(learner, course, now)
    if enrolment.completed_at:
        raise DomainError(_l("This learner has already completed the course."))
    enrolment.completed_at = now
    enrolment.completed_by_id = actor.id
    enrolment.completion_note = reason[:1000]
    issue_certificate(learner, course, now)
    audit("course_completed_by_hand", actor, learner, course.key)
    return enrolment


# --- certificates ----------------------------------------------------------------------------


def issue_certificate(user: User, course: Course, now: datetime) -> Certificate:
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.course_id == course.id
        )
    )
    if existing:
        return existing
    title = pick(course.titles, user.locale, user.second_locale).text
    certificate = Certificate(
        code=_new_code(),
        user_id=user.id,
        course_id=course.id,
        issued_at=now,
        locale=user.locale,
        holder_name=user.name,
        course_title=title,
        competences=list(course.digcomp),
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def find_certificate(code: str) -> Certificate | None:
    code = code.strip().upper()
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def certificate_for(user: User, course: Course) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.course_id == course.id
        )
    )


def learners_count(course: Course) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id)
    )


def format_duration_minutes(seconds: int) -> int:
    return int(timedelta(seconds=seconds).total_seconds() // 60)
