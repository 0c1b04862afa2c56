"""The courses' structure kept in each worker between requests: courses, modules, lessons and
which modules have knowledge-check questions, as plain read-only objects.

It changes only when content is imported. `sync_courses` records each import that changed
something as a `content_synced` audit event, and `current()` reads the id and time of the
latest one (one indexed query, the only one when nothing changed) at most once per
CONTENT_RECHECK_SECONDS (1 s) in each worker; requests in between use the copy without asking.
A worker whose copy was built for another event rebuilds it, so every worker follows an import
within that second; no process has to be told. The process that imports asks again right
after its commit. The event is read before the structure, so a copy is never labelled newer
than what it holds.

The objects carry the attributes the catalog, lesson and learning pages and the progress rules
read from the models (`course.modules`, `module.lessons`, `lesson.module`, `titles` ...).
Treat them as read-only: they are shared by every request of the worker.
"""

import threading
import time
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.audit import AuditEvent
from app.extensions import db

from .models import Course, Lesson, LessonText, Module, Question

CONTENT_SYNCED = "content_synced"
_CACHE = "doimpact.course_structure"
# Lessons whose texts (all languages) a worker keeps; the oldest read goes first.
KEPT_LESSON_TEXTS = 128


class LessonInfo:
    __slots__ = ("active", "course_id", "id", "key", "module", "module_id", "position", "titles")

    def __init__(self, row: Lesson, module: "ModuleInfo"):
        self.id, self.course_id, self.module_id = row.id, row.course_id, row.module_id
        self.key, self.position, self.titles, self.active = (
            row.key,
            row.position,
            row.titles,
            row.active,
        )
        self.module = module


class ModuleInfo:
    __slots__ = (
        "active",
        "course",
        "course_id",
        "id",
        "key",
        "lessons",
        "pass_mark",
        "position",
        "questions",
        "titles",
    )

    def __init__(self, row: Module, course: "CourseInfo", questions: tuple):
        self.id, self.course_id, self.key = row.id, row.course_id, row.key
        self.position = row.position
        self.titles, self.pass_mark, self.active = row.titles, row.pass_mark, row.active
        # The ids of the module's questions, active or not (truthy as the relationship is).
        self.questions = questions
        self.lessons: list[LessonInfo] = []
        self.course = course


class CourseInfo:
    __slots__ = (
        "active",
        "digcomp",
        "greencomp",
        "id",
        "key",
        "level",
        "minutes",
        "modules",
        "position",
        "prerequisites",
        "summaries",
        "titles",
    )

    def __init__(self, row: Course):
        self.id, self.key, self.level, self.minutes = row.id, row.key, row.level, row.minutes
        self.digcomp, self.greencomp = row.digcomp, row.greencomp
        self.prerequisites, self.titles, self.summaries = (
            row.prerequisites,
            row.titles,
            row.summaries,
        )
        self.position, self.active = row.position, row.active
        self.modules: list[ModuleInfo] = []

    @property
    def twin_transition(self) -> bool:
        return bool(self.greencomp)

    @property
    def locales(self) -> list[str]:
        return sorted(self.titles)


class TextInfo:
    """A lesson in one language (what the lesson page reads of a LessonText)."""

    __slots__ = ("html", "id", "lesson_id", "locale", "outdated", "title", "words")

    def __init__(self, row):
        self.id, self.lesson_id, self.locale = row.id, row.lesson_id, row.locale
        self.title, self.html, self.words, self.outdated = (
            row.title,
            row.html,
            row.words,
            row.outdated,
        )


@dataclass
class Structure:
    version: tuple | None
    by_id: dict[int, CourseInfo] = field(default_factory=dict)
    by_key: dict[str, CourseInfo] = field(default_factory=dict)
    # Active courses in catalog order (position, then key).
    catalog: list[CourseInfo] = field(default_factory=list)
    # Modules with at least one active question (they have a knowledge check to pass).
    with_questions: frozenset[int] = frozenset()

    texts: dict[int, dict[str, TextInfo]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def active_course(self, key: str) -> CourseInfo | None:
        course = self.by_key.get(key)
        return course if course is not None and course.active else None

    def lesson_texts(self, lesson_id: int) -> dict[str, TextInfo]:
        """{locale: text} of a lesson (one query the first time this structure is asked)."""
        texts = self.texts.get(lesson_id)
        if texts is None:
            texts = {
                row.locale: TextInfo(row)
                for row in db.session.execute(
                    select(
                        LessonText.id,
                        LessonText.lesson_id,
                        LessonText.locale,
                        LessonText.title,
                        LessonText.html,
                        LessonText.words,
                        LessonText.outdated,
                    ).where(LessonText.lesson_id == lesson_id)
                )
            }
            with self._lock:
                while len(self.texts) >= KEPT_LESSON_TEXTS:
                    del self.texts[next(iter(self.texts))]
                self.texts[lesson_id] = texts
        return texts


def content_version() -> tuple | None:
    """The latest content import that changed something: (event id, time), or None."""
    row = db.session.execute(
        select(AuditEvent.id, AuditEvent.at)
        .where(AuditEvent.action == CONTENT_SYNCED)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return tuple(row) if row is not None else None


def current() -> Structure:
    """The structure as of the latest content import: no query when this worker asked less than
    CONTENT_RECHECK_SECONDS ago, one when it has the latest copy."""
    cache = current_app.extensions.setdefault(_CACHE, {})
    held = cache.get("structure")
    now = time.monotonic()
    if held is not None and now < cache.get("fresh_until", 0.0):
        return held
    version = content_version()  # first: see the module's note
    cache["fresh_until"] = now + current_app.config["CONTENT_RECHECK_SECONDS"]
    if held is not None and held.version == version:
        return held
    built = _build(version)
    cache["structure"] = built
    return built


def changed(session: Session) -> None:
    """Note that this transaction changes content: after its commit this process asks for the
    latest import at its next request instead of waiting for the recheck interval."""
    session.info[_CACHE] = True


@event.listens_for(Session, "after_commit")
def _ask_again_after_import(session: Session) -> None:
    if session.info.pop(_CACHE, False) and has_app_context():
        current_app.extensions.get(_CACHE, {}).pop("fresh_until", None)


def _build(version: tuple | None) -> Structure:
    structure = Structure(version=version)
    for row in db.session.scalars(select(Course).order_by(Course.position, Course.key)):
        course = CourseInfo(row)
        structure.by_id[course.id] = course
        structure.by_key[course.key] = course
        if course.active:
            structure.catalog.append(course)
    questions: dict[int, list[int]] = {}
    active_questions = set()
    for question_id, module_id, active in db.session.execute(
        select(Question.id, Question.module_id, Question.active).order_by(
            Question.module_id, Question.position, Question.id
        )
    ):
        questions.setdefault(module_id, []).append(question_id)
        if active:
            active_questions.add(module_id)
    structure.with_questions = frozenset(active_questions)
    modules: dict[int, ModuleInfo] = {}
    for row in db.session.scalars(select(Module).order_by(Module.position, Module.id)):
        course = structure.by_id[row.course_id]
        module = ModuleInfo(row, course, tuple(questions.get(row.id, ())))
        modules[module.id] = module
        course.modules.append(module)
    for row in db.session.scalars(select(Lesson).order_by(Lesson.position, Lesson.id)):
        module = modules[row.module_id]
        module.lessons.append(LessonInfo(row, module))
    return structure
