"""The real questionnaire (content/assessment/), synced into the test database."""

from functools import lru_cache
from pathlib import Path

import pytest

from app.assessment.loader import read_assessment
from app.assessment.sync import sync_assessment
from app.extensions import db
from tests.conftest import in_app

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def questionnaire(app):
    sources, problems = read_assessment(CONTENT)
    assert problems == []
    with in_app(app):
        sync_assessment(sources)
        db.session.commit()
    return sources[0]


@lru_cache(maxsize=1)
def _real_courses():
    from app.courses.loader import read_content

    courses, problems = read_content(CONTENT)
    assert problems == []
    return courses


@pytest.fixture
def synced_content(app):
    """The real courses of content/, as catalogue rows (the path recommends them by their
    competences; their lessons are not needed here, so they are not imported)."""
    from app.courses.models import Course

    with in_app(app):
        for position, source in enumerate(_real_courses()):
            db.session.add(
                Course(
                    key=source.key,
                    level=source.level,
                    minutes=source.minutes,
                    digcomp=source.digcomp,
                    greencomp=source.greencomp,
                    prerequisites=source.prerequisites,
                    titles=source.titles,
                    summaries=source.summaries,
                    position=position,
                )
            )
        db.session.commit()
