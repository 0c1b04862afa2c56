"""content check and content sync: every kind of bad content is reported with file and line,
nothing is imported from invalid content, and syncing never loses a learner's history."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.courses import services
from app.courses.loader import read_content, render_markdown
from app.courses.models import Course, Lesson, LessonProgress, LessonText
from app.courses.sync import sync_courses
from app.extensions import db
from tests.conftest import SAMPLE_CONTENT, in_app


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems_of(content: Path) -> list[str]:
    return [str(problem) for problem in read_content(content)[1]]


def test_the_sample_content_is_valid():
    courses, problems = read_content(SAMPLE_CONTENT)
    assert problems == []
    assert [c.key for c in courses] == ["follow-up", "sample"]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "sample/course.lv.yml",
            "title: Parauga kurss\n",
            "",
            "content/courses/sample/course.lv.yml:1: missing course title (lv)",
        ),
        (
            "sample/course.lv.yml",
            "  practice: Prakse\n",
            "",
            "content/courses/sample/course.lv.yml:3: missing title of module 'practice' (lv)",
        ),
        (
            "sample/basics/quiz.en.yml",
            "correct: true\n        feedback: Right.",
            "correct: false\n        feedback: Right.",
            "content/courses/sample/basics/quiz.en.yml:5: question 'backup' has no correct answer",
        ),
        (
            "sample/course.yml",
            '["2.4", "4.2"]',
            '["2.4", "7.1"]',
            "content/courses/sample/course.yml:4: unknown DigComp 2.2 competence '7.1'",
        ),
        (
            "sample/course.yml",
            "lessons: [practice-one]",
            "lessons: [first-steps]",
            "content/courses/sample/course.yml:11: duplicate lesson key 'first-steps'",
        ),
        (
            "sample/course.yml",
            "  - key: practice\n",
            "  - key: basics\n",
            "content/courses/sample/course.yml:10: duplicate module key 'basics'",
        ),
        (
            "sample/basics/first-steps.en.md",
            "lesson:second-steps",
            "lesson:third-steps",
            "content/courses/sample/basics/first-steps.en.md:3: broken link to lesson 'third-steps'",
        ),
        (
            "sample/course.yml",
            "prerequisites: []",
            "prerequisites: [follow-up]",
            "content/courses/sample/course.yml:6: prerequisite cycle: follow-up -> sample -> follow-up",
        ),
        (
            "sample/basics/quiz.lv.yml",
            "key: reuse",
            "key: reused",
            "content/courses/sample/basics/quiz.lv.yml:14: question 'safe-habits': option keys differ from English",
        ),
        (
            "sample/basics/second-steps.lv.md",
            "# Otrie soļi",
            "Otrie soļi",
            "content/courses/sample/basics/second-steps.lv.md:1: missing lesson title (lv): start with '# Title'",
        ),
        (
            "sample/basics/first-steps.en.md",
            '!!! tip "Start small"',
            "!!! tip",
            'content/courses/sample/basics/first-steps.en.md:5: give the callout a title in quotes: !!! tip "Title"',
        ),
        (
            "sample/basics/first-steps.en.md",
            "images/dot.png",
            "images/missing.png",
            "content/courses/sample/basics/first-steps.en.md:12: image not found in images/: images/missing.png",
        ),
        (
            "sample/course.yml",
            "level: foundation",
            "level: expert",
            "content/courses/sample/course.yml:2: level must be one of foundation, intermediate, advanced",
        ),
    ],
)
def test_bad_content_is_reported_with_file_and_line(content, file, old, new, expected):
    edit(content / "courses" / file, old, new)
    assert expected in problems_of(content)


def test_a_missing_knowledge_check_and_english_lesson_are_reported(content):
    (content / "courses/sample/practice/quiz.en.yml").unlink()
    (content / "courses/sample/practice/practice-one.en.md").unlink()
    found = problems_of(content)
    assert (
        "content/courses/sample/practice/quiz.en.yml:1: module 'practice' has no knowledge check"
        in found
    )
    assert any("practice-one" in p and "no English file" in p for p in found)


def test_check_command_exits_non_zero_and_sync_imports_nothing(app, runner, content):
    edit(content / "courses/sample/course.yml", '"4.2"', '"9.9"')
    app.config["CONTENT_DIR"] = str(content)
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 1 and "course.yml:4: unknown DigComp" in check.output
    sync = runner.invoke(args=["content", "sync"])
    assert sync.exit_code == 1
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_sync_imports_then_reports_no_change(app, runner):
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0 and "course sample: added" in first.output
    second = runner.invoke(args=["content", "sync"])
    assert second.exit_code == 0 and "no change" in second.output


def _complete_all(app, user_id, course_key):
    from app.accounts.models import User
    from app.core.db import utcnow

    with in_app(app):
        user = db.session.get(User, user_id)
        course = services.get_course(course_key)
        enrolment = services.enrol(user, course, utcnow())
        for lesson in services.active_lessons(course):
            services.complete_lesson(user, enrolment, lesson, utcnow())
        db.session.commit()


def test_moving_and_removing_lessons_keeps_every_learners_progress(app, make_user, content):
    app.config["CONTENT_DIR"] = str(content)
    learner = make_user()
    with in_app(app):
        sync_courses(read_content(content)[0])
        db.session.commit()
    _complete_all(app, learner, "sample")
    # Move the last lesson to the front of another module, reword a title, remove a lesson.
    edit(
        content / "courses/sample/course.yml",
        "lessons: [first-steps, second-steps]",
        "lessons: [second-steps]",
    )
    edit(
        content / "courses/sample/course.yml",
        "lessons: [practice-one]",
        "lessons: [first-steps, practice-one]",
    )
    shutil.move(
        content / "courses/sample/basics/first-steps.en.md",
        content / "courses/sample/practice/first-steps.en.md",
    )
    for locale in ("es", "lv"):
        (content / f"courses/sample/basics/first-steps.{locale}.md").unlink()
    edit(
        content / "courses/sample/practice/practice-one.en.md", "# Practice one", "# Practice, one"
    )
    with in_app(app):
        courses, problems = read_content(content)
        assert problems == []
        changes = sync_courses(courses)
        db.session.commit()
        assert any("first-steps" in c and "module_id" in c for c in changes)
        moved = db.session.scalar(select(Lesson).where(Lesson.key == "first-steps"))
        assert moved.module.key == "practice" and moved.position == 0
        done = db.session.scalar(
            select(func.count()).where(
                LessonProgress.user_id == learner, LessonProgress.completed_at.is_not(None)
            )
        )
        assert done == 3  # nothing lost
    # Removing a lesson from content keeps its history; the lesson is only hidden.
    edit(
        content / "courses/sample/course.yml", "lessons: [second-steps]", "lessons: [first-steps-x]"
    )
    (content / "courses/sample/basics/first-steps-x.en.md").write_text("# X\n\nNew.\n")
    with in_app(app):
        sync_courses(read_content(content)[0])
        db.session.commit()
        gone = db.session.scalar(select(Lesson).where(Lesson.key == "second-steps"))
        assert gone.active is False
        assert (
            db.session.scalar(select(func.count()).where(LessonProgress.lesson_id == gone.id)) == 1
        )


def test_a_changed_english_lesson_marks_its_translations_outdated(app, content):
    with in_app(app):
        sync_courses(read_content(content)[0])
        db.session.commit()
    edit(
        content / "courses/sample/basics/second-steps.en.md",
        "| Drive | files |",
        "| Cloud | files |",
    )
    with in_app(app):
        changes = sync_courses(read_content(content)[0])
        db.session.commit()
        assert any("(lv): now older than the English lesson" in c for c in changes)
        rows = {
            t.locale: t.outdated
            for t in db.session.scalars(
                select(LessonText).join(Lesson).where(Lesson.key == "second-steps")
            )
        }
        assert rows == {"en": False, "lv": True}


def test_markdown_is_sanitised_and_external_links_marked():
    html, context = render_markdown(
        'Hi [x](https://example.org) <script>alert(1)</script>\n\n<p onclick="y()">p</p>\n\n'
        '[l](lesson:next) <img src="x" onerror="z()">',
        "demo",
    )
    assert "<script" not in html and "onclick" not in html and "onerror" not in html
    assert 'class="external"' in html and 'rel="external noopener noreferrer"' in html
    assert 'href="/courses/demo/lessons/next"' in html
    assert context["links"] == ["next"]


def test_course_images_keep_lazy_loading_through_the_sanitiser():
    html, context = render_markdown("![A chart](images/chart.png)", "demo")
    assert '<img alt="A chart" loading="lazy" src="/courses/demo/media/chart.png">' in html
    assert context["images"] == ["images/chart.png"]


def test_a_source_title_in_another_language_keeps_its_lang_attribute():
    html, _context = render_markdown(
        '- *<span lang="en">Cybersecurity guide for SMEs</span>*, ENISA <span onclick="x()">.</span>',
        "demo",
    )
    assert '<span lang="en">Cybersecurity guide for SMEs</span>' in html
    assert "onclick" not in html


def test_each_worker_follows_an_import_within_its_recheck_interval(
    app_factory, content, monkeypatch
):
    """Two apps stand for two workers. The one that imports sees its import at once; the other
    trusts its copy of the course structure for CONTENT_RECHECK_SECONDS, then follows."""
    from tests.conftest import count_queries

    importer = app_factory(CONTENT_DIR=str(content), CONTENT_RECHECK_SECONDS=3600)
    other = app_factory(CONTENT_DIR=str(content), CONTENT_RECHECK_SECONDS=3600)
    with in_app(importer):
        sync_courses(read_content(content)[0])
        db.session.commit()
    clients = {"importer": importer.test_client(), "other": other.test_client()}
    for client in clients.values():
        assert "Sample course" in client.get("/courses?lang=en").text
    with count_queries(other) as statements:
        assert clients["other"].get("/courses/sample?lang=en").status_code == 200
    assert not [s for s in statements if "audit_events" in s]  # no recheck inside the interval

    edit(content / "courses/sample/course.en.yml", "title: Sample course", "title: Renamed course")
    with in_app(importer):
        sync_courses(read_content(content)[0])
        db.session.commit()
    assert "Renamed course" in clients["importer"].get("/courses?lang=en").text
    assert "Sample course" in clients["other"].get("/courses?lang=en").text  # still its copy
    import time

    from app.courses import structure

    later = time.monotonic() + 3601  # the interval is over
    monkeypatch.setattr(structure.time, "monotonic", lambda: later)
    page = clients["other"].get("/courses?lang=en").text
    assert "Renamed course" in page and "Sample course" not in page
