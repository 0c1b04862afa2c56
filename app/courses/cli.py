"""The courses' content source for `flask --app wsgi content check` and `content sync`
(core/content.py runs every domain's source), and the demo learner's progress."""

from datetime import timedelta

from app.core.content import ContentSource, content_source
from app.extensions import db

from .loader import read_content
from .sync import sync_courses


def _describe(courses) -> str:
    lessons = sum(len(m.lessons) for c in courses for m in c.modules)
    return f"{len(courses)} course(s), {lessons} lesson(s)"


content_source(
    ContentSource(
        name="courses",
        read=read_content,
        sync=sync_courses,
        describe=_describe,
        order=10,
    )
)


def seed_learning(learner, now) -> str | None:
    """Enrol the demo learner in two courses, the first one half done; describe what was done."""
    from sqlalchemy import select

    from . import services
    from .models import Course

    courses = list(
        db.session.scalars(select(Course).where(Course.active.is_(True)).order_by(Course.position))
    )[:2]
    if not courses:
        return None
    for index, course in enumerate(courses):
        if services.find_enrolment(learner, course):
            continue
        enrolment = services.enrol(learner, course, now)
        if index == 0:
            lessons = services.active_lessons(course)
            started = now - timedelta(days=6)
            for number, lesson in enumerate(lessons[: max(1, len(lessons) // 2)]):
                opened = started + timedelta(days=number, minutes=number * 7)
                services.open_lesson(learner, enrolment, lesson, opened)
                services.complete_lesson(learner, enrolment, lesson, opened + timedelta(minutes=11))
    return ", ".join(course.key for course in courses)
