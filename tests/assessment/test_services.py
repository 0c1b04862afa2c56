"""Answering for an organisation: one open assessment per organisation, continued by its
members, submitted with frozen scores and compared with the previous one; who sees what; and
the learning path for three profiles."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.assessment import services
from app.assessment.models import Assessment, SelfRating
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import count_queries


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def all_answers(known: services.Structure, pick: str) -> dict:
    """Every organisation question answered: the lowest, highest or a middle answer."""
    values = {}
    for question in known.questions:
        if question.self_rating:
            continue
        scores = sorted(question.options, key=lambda o: o["score"])
        if question.kind == "scale":
            values[question.key] = {"low": 0, "high": 5, "middle": 3}[pick]
        elif question.kind == "multiple":
            values[question.key] = {
                "low": [],
                "high": [o["key"] for o in scores],
                "middle": [o["key"] for o in scores[:2]],
            }[pick]
        else:
            values[question.key] = {"low": scores[0], "high": scores[-1], "middle": scores[1]}[
                pick
            ]["key"]
    return values


@pytest.fixture
def members(ctx, make_org, make_user, questionnaire):
    network = make_org(name="Rete", kind="second_tier")
    coop = make_org(name="Coop Uno", parent=network)
    other = make_org(name="Coop Due")
    return {
        "coop": coop,
        "network": network,
        "other": other,
        "anna": make_user(name="Anna", organisation=coop),
        "bruno": make_user(name="Bruno", organisation=coop),
        "pending": make_user(name="Pending", organisation=coop, pending=True),
        "outsider": make_user(name="Outsider", organisation=other),
        "manager": make_user(name="Manager", roles=("manager",), organisation=network),
        "other_manager": make_user(roles=("manager",), organisation=other),
        "coordinator": make_user(roles=("coordinator",)),
        "both": make_user(roles=("manager", "coordinator"), organisation=network),
    }


def test_one_open_assessment_per_organisation_continued_by_another_member(members):
    now = utcnow()
    anna, bruno = user(members["anna"]), user(members["bruno"])
    first = services.start(anna, now)
    db.session.commit()
    assert services.start(bruno, now) is first  # the colleague continues it
    services.save_answers(anna, first, {"strategy-plan": "ideas"}, now)
    services.save_answers(bruno, first, {"readiness-connection": "reliable"}, now)
    db.session.commit()
    assert services.answers_of(first) == {
        "strategy-plan": "ideas",
        "readiness-connection": "reliable",
    }
    # The database refuses a second open one, even when a check in Python is bypassed.
    db.session.add(Assessment(organisation_id=members["coop"], status="open"))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from either database
        db.session.flush()
    db.session.rollback()


def test_only_granted_members_answer(members):
    now = utcnow()
    assessment = services.start(user(members["anna"]), now)
    db.session.commit()
    for name in ("pending", "outsider", "manager", "coordinator"):
        with pytest.raises(services.AssessmentError):
            services.save_answers(user(members[name]), assessment, {"strategy-plan": "none"}, now)
    with pytest.raises(services.AssessmentError, match="Join your organisation"):
        services.start(user(members["pending"]), now)


def test_bad_answers_are_refused_and_none_clears_an_answer(members):
    now = utcnow()
    anna = user(members["anna"])
    assessment = services.start(anna, now)
    for bad in ({"strategy-plan": "maybe"}, {"nope": 1}, {"strategy-impact": 9}):
        with pytest.raises(services.AssessmentError):
            services.save_answers(anna, assessment, bad, now)
    services.save_answers(anna, assessment, {"people-volunteers": "own-accounts"}, now)
    assert services.save_answers(anna, assessment, {"people-volunteers": "own-accounts"}, now) == 0
    services.save_answers(anna, assessment, {"people-volunteers": None}, now)
    assert services.answers_of(assessment) == {}


def test_self_ratings_are_each_members_own(members):
    now = utcnow()
    anna, bruno = user(members["anna"]), user(members["bruno"])
    assessment = services.start(anna, now)
    services.save_answers(anna, assessment, {"digcomp-1": 4}, now)
    services.save_answers(bruno, assessment, {"digcomp-1": 1}, now)
    db.session.commit()
    assert services.self_ratings_of(assessment, anna) == {"digcomp-1": 4}
    assert services.self_ratings_of(assessment, bruno) == {"digcomp-1": 1}
    assert services.answers_of(assessment) == {}
    assert db.session.scalar(select(func.count()).select_from(SelfRating)) == 2


def test_submit_needs_every_required_answer_then_freezes_the_scores(members):
    now = utcnow()
    anna = user(members["anna"])
    known = services.structure()
    assessment = services.start(anna, now)
    answers = all_answers(known, "middle")
    skipped = [q.key for q in known.questions if q.optional and not q.self_rating]
    for key in skipped:
        answers.pop(key)
    services.save_answers(anna, assessment, {k: answers[k] for k in list(answers)[:-1]}, now)
    with pytest.raises(services.AssessmentError, match="1 required question is not answered"):
        services.submit(anna, assessment, now)
    services.save_answers(anna, assessment, answers, now)
    progress = services.progress(assessment)
    assert progress.missing == [] and progress.answered == progress.required
    scores = services.submit(anna, assessment, now)
    db.session.commit()
    assert list(scores) == ["strategy", "readiness", "people", "data", "automation", "green"]
    assert all(0 <= score <= 100 for score in scores.values())
    assert assessment.status == "submitted" and assessment.submitted_by_id == anna.id
    with pytest.raises(services.AssessmentError, match="submitted"):
        services.save_answers(anna, assessment, {"strategy-plan": "none"}, now)
    # A new one can start, and the results compare with the previous one.
    later = now + timedelta(days=120)
    second = services.start(anna, later)
    assert second.id != assessment.id
    services.save_answers(anna, second, all_answers(known, "high"), later)
    services.submit(anna, second, later)
    db.session.commit()
    result = services.result(second, known.dimensions)
    assert result.previous.id == assessment.id
    assert all(row.score == 100 and row.change == 100 - row.before for row in result.dimensions)
    assert [row.dimension.key for row in result.strengths][:1] == ["strategy"]
    assert result.gaps == []


def test_members_and_their_networks_managers_see_results_nobody_else(members):
    now = utcnow()
    assessment = services.start(user(members["anna"]), now)
    db.session.commit()
    allowed = {"anna", "bruno", "manager", "both"}  # a coordinator who manages the network too
    for name in (
        "anna",
        "bruno",
        "pending",
        "outsider",
        "manager",
        "other_manager",
        "coordinator",
        "both",
    ):
        found = services.assessment_for(user(members[name]), assessment.id)
        assert (found is not None) is (name in allowed), name


PROFILES = {
    # gaps in data and readiness: the data-protection mentor, the foundations course
    "digital-beginner": ({"data": 20, "readiness": 30, "green": 80}, ["data", "readiness"]),
    # the green gap alone: the twin-transition course and the green mentor
    "green-only": ({"green": 25, "strategy": 90}, ["green"]),
    # no gap: nothing to recommend
    "advanced": ({"strategy": 85, "data": 90}, []),
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_learning_path_for_three_profiles(ctx, members, make_mentor, synced_content, profile):
    scores, gap_keys = PROFILES[profile]
    _mentor, _profile = make_mentor(name="Data Mentor", expertise=["data-protection"])
    _green, _green_profile = make_mentor(name="Green Mentor", expertise=["green-digital"])
    db.session.expire_all()
    now = utcnow()
    assessment = Assessment(
        organisation_id=members["coop"], status="submitted", scores=scores, submitted_at=now
    )
    db.session.add(assessment)
    db.session.commit()
    known = services.structure()
    result = services.result(assessment, known.dimensions)
    assert [gap.dimension.key for gap in result.gaps] == gap_keys
    anna = user(members["anna"])
    with count_queries(ctx, selects_only=True) as queries:
        path = services.learning_path(anna, result.gaps, now)
    assert len(queries) <= 4
    courses = [s.item.key for s in path.courses]
    mentors = [s.item.user.name for s in path.mentors]
    if profile == "digital-beginner":
        assert courses[0] in {"impact-measurement", "cybersecurity-basics"}
        assert "digital-foundations" in courses
        assert mentors == ["Data Mentor"]
        assert path.courses[0].reasons[0].dimension.key == "data"
    elif profile == "green-only":
        assert courses == ["twin-transition"]
        assert mentors == ["Green Mentor"]
        assert {r.dimension.key for s in path.courses for r in s.reasons} == {"green"}
    else:
        assert not path


def test_a_persons_export_lists_their_part_and_erasure_keeps_the_organisations_answers(members):
    from app.accounts import privacy as account_privacy
    from app.assessment.models import Answer

    now = utcnow()
    anna = user(members["anna"])
    assessment = services.start(anna, now)
    services.save_answers(anna, assessment, {"strategy-plan": "ideas", "digcomp-2": 3}, now)
    db.session.commit()
    data = account_privacy.export_data(anna)
    assert [a["value"] for a in data["assessment_answers.answered_by_id"]] == ["ideas"]
    assert [r["level"] for r in data["assessment_self_ratings.user_id"]] == [3]
    assert [a["id"] for a in data["assessments.started_by_id"]] == [assessment.id]
    account_privacy.erase_account(anna, now)
    db.session.commit()
    assert services.answers_of(assessment) == {"strategy-plan": "ideas"}  # the organisation's
    assert db.session.scalar(select(func.count()).select_from(SelfRating)) == 0
    assert db.session.scalar(select(Answer.answered_by_id)) == anna.id  # now anonymous
