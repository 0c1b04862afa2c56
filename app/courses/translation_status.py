"""Which course texts, lessons and quizzes are missing or outdated in each language."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.config import LOCALES
from app.core.fallback import Picked, pick
from app.extensions import db

from .models import Course, Lesson, LessonText, Module, Question
from .services import active_modules

TARGETS = [locale for locale in LOCALES if locale != "en"]


@dataclass
class Row:
    kind: str  # course, module, lesson, quiz
    label: Picked  # the item's title, and the language it is shown in
    states: dict = field(default_factory=dict)  # locale -> "ok" | "missing" | "outdated"


@dataclass
class CourseStatus:
    course: Course
    rows: list
    missing: int = 0
    outdated: int = 0


def status_table(locale: str = "en") -> list[CourseStatus]:
    """One entry per active course; a fixed number of queries whatever the content size."""
    courses = list(
        db.session.scalars(
            select(Course)
            .where(Course.active.is_(True))
            .options(
                selectinload(Course.modules).selectinload(Module.lessons),
                selectinload(Course.modules).selectinload(Module.questions),
            )
            .order_by(Course.position)
        )
    )
    texts = {
        (lesson_id, loc): outdated
        for lesson_id, loc, outdated in db.session.execute(
            select(LessonText.lesson_id, LessonText.locale, LessonText.outdated)
            .join(Lesson)
            .where(Lesson.active.is_(True))
        )
    }
    result = []
    for course in courses:
        rows = [
            Row(
                "course",
                pick(course.titles, locale),
                {
                    loc: "ok" if loc in course.titles and loc in course.summaries else "missing"
                    for loc in TARGETS
                },
            )
        ]
        for module in active_modules(course):
            rows.append(
                Row(
                    "module",
                    pick(module.titles, locale),
                    {loc: "ok" if loc in module.titles else "missing" for loc in TARGETS},
                )
            )
            for lesson in module.lessons:
                if not lesson.active:
                    continue
                states = {}
                for loc in TARGETS:
                    if (lesson.id, loc) not in texts:
                        states[loc] = "missing"
                    else:
                        states[loc] = "outdated" if texts[lesson.id, loc] else "ok"
                rows.append(Row("lesson", pick(lesson.titles, locale), states))
            questions: list[Question] = [q for q in module.questions if q.active]
            if questions:
                rows.append(
                    Row(
                        "quiz",
                        pick(module.titles, locale),
                        {
                            loc: "ok" if all(loc in q.texts for q in questions) else "missing"
                            for loc in TARGETS
                        },
                    )
                )
        status = CourseStatus(course=course, rows=rows)
        for row in rows:
            status.missing += sum(1 for s in row.states.values() if s == "missing")
            status.outdated += sum(1 for s in row.states.values() if s == "outdated")
        result.append(status)
    return result
