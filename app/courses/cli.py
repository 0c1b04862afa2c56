"""`flask --app wsgi content check` and `content sync`."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

from .loader import read_content
from .sync import sync_courses

content_cli = AppGroup("content", help="Validate and import course content from content/.")


def _read():
    courses, problems = read_content(current_app.config["CONTENT_DIR"])
    for problem in problems:
        click.echo(str(problem), err=True)
    return courses, problems


@content_cli.command("check")
def content_check():
    """Validate all content; report every problem with file and line, exit 1 on any."""
    courses, problems = _read()
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported.")
    lessons = sum(len(m.lessons) for c in courses for m in c.modules)
    click.echo(f"Content is valid: {len(courses)} course(s), {lessons} lesson(s).")


@content_cli.command("sync")
def content_sync():
    """Check the content, then import what changed (a second run with no change writes nothing)."""
    courses, problems = _read()
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported.")
    changes = sync_courses(courses)
    if not changes:
        db.session.rollback()
        click.echo("Content is up to date: no change.")
        return
    db.session.commit()
    for change in changes:
        click.echo(f"  {change}")
    click.echo(f"{len(changes)} change(s) imported.")


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
