"""The self-assessment in the browser's terms: start, answer page by page, resume, review,
submit, see the results and the path; bad input gets a 4xx or a message, never a 500, and
nobody outside the organisation reaches its pages."""

import re

import pytest

from app.accounts.models import User
from app.assessment import services
from app.extensions import db
from tests.assessment.test_services import all_answers
from tests.conftest import in_app


@pytest.fixture
def people(app, make_org, make_user, questionnaire, synced_content):
    coop = make_org(name="Cooperativa Sole")
    other = make_org(name="Elsewhere")
    return {
        "anna": make_user(name="Anna", organisation=coop),
        "bruno": make_user(name="Bruno", organisation=coop),
        "outsider": make_user(name="Outsider", organisation=other),
        "loner": make_user(name="Loner"),
    }


def form_of(values: dict, move="next") -> dict:
    data = {"move": move}
    for key, value in values.items():
        data[f"q-{key}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_answer_page_by_page_resume_submit_and_see_the_path(app, login_as, people):
    client = app.test_client()
    login_as(client, people["anna"])
    page = client.get("/assessment").get_data(True)
    assert "Start the self-assessment" in page
    started = client.post("/assessment/start")
    assert started.status_code == 302 and started.headers["Location"].endswith("/strategy")
    assessment_id = int(re.search(r"/assessment/(\d+)/", started.headers["Location"]).group(1))
    page = client.get(started.headers["Location"]).get_data(True)
    assert "Digital strategy" in page and 'name="q-strategy-plan"' in page
    with in_app(app):
        known = services.structure()
        answers = all_answers(known, "low")
        sections = [(d.key, [q.key for q in known.of(d)]) for d in known.dimensions]
    first_key, first_questions = sections[0]
    moved = client.post(
        f"/assessment/{assessment_id}/{first_key}",
        data=form_of({k: answers[k] for k in first_questions}),
    )
    assert moved.headers["Location"].endswith(f"/{sections[1][0]}")
    # A colleague resumes where Anna left off and sees her answers.
    colleague = app.test_client()
    login_as(colleague, people["bruno"])
    assert "Continue the self-assessment" in colleague.get("/assessment").get_data(True)
    page = colleague.get(f"/assessment/{assessment_id}/strategy").get_data(True)
    assert re.search(r'value="none" checked', page)
    for key, questions in sections[1:]:
        colleague.post(
            f"/assessment/{assessment_id}/{key}",
            data=form_of({k: answers[k] for k in questions if k in answers}),
        )
    review = colleague.get(f"/assessment/{assessment_id}/review").get_data(True)
    assert "Submit the self-assessment" in review
    done = colleague.post(f"/assessment/{assessment_id}/review")
    assert done.headers["Location"].endswith(f"/assessment/{assessment_id}/results")
    results = colleague.get(done.headers["Location"]).get_data(True)
    assert "<svg" in results and 'role="img"' in results
    assert "Recommended because" in results and "scored 0/100" in results
    assert "Enrol in" in results
    assert "Earlier results of your organisation" in colleague.get("/assessment").get_data(True)


def test_the_review_lists_what_is_missing_and_refuses_to_submit(app, login_as, people):
    client = app.test_client()
    login_as(client, people["anna"])
    started = client.post("/assessment/start")
    assessment_id = int(re.search(r"/assessment/(\d+)/", started.headers["Location"]).group(1))
    page = client.get(f"/assessment/{assessment_id}/review").get_data(True)
    assert "Still to answer" in page and "Submit the self-assessment" not in page
    refused = client.post(f"/assessment/{assessment_id}/review", follow_redirects=True)
    assert refused.status_code == 200
    assert "required questions are not answered yet" in refused.get_data(True)


@pytest.mark.parametrize(
    "data",
    [
        {"q-strategy-plan": "maybe", "move": "next"},
        {"q-strategy-impact": "9", "move": "next"},
        {"q-strategy-impact": "-1", "move": "next"},
        {"q-strategy-activities": ["services", "nonsense"], "move": "next"},
        {"q-strategy-plan": "x" * 5000, "move": "stay"},
    ],
)
def test_bad_answers_get_a_message_not_an_error(app, login_as, people, data):
    client = app.test_client()
    login_as(client, people["anna"])
    started = client.post("/assessment/start")
    response = client.post(started.headers["Location"], data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "That answer is not one of the choices." in response.get_data(True)


def test_outsiders_and_unknown_pages_get_404(app, login_as, people):
    client = app.test_client()
    login_as(client, people["anna"])
    started = client.post("/assessment/start")
    assessment_id = int(re.search(r"/assessment/(\d+)/", started.headers["Location"]).group(1))
    assert client.get(f"/assessment/{assessment_id}/nonsense").status_code == 404
    assert client.get("/assessment/999999/strategy").status_code == 404
    outsider = app.test_client()
    login_as(outsider, people["outsider"])
    for path in ("strategy", "review", "results"):
        assert outsider.get(f"/assessment/{assessment_id}/{path}").status_code == 404
    assert outsider.post(f"/assessment/{assessment_id}/strategy", data={}).status_code == 404
    loner = app.test_client()
    login_as(loner, people["loner"])
    page = loner.get("/assessment").get_data(True)
    assert "Go to my profile" in page and "Start the self-assessment" not in page
    refused = loner.post("/assessment/start", follow_redirects=True)
    assert "Join your organisation first" in refused.get_data(True)
    with in_app(app):
        assert db.session.get(User, people["loner"]).member_organisation_id is None


def test_the_results_as_a_pdf_in_the_readers_language(app, login_as, people):
    from app.assessment.models import Assessment
    from app.core.db import utcnow

    with in_app(app):
        organisation = db.session.get(User, people["anna"]).member_organisation_id
        assessment = Assessment(
            organisation_id=organisation,
            status="submitted",
            submitted_at=utcnow(),
            scores={
                "strategy": 80,
                "readiness": 30,
                "people": 55,
                "data": 20,
                "automation": 40,
                "green": 35,
            },
        )
        db.session.add(assessment)
        db.session.commit()
        assessment_id = assessment.id
    client = app.test_client()
    login_as(client, people["anna"])
    response = client.get(f"/assessment/{assessment_id}/report.pdf?lang=lv")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    outsider = app.test_client()
    login_as(outsider, people["outsider"])
    assert outsider.get(f"/assessment/{assessment_id}/report.pdf").status_code == 404


def test_the_answers_are_seen_by_members_and_the_networks_managers_only(
    app, login_as, make_org, make_user, questionnaire
):
    from sqlalchemy import select

    from app.assessment.models import Answer, Assessment, AssessmentQuestion
    from app.core.db import utcnow

    network = make_org(name="Network", kind="second_tier")
    coop = make_org(name="Member Coop", parent=network)
    member = make_user(organisation=coop)
    manager = make_user(roles=("manager",), organisation=network)
    other_manager = make_user(roles=("manager",), organisation=make_org(name="Other"))
    coordinator = make_user(roles=("coordinator",))
    with in_app(app):
        assessment = Assessment(
            organisation_id=coop, status="submitted", submitted_at=utcnow(), scores={}
        )
        db.session.add(assessment)
        db.session.flush()
        question = db.session.scalar(
            select(AssessmentQuestion).where(AssessmentQuestion.key == "strategy-plan")
        )
        db.session.add(Answer(assessment_id=assessment.id, question_id=question.id, value="ideas"))
        db.session.commit()
        assessment_id = assessment.id
    for person, allowed in (
        (member, True),
        (manager, True),
        (other_manager, False),
        (coordinator, False),
    ):
        client = app.test_client()
        login_as(client, person)
        response = client.get(f"/assessment/{assessment_id}/answers?lang=en")
        assert (response.status_code == 200) is allowed
        if allowed:
            page = response.get_data(True)
            assert "We have ideas, but nothing agreed" in page and "Not answered" in page
