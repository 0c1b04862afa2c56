"""Learners: catalog, lessons in their language, knowledge checks checked on the server,
progress, completion, certificates; trainers: translation status and completion by hand."""

import re
import shutil

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import utcnow
from app.core.errors import DomainError
from app.courses import services
from app.courses.loader import read_content
from app.courses.models import Certificate, Enrolment, QuizAttempt
from app.courses.sync import sync_courses
from app.extensions import db
from tests.conftest import SAMPLE_CONTENT, count_queries, in_app


@pytest.fixture
def learner(app, make_user, synced):
    return make_user(email="learner@example.org", locale="en")


def grown_content(tmp_path, copies: int):
    """The sample content plus `copies` copies of the sample course under new keys."""
    root = tmp_path / "grown"
    shutil.copytree(SAMPLE_CONTENT, root)
    for index in range(copies):
        folder = root / "courses" / f"copy-{index}"
        shutil.copytree(root / "courses" / "sample", folder)
        course_yml = folder / "course.yml"
        course_yml.write_text(
            course_yml.read_text("utf-8").replace("key: sample", f"key: copy-{index}"), "utf-8"
        )
    return root


def enrolled_client(app, login_as, user_id, course="sample"):
    client = app.test_client()
    login_as(client, user_id)
    assert client.post(f"/courses/{course}/enrol").status_code == 302
    return client


def test_catalog_filters_and_search(client, synced):
    html = client.get("/courses").get_data(as_text=True)
    assert "Sample course" in html and "Green follow-up" in html
    assert "2 courses found." in html
    twin = client.get("/courses?twin=y").get_data(as_text=True)
    assert "Green follow-up" in twin and "Sample course" not in twin
    latvian = client.get("/courses?language=lv").get_data(as_text=True)
    assert "Sample course" in latvian and "Green follow-up" not in latvian
    area = client.get("/courses?area=4&level=intermediate").get_data(as_text=True)
    assert "Green follow-up" in area and "Sample course" not in area
    search = client.get("/courses?q=GREEN").get_data(as_text=True)
    assert "1 course found." in search
    empty = client.get("/courses?q=nothing-like-this").get_data(as_text=True)
    assert "No course matches these filters." in empty


