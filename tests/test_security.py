"""Every route declares who may open it; every state-changing route needs a CSRF token.

Both tests are generated from app.url_map, so a new route without an access rule or
without CSRF protection fails here.
"""

from datetime import timedelta

import pytest

from app.core.security import ROLES
from app.extensions import db
from tests.conftest import in_app

PERSONAS = ("anonymous", "learner", *ROLES)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_declares_an_access_rule(app):
    missing = [rule.rule for rule, view in _routes(app) if not getattr(view, "access_rule", None)]
    assert missing == [], f"routes without @access(...): {missing}"


@pytest.fixture
def people(app, make_user, make_org, make_mentor, make_workshop, synced):
    """One user per persona, each enrolled in the sample course with a certificate."""
    from app.accounts.models import User
    from app.calendar.services import issue_feed_token
    from app.core.db import utcnow
    from app.courses import services as courses
    from app.mentoring import services as mentors

    ids = {"org": make_org(approved=False)}
    with in_app(app):
        course = courses.get_course("sample")
        for persona in PERSONAS[1:]:
            roles = () if persona == "learner" else (persona,)
            ids[persona] = make_user(email=f"{persona}@example.org", roles=roles)
            user = db.session.get(User, ids[persona])
            courses.enrol(user, course, utcnow())
            ids["code"] = courses.issue_certificate(user, course, utcnow()).code
        ids["secret"] = issue_feed_token(user, utcnow())  # the last persona's calendar feed
        db.session.commit()
    # The mentor persona's own profile, and another mentor every persona has booked with, so
    # each persona opens a session of its own (anyone else's answers 404).
    with in_app(app):
        mentors.save_profile(db.session.get(User, ids["mentor"]), **MENTOR_PROFILE)
        db.session.commit()
    _other, ids["mentor_id"] = make_mentor(name="Other Mentor")
    with in_app(app):
        start = (utcnow() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
        for hour, persona in enumerate(PERSONAS[1:]):
            booking = mentors.book(
                db.session.get(User, ids[persona]),
                ids["mentor_id"],
                start + timedelta(hours=hour),
                "Topic",
                "",
                utcnow(),
            )
            db.session.commit()
            ids[f"booking:{persona}"] = booking.id
    # A workshop the trainer persona organises, with a public file.
    _organiser, ids["workshop_id"] = make_workshop(organiser=ids["trainer"])
    with in_app(app):
        import io

        from app.workshops import services as workshops
        from app.workshops.models import Workshop

        trainer = db.session.get(User, ids["trainer"])
        material = workshops.add_material(
            trainer,
            io.BytesIO(b"%PDF-1.4 sample"),
            "programme.pdf",
            title="Programme",
            language="en",
            participants_only=False,
            now=utcnow(),
            workshop=db.session.get(Workshop, ids["workshop_id"]),
        )
        for persona in ("learner", "mentor", "manager"):  # its .ics is for participants
            workshops.register(db.session.get(User, ids[persona]), ids["workshop_id"], utcnow())
        db.session.commit()
        ids["material_id"] = material.id
    # Each persona a member of an organisation of its own, with a self-assessment in progress
    # and a submitted one (anyone else's answers 404).
    from app.assessment.loader import read_assessment
    from app.assessment.models import Assessment
    from app.assessment.sync import sync_assessment
    from tests.assessment.conftest import CONTENT

    with in_app(app):
        sync_assessment(read_assessment(CONTENT)[0])
        for persona in PERSONAS[1:]:
            organisation = make_org(name=f"Org of {persona}")
            user = db.session.get(User, ids[persona])
            user.organisation_id, user.organisation_granted_at = organisation, utcnow()
            for status in ("open", "submitted"):
                assessment = Assessment(
                    organisation_id=organisation,
                    status=status,
                    submitted_at=utcnow() if status == "submitted" else None,
                    scores={"strategy": 40} if status == "submitted" else {},
                )
                db.session.add(assessment)
                db.session.flush()
                ids[f"assessment:{persona}:{status}"] = assessment.id
        db.session.commit()
    return ids


MENTOR_PROFILE = {
    "languages": ["en"],
    "expertise": [],
    "country": "BE",
    "timezone": "UTC",
    "mode": "phone",
    "phone": "+32 2 000 00 00",
    "session_minutes": 60,
    "min_notice_hours": 0,
    "horizon_days": 30,
    "published": False,
}


# Pages that need a choice in the query string (a slot) and send the user back without one.
NEED_INPUT = {"mentoring.book", "accounts.join"}

SAMPLES = {
    "key": "sample",
    "lesson_key": "first-steps",
    "module_key": "basics",
    "filename": "dot.png",
    "token": "not-a-real-token",
    "override_id": 1,
    "message_id": 1,
    "decision": "grant",
}


def _url(rule, ids, persona="learner") -> str:
    values = {}
    for argument in rule.arguments:
        if argument == "booking_id":
            values[argument] = ids.get(f"booking:{persona}", 1)
            continue
        if argument == "assessment_id":  # results exist once submitted; answering while open
            done = rule.endpoint in (
                "assessment.results",
                "assessment.report",
                "assessment.answers",
            )
            values[argument] = ids.get(f"assessment:{persona}:{'submitted' if done else 'open'}", 1)
            continue
        if rule.endpoint == "assessment.section" and argument == "key":
            values[argument] = "strategy"
            continue
        if argument == "user_id":
            values[argument] = ids["learner"]
        elif argument == "organisation_id":
            values[argument] = ids["org"]
        elif argument in ("code", "secret"):
            values[argument] = ids.get(argument, "none")
        elif argument in ("mentor_id", "workshop_id", "material_id"):
            values[argument] = ids.get(argument, 1)
        elif argument in SAMPLES:
            values[argument] = SAMPLES[argument]
        else:  # a new URL argument needs a sample value here
            raise AssertionError(f"no sample value for <{argument}> in {rule.rule}")
    return rule.build(values)[1]


@pytest.mark.parametrize("persona", PERSONAS)
def test_route_by_role_matrix(app, login_as, people, persona):
    client = app.test_client()
    if persona != "anonymous":
        login_as(client, people[persona])
    checked = 0
    for rule, view in _routes(app):
        if "GET" not in rule.methods:
            continue
        access = view.access_rule
        response = client.get(_url(rule, people, persona))
        response.close()
        status = response.status_code
        where = f"{persona} GET {rule.rule} ({access}) -> {status}"
        if access == "public":  # 301: an address people type that moved (/login, /register)
            assert status in (200, 301, 302), where
        elif access == "anonymous":
            assert status == (200 if persona == "anonymous" else 302), where
        elif persona == "anonymous":
            assert status == 302 and "/signin" in response.location, where
        elif access == "user" or persona in (access if isinstance(access, tuple) else (access,)):
            if rule.endpoint in NEED_INPUT:  # sends the user back to choose, never to sign in
                assert status == 302 and "/signin" not in response.location, where
            else:
                assert status == 200, where
        else:
            assert status == 403, where
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("persona", ["anonymous", "coordinator"])
def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    app_factory, make_user, make_org, login_as, persona, synced
):
    app = app_factory(WTF_CSRF_ENABLED=True)
    ids = {
        "org": make_org(approved=False),
        "learner": make_user(email="l@example.org"),
        "code": "NONE",
    }
    client = app.test_client()
    if persona == "coordinator":
        # Sign in with a real token first, then drop it for the requests under test.
        from tests.conftest import PASSWORD, csrf_token

        user = make_user(email="c@example.org", roles=("coordinator",))
        token = csrf_token(client.get("/signin").data)
        response = client.post(
            "/signin", data={"email": "c@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, user
    posted = 0
    for rule, _view in _routes(app):
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(_url(rule, ids), method=method, data={})
            assert response.status_code == 400, f"{method} {rule.rule} -> {response.status_code}"
            posted += 1
    assert posted >= 8
    with in_app(app):
        from sqlalchemy import func, select

        from app.accounts.models import Organisation
        from app.extensions import db

        assert db.session.scalar(select(func.count()).where(Organisation.approved.is_(True))) == 0


def _snapshot(app) -> dict:
    """Every row of every table, except sessions' last activity, reading progress and
    denied-access audits."""
    from sqlalchemy import select

    with in_app(app):
        tables = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).mappings().all()
            if table.name == "user_sessions":
                rows = [{k: v for k, v in row.items() if k != "last_seen_at"} for row in rows]
            # Opening a lesson records the reader's own progress ("continue where you left
            # off"): a record of reading, nothing a link from elsewhere could misuse.
            if table.name == "lesson_progress":
                continue
            if table.name == "enrolments":
                rows = [{k: v for k, v in row.items() if k != "last_lesson_id"} for row in rows]
            if table.name == "audit_events":
                rows = [row for row in rows if row["action"] != "access_denied"]
            tables[table.name] = sorted(repr(sorted(dict(row).items())) for row in rows)
        db.session.rollback()
        return tables


@pytest.mark.parametrize("persona", ["learner", "coordinator"])
def test_no_get_changes_stored_data_even_with_a_language_switch(app, login_as, people, persona):
    """A link (a crawler, a prefetch, another site) never changes what is stored: ?lang= on
    every page leaves the saved language alone, and downloading one's data is a POST."""
    client = app.test_client()
    login_as(client, people[persona])
    before = _snapshot(app)
    for rule, _view in _routes(app):
        if "GET" in rule.methods:
            client.get(_url(rule, people, persona) + "?lang=lt").close()
    assert _snapshot(app) == before


def test_no_route_changes_state_on_get(app):
    for rule, _view in _routes(app):
        if rule.endpoint in {"accounts.signout", "admin.approve_organisation"}:
            assert "GET" not in rule.methods, rule.rule
