"""The starter programme in content/: four complete courses, in all seven languages, that pass
`content check`, sync into an empty database and report no change on a second sync."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.i18n import LOCALES
from app.courses.loader import SOURCE, read_content
from app.courses.models import Course, Lesson, LessonText, Question
from app.extensions import db
from tests.conftest import in_app

CONTENT = Path(__file__).resolve().parents[2] / "content"
COURSES = ["cybersecurity-basics", "digital-foundations", "impact-measurement", "twin-transition"]


@pytest.fixture(scope="module")
def programme():
    courses, problems = read_content(CONTENT)
    assert [str(p) for p in problems] == []
    return {course.key: course for course in courses}


def test_the_four_courses_are_there(programme):
    assert sorted(programme) == COURSES


@pytest.mark.parametrize("key", COURSES)
def test_each_course_is_complete_in_every_language(programme, key):
    course = programme[key]
    assert set(course.titles) == set(LOCALES) and set(course.summaries) == set(LOCALES)
    assert len(course.modules) >= 3
    for module in course.modules:
        assert set(module.titles) == set(LOCALES), module.key
        assert 2 <= len(module.lessons) <= 4, module.key
        assert len(module.questions) >= 4, module.key
        for lesson in module.lessons:
            assert set(lesson.texts) == set(LOCALES), lesson.key
            assert 400 <= lesson.texts[SOURCE].words <= 900, (
                lesson.key,
                lesson.texts[SOURCE].words,
            )
        for question in module.questions:
            assert set(question.texts) == set(LOCALES), question.key
            for option in question.options:
                assert set(option["texts"]) == set(LOCALES) == set(option["feedbacks"])


def test_the_programme_syncs_into_an_empty_database_then_reports_no_change(app, runner):
    app.config["CONTENT_DIR"] = str(CONTENT)
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    for key in COURSES:
        assert f"course {key}: added" in first.output
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(Course)) == 4
        lessons = db.session.scalar(select(func.count()).select_from(Lesson))
        texts = db.session.scalar(select(func.count()).select_from(LessonText))
        assert texts == lessons * len(LOCALES)
        assert db.session.scalar(select(func.count()).select_from(Question)) >= 4 * 3 * 4
    second = runner.invoke(args=["content", "sync"])
    assert second.exit_code == 0 and "no change" in second.output