def test_catalog_paginates(app, client, synced):
    app.config["PAGE_SIZE"] = 1
    first = client.get("/courses").get_data(as_text=True)
    assert 'rel="next"' in first and "Page 1 of 2" in first
    second = client.get("/courses?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second


def test_course_page_shows_languages_duration_competences_and_modules(client, synced):
    html = client.get("/courses/sample").get_data(as_text=True)
    for text in (
        "English",
        "Español",
        "Latviešu",
        "45 minutes",
        "2.4 Collaborating through",
        "The basics",
        "Practice",
        "Knowledge check",
    ):
        assert text in html
    follow = client.get("/courses/follow-up").get_data(as_text=True)
    assert "Recommended before this course" in follow and "Systems thinking" in follow
    assert client.get("/courses/nope").status_code == 404


def test_lesson_needs_enrolment_then_opens_in_the_learners_language(app, login_as, learner):
    client = app.test_client()
    login_as(client, learner)
    assert client.get("/courses/sample/lessons/first-steps").status_code == 302
    client.post("/courses/sample/enrol")
    latvian = client.get("/courses/sample/lessons/first-steps?lang=lv").get_data(as_text=True)
    assert "Pirmie soļi" in latvian and 'class="notice"' not in latvian


@pytest.mark.parametrize(
    ("locale", "title", "shown_in"),
    [
        ("ca", "Primeros pasos", "espanyol"),
        ("it", "First steps", "inglese"),
        ("es", "Primeros pasos", None),
    ],
)
def test_missing_lesson_falls_back_along_the_chain_with_a_notice(
    app, login_as, learner, locale, title, shown_in
):
    client = enrolled_client(app, login_as, learner)
    html = client.get(f"/courses/sample/lessons/first-steps?lang={locale}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    if shown_in:
        assert shown_in in re.search(r'class="notice".*?</p>', html, re.S).group(0)
    else:
        assert 'class="notice"' not in html
    original = "/courses/sample/lessons/first-steps?read=en"
    assert (original in html) == (locale == "ca")  # a link to the English original


def test_a_learner_can_read_the_english_original_and_come_back(app, login_as, learner):
    client = enrolled_client(app, login_as, learner)
    html = client.get("/courses/sample/lessons/first-steps?lang=lv&read=en").get_data(as_text=True)
    assert "<h1>First steps</h1>" in html and "angļu" in html  # "English" in Latvian
    assert 'href="/courses/sample/lessons/first-steps"' in html
    html = client.get("/courses/sample/lessons/first-steps?read=xx").get_data(as_text=True)
    assert "<h1>Pirmie soļi</h1>" in html  # an unknown language is ignored


def test_an_outdated_translation_says_so_and_links_the_original(app, login_as, learner):
    from app.courses.models import Lesson, LessonText

    with in_app(app):
        text = db.session.scalar(
            select(LessonText)
            .join(Lesson)
            .where(Lesson.key == "first-steps", LessonText.locale == "lv")
        )
        text.outdated = True
        db.session.commit()
    client = enrolled_client(app, login_as, learner)
    html = client.get("/courses/sample/lessons/first-steps?lang=lv").get_data(as_text=True)
    notice = re.search(r'class="notice".*?</p>', html, re.S).group(0)
    assert "first-steps?read=en" in notice


def test_lesson_html_is_sanitised(app, login_as, learner):
    client = enrolled_client(app, login_as, learner)
    html = client.get("/courses/sample/lessons/first-steps?lang=en").get_data(as_text=True)
    assert "alert(1)" not in html and "steal()" not in html
    assert 'class="external"' in html and "/courses/sample/media/dot.png" in html
    media = client.get("/courses/sample/media/dot.png")
    assert media.status_code == 200 and media.mimetype == "image/png"
    media.close()
    assert client.get("/courses/sample/media/../course.yml").status_code == 404


def test_progress_counts_once_whatever_the_language(app, login_as, learner):
    client = enrolled_client(app, login_as, learner)
    client.post("/courses/sample/lessons/first-steps/done?lang=lv")
    client.post("/courses/sample/lessons/first-steps/done?lang=es")
    with in_app(app):
        user = db.session.get(User, learner)
        [item] = services.my_learning(user)[0]
        assert item.lessons_done == 1 and item.lessons_total == 3
        assert item.percent == 20  # 1 of 3 lessons + 2 knowledge checks
        assert item.next_lesson.key == "second-steps"


def test_quiz_is_scored_on_the_server_with_feedback_and_every_attempt_kept(app, login_as, learner):
    client = enrolled_client(app, login_as, learner)
    wrong = client.post(
        "/courses/sample/modules/basics/quiz",
        data={"q-backup": "yes-it-is", "q-safe-habits": ["manager"]},
    )
    html = wrong.get_data(as_text=True)
    assert "Not passed yet" in html and "Deletions are synced too." in html
    right = client.post(
        "/courses/sample/modules/basics/quiz",
        data={"q-backup": "no-it-is-not", "q-safe-habits": ["manager", "two-step"]},
    )
    assert "You passed!" in right.get_data(as_text=True)
    with in_app(app):
        attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
        assert [(a.score, a.passed) for a in attempts] == [(0, False), (100, True)]


@pytest.mark.parametrize(
    "data",
    [
        {"q-backup": "maybe"},  # unknown option
        {"q-backup": "no-it-is-not", "q-ready": "yes"},  # a question of another quiz
        {"q-backup": ["no-it-is-not", "yes-it-is"]},  # two answers to a single-choice question
    ],
)
def test_tampered_quiz_gets_a_clear_error_and_stores_nothing(app, login_as, learner, data):
    client = enrolled_client(app, login_as, learner)
    response = client.post("/courses/sample/modules/basics/quiz", data=data)
    assert response.status_code == 400
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_quiz_of_a_course_not_enrolled_is_refused(app, login_as, learner):
    client = app.test_client()
    login_as(client, learner)
    response = client.post("/courses/sample/modules/basics/quiz", data={"q-backup": "no-it-is-not"})
    assert response.status_code == 302
    with in_app(app):
        user = db.session.get(User, learner)
        module = services.get_course("sample").modules[0]
        with pytest.raises(DomainError):
            services.submit_quiz(user, module, {"backup": ["no-it-is-not"]}, "en", utcnow())
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_completion_gives_a_certificate_that_anyone_can_verify(app, login_as, learner):
    client = enrolled_client(app, login_as, learner)
    for lesson in ("first-steps", "second-steps", "practice-one"):
        client.post(f"/courses/sample/lessons/{lesson}/done")
    client.post(
        "/courses/sample/modules/basics/quiz",
        data={"q-backup": "no-it-is-not", "q-safe-habits": ["manager", "two-step"]},
    )
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    done = client.post("/courses/sample/modules/practice/quiz", data={"q-ready": "yes"})
    assert "completed the course" in done.get_data(as_text=True)
    with in_app(app):
        certificate = db.session.scalar(select(Certificate))
        assert db.session.scalar(select(Enrolment)).completed_at is not None
    pdf = client.get("/courses/sample/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    anonymous = app.test_client()
    page = anonymous.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "This certificate is valid." in page and "Test Person" in page
    assert "learner@example.org" not in page
    assert anonymous.get("/certificates/AAAA-BBBB-CCCC").status_code == 404
    assert "certificate (PDF)" in client.get("/learning").get_data(as_text=True)


def test_a_learner_cannot_download_someone_elses_certificate(app, login_as, learner, make_user):
    client = enrolled_client(app, login_as, learner)
    other = make_user(email="other@example.org")
    with in_app(app):
        course = services.get_course("sample")
        services.issue_certificate(db.session.get(User, other), course, utcnow())
        db.session.commit()
    assert client.get("/courses/sample/certificate.pdf").status_code == 404


def test_latvian_certificate_pdf_renders(app, make_user, synced):
    from app.courses.certificates import certificate_pdf

    user_id = make_user(name="Rūta Kalniņa", locale="lv")
    with in_app(app):
        certificate = services.issue_certificate(
            db.session.get(User, user_id), services.get_course("sample"), utcnow()
        )
        pdf = certificate_pdf(certificate, "http://localhost/certificates/X")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_trainer_marks_a_course_complete_by_hand_with_a_reason(app, login_as, make_user, learner):
    trainer = make_user(roles=("trainer",))
    client = app.test_client()
    login_as(client, trainer)
    missing = client.post(
        "/courses/sample/complete", data={"email": "learner@example.org", "reason": ""}
    )
    assert "reason-error" in missing.get_data(as_text=True)
    unknown = client.post(
        "/courses/sample/complete", data={"email": "ghost@example.org", "reason": "x"}
    )
    assert "No account uses this e-mail address." in unknown.get_data(as_text=True)
    ok = client.post(
        "/courses/sample/complete",
        data={"email": "learner@example.org", "reason": "Workshop in Riga, 3 May"},
    )
    assert ok.status_code == 302
    with in_app(app):
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.completed_by_id == trainer and "Riga" in enrolment.completion_note
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    learner_client = app.test_client()
    login_as(learner_client, learner)
    assert learner_client.get("/courses/sample/complete").status_code == 403


def test_translation_status_shows_missing_and_translated(app, login_as, make_user, synced):
    client = app.test_client()
    login_as(client, make_user(roles=("coordinator",)))
    html = client.get("/courses/translations").get_data(as_text=True)
    assert "Sample course" in html and "Missing" in html and "Translated" in html


def test_demo_seed_enrols_the_learner_in_two_courses_one_half_done(app, runner, synced):
    result = runner.invoke(args=["demo", "seed"])
    assert "enrolled in" in result.output
    with in_app(app):
        learner = db.session.scalar(select(User).where(User.email == "learner@demo.doimpact.eu"))
        in_progress, _done = services.my_learning(learner)
        assert len(in_progress) == 2
        assert any(item.lessons_done and 0 < item.percent < 100 for item in in_progress)
        assert any(item.seconds > 0 for item in in_progress)  # time spent shows at once


@pytest.mark.parametrize("path", ["/courses", "/courses/sample/lessons/first-steps", "/learning"])
def test_pages_run_a_bounded_number_of_queries(app, login_as, make_user, synced, path, tmp_path):
    """More courses, lessons, learners, enrolments and progress do not add queries."""
    client = enrolled_client(app, login_as, make_user())
    client.post("/courses/follow-up/enrol")
    client.get(path)  # the first visit of a lesson records it; measure the usual visits
    with count_queries(app, selects_only=True) as small:
        assert client.get(path).status_code == 200
    with in_app(app):
        sync_courses(read_content(grown_content(tmp_path, copies=6))[0])
        db.session.commit()
    for index in range(8):
        other = make_user()
        with in_app(app):
            for key in ("sample", f"copy-{index % 6}"):
                services.enrol(db.session.get(User, other), services.get_course(key), utcnow())
            db.session.commit()
    for index in range(6):
        client.post(f"/courses/copy-{index}/enrol")
    client.post("/courses/sample/lessons/first-steps/done")
    client.post("/courses/sample/lessons/second-steps/done")
    client.get(path)  # again a usual visit, not the one that records a change of lesson
    with count_queries(app, selects_only=True) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small) <= 20, "\n".join(s[:110].replace("\n", " ") for s in large)
