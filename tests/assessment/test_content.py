"""content check for the self-assessment: the real questionnaire is valid in all seven
languages; every kind of mistake is reported with file and line and nothing is imported;
syncing twice changes nothing, and an edited question keeps its answers."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.assessment.loader import read_assessment
from app.assessment.models import AssessmentQuestion
from app.assessment.sync import sync_assessment
from app.config import LOCALES
from app.extensions import db
from tests.assessment.conftest import CONTENT


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT / "assessment", target / "assessment")
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems_of(content: Path) -> list[str]:
    return [str(problem) for problem in read_assessment(content)[1]]


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(text)


def test_the_questionnaire_is_valid_in_every_language():
    (source,), problems = read_assessment(CONTENT)
    assert problems == []
    assert [d.key for d in source.dimensions] == [
        "strategy",
        "readiness",
        "people",
        "data",
        "automation",
        "green",
    ]
    assert len(source.self_rating) == 5
    for question in source.questions():
        assert set(question.texts) == set(LOCALES), question.key
    for dimension in source.dimensions:
        assert set(dimension.titles) == set(LOCALES)
        assert dimension.digcomp or dimension.greencomp
        assert dimension.expertise


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "assessment.yml",
            "  - key: strategy\n",
            "  - key: strategy\n    colour: red\n",
            "unknown key 'colour'",
        ),
        (
            "assessment.yml",
            "{key: ideas, score: 35}",
            "{key: ideas, score: 135}",
            "score of 'ideas' must be 0-100",
        ),
        (
            "assessment.yml",
            "kind: scale\n  - key: readiness",
            "kind: slider\n  - key: readiness",
            "kind must be one of single, multiple, scale",
        ),
        (
            "assessment.yml",
            'digcomp: ["1.3", "5.3", "2.2"]',
            'digcomp: ["1.3", "9.9"]',
            "unknown digcomp code '9.9'",
        ),
        (
            "assessment.yml",
            "expertise: [green-digital]",
            "expertise: [gardening]",
            "unknown expertise code 'gardening'",
        ),
        ("assessment.sv.yml", '  "no": "Nej"', "  no: Nej", "text for unknown option False"),
        (
            "assessment.lt.yml",
            "  strategy-plan:\n    text:",
            "  strategy-plans:\n    text:",
            "texts for unknown question 'strategy-plans'",
        ),
    ],
)
def test_mistakes_are_reported_with_file_and_line(content, file, old, new, expected):
    path = content / "assessment" / file
    edit(path, old, new)
    found = problems_of(content)
    matching = [p for p in found if expected in p]
    assert matching, found
    assert matching[0].startswith(f"content/assessment/{file}:")
    number = int(matching[0].split(":")[1])
    assert number > 1 or file != "assessment.yml"


def test_a_missing_language_and_a_missing_text_are_reported(content):
    (content / "assessment" / "assessment.ca.yml").unlink()
    path = content / "assessment" / "assessment.lv.yml"
    text = path.read_text("utf-8")
    start = text.index("  green-services:")
    end = text.index("  digcomp-1:")
    path.write_text(text[:start] + text[end:], "utf-8")
    found = problems_of(content)
    assert "content/assessment/assessment.yml:1: missing translation (ca)" in found
    assert any(
        p.startswith("content/assessment/assessment.lv.yml:")
        and "missing texts of question 'green-services'" in p
        for p in found
    ), found


def test_the_check_command_fails_and_sync_imports_nothing(app, runner, content):
    edit(content / "assessment" / "assessment.yml", "{key: ideas, score: 35}", "{key: ideas}")
    app.config["CONTENT_DIR"] = str(content)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1 and "must be 0-100" in result.output
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(AssessmentQuestion.id)) is None


def test_sync_twice_changes_nothing_and_a_reworded_question_keeps_its_row(ctx, content):
    (source,), _ = read_assessment(content)
    assert sync_assessment([source]) != []
    db.session.commit()
    before = {q.key: q.id for q in db.session.scalars(select(AssessmentQuestion))}
    assert sync_assessment(read_assessment(content)[0]) == []
    edit(
        content / "assessment" / "assessment.en.yml",
        "How is your internet connection where you work?",
        "How good is the internet connection where you work?",
    )
    changes = sync_assessment(read_assessment(content)[0])
    assert changes == ["question readiness-connection: updated texts"]
    db.session.commit()
    after = {q.key: q.id for q in db.session.scalars(select(AssessmentQuestion))}
    assert after == before
