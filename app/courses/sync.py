"""Write what content/ holds into the database, idempotently, keeping every learner's history."""

from sqlalchemy import select

from app.core.content import update_changed
from app.extensions import db

from .loader import CourseSource
from .models import Course, Lesson, LessonText, Module, Question


def sync_courses(sources: list[CourseSource]) -> list[str]:
    """Import the courses; return what changed (empty when nothing did). Flushes, no commit."""
    changes: list[str] = []
    courses = {c.key: c for c in db.session.scalars(select(Course))}
    for position, source in enumerate(sources):
        course = courses.pop(source.key, None)
        if course is None:
            course = Course(key=source.key)
            db.session.add(course)
            changes.append(f"course {source.key}: added")
        update_changed(
            course,
            changes,
            f"course {source.key}",
            level=source.level,
            minutes=source.minutes,
            digcomp=source.digcomp,
            greencomp=source.greencomp,
            prerequisites=source.prerequisites,
            titles=source.titles,
            summaries=source.summaries,
            position=position,
            active=True,
        )
        db.session.flush()
        _sync_modules(course, source, changes)
    for course in courses.values():
        if course.active:
            course.active = False
            changes.append(f"course {course.key}: removed from content (history kept)")
    if changes:
        record_content_change(len(changes))
    db.session.flush()
    return changes


def record_content_change(count: int, actor=None) -> None:
    """Say that what learners read changed: workers rebuild their copy of the course structure
    (see structure.py). Anything that writes courses, modules, lessons or questions calls it."""
    from app.core.audit import audit

    from .structure import CONTENT_SYNCED, changed

    audit(CONTENT_SYNCED, actor, detail=f"{count} change(s)")
    changed(db.session)


def _sync_modules(course: Course, source: CourseSource, changes: list[str]) -> None:
    modules = {
        m.key: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))
    }
    lessons = {
        item.key: item
        for item in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    texts = {
        (t.lesson_id, t.locale): t
        for t in db.session.scalars(
            select(LessonText).join(Lesson).where(Lesson.course_id == course.id)
        )
    }
    for position, module_source in enumerate(source.modules):
        label = f"module {course.key}/{module_source.key}"
        module = modules.pop(module_source.key, None)
        if module is None:
            module = Module(course_id=course.id, key=module_source.key)
            db.session.add(module)
            changes.append(f"{label}: added")
        update_changed(
            module,
            changes,
            label,
            position=position,
            titles=module_source.titles,
            pass_mark=module_source.pass_mark,
            active=True,
        )
        db.session.flush()
        for lesson_position, lesson_source in enumerate(module_source.lessons):
            lesson_label = f"lesson {course.key}/{lesson_source.key}"
            lesson = lessons.pop(lesson_source.key, None)
            if lesson is None:
                lesson = Lesson(course_id=course.id, key=lesson_source.key)
                db.session.add(lesson)
                changes.append(f"{lesson_label}: added")
            titles = {loc: text.title for loc, text in lesson_source.texts.items()}
            update_changed(
                lesson,
                changes,
                lesson_label,
                module_id=module.id,
                position=lesson_position,
                titles=titles,
                active=True,
            )
            db.session.flush()
            updated = set()
            for locale, text in lesson_source.texts.items():
                row = texts.pop((lesson.id, locale), None)
                if row is None:
                    db.session.add(
                        LessonText(
                            lesson_id=lesson.id,
                            locale=locale,
                            title=text.title,
                            html=text.html,
                            words=text.words,
                            source_hash=text.source_hash,
                        )
                    )
                    changes.append(f"{lesson_label} ({locale}): added")
                elif row.source_hash != text.source_hash:
                    row.title, row.html, row.words = text.title, text.html, text.words
                    row.source_hash = text.source_hash
                    row.outdated = False
                    updated.add(locale)
                    changes.append(f"{lesson_label} ({locale}): updated")
            if "en" in updated:
                _mark_outdated(lesson, updated, changes, lesson_label)
        _sync_questions(module, module_source, changes, label)
    for module in modules.values():
        if module.active:
            module.active = False
            changes.append(f"module {course.key}/{module.key}: removed (history kept)")
    for lesson in lessons.values():
        if lesson.active:
            lesson.active = False
            changes.append(f"lesson {course.key}/{lesson.key}: removed (history kept)")
    for row in texts.values():
        db.session.delete(row)
        changes.append(f"lesson text {row.lesson_id} ({row.locale}): removed")


def _sync_questions(module: Module, source, changes: list[str], label: str) -> None:
    questions = {
        q.key: q
        for q in db.session.scalars(select(Question).where(Question.module_id == module.id))
    }
    for position, question_source in enumerate(source.questions):
        question = questions.pop(question_source.key, None)
        if question is None:
            question = Question(module_id=module.id, key=question_source.key)
            db.session.add(question)
            changes.append(f"{label} question {question_source.key}: added")
        update_changed(
            question,
            changes,
            f"{label} question {question_source.key}",
            position=position,
            multiple=question_source.multiple,
            texts=question_source.texts,
            options=question_source.options,
            active=True,
        )
    for question in questions.values():
        if question.active:
            question.active = False
            changes.append(f"{label} question {question.key}: removed (history kept)")


def _mark_outdated(lesson: Lesson, updated: set[str], changes: list[str], label: str) -> None:
    """The English lesson changed: translations not changed with it are now outdated."""
    for row in db.session.scalars(select(LessonText).where(LessonText.lesson_id == lesson.id)):
        if row.locale not in updated and not row.outdated:
            row.outdated = True
            changes.append(f"{label} ({row.locale}): now older than the English lesson")
