"""In Chromium, in Lithuanian: a member of an organisation answers the self-assessment page by
page, submits it, sees the results and the recommended path, and enrols in a recommended course
from there. axe runs on every kind of page visited."""

from tests.e2e.conftest import in_language, sign_in

EMAIL = "ruta.assessment@example.org"
PASSWORD = "saulėta diena prie jūros"


def lithuanian(text: str, **values) -> str:
    return in_language("lt", text, **values)


def prepare(app) -> None:
    from app.accounts.cli import create_user
    from app.accounts.models import Organisation
    from app.assessment.loader import read_assessment
    from app.assessment.sync import sync_assessment
    from app.core.db import utcnow
    from app.extensions import db
    from tests.assessment.conftest import CONTENT

    with app.app_context():
        sync_assessment(read_assessment(CONTENT)[0])
        organisation = Organisation(
            name="Kooperatyvas Saulė", kind="cooperative", country="LT", approved=True
        )
        db.session.add(organisation)
        db.session.flush()
        user = create_user(
            email=EMAIL,
            name="Rūta Jonaitė",
            password=PASSWORD,
            country="LT",
            locale="lt",
            timezone="Europe/Vilnius",
            roles=(),
            organisation=organisation,
            check_rules=False,
        )
        user.organisation_granted_at = utcnow()
        db.session.commit()


def test_a_lithuanian_member_completes_the_assessment_and_enrols_from_the_path(
    page, live_server, axe_check
):
    base = live_server["url"]
    prepare(live_server["app"])
    sign_in(page, base, EMAIL, PASSWORD, "lt")
    page.goto(base + "/assessment")
    assert page.locator("html").get_attribute("lang") == "lt"
    axe_check(page)
    page.get_by_role("button", name=lithuanian("Start the self-assessment")).click()
    page.wait_for_url(lambda url: url.endswith("/strategy"))
    axe_check(page)
    for part in range(7):
        for question in page.locator("fieldset.question").all():
            radios = question.locator("input[type=radio]")
            if radios.count():
                radios.nth(1).check()  # a low answer, so there are gaps to work on
            boxes = question.locator("input[type=checkbox]")
            if boxes.count():
                boxes.first.check()
        label = "Save and review" if part == 6 else "Save and continue"
        page.get_by_role("button", name=lithuanian(label)).click()
        page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name=lithuanian("Review and submit")).count()
    axe_check(page)
    page.get_by_role("button", name=lithuanian("Submit the self-assessment")).click()
    page.get_by_role(
        "heading", level=1, name=lithuanian("Results of the self-assessment")
    ).wait_for()
    assert page.locator("svg[role=img]").count() == 1
    scores, own_skills = page.locator("table").all()
    assert scores.locator("tbody tr").count() == 6
    assert own_skills.locator("tbody tr").count() == 5  # the respondent's own, beside them
    assert page.get_by_role("heading", name=lithuanian("Your recommended learning path")).count()
    axe_check(page)
    enrol = page.locator("form[action$='/enrol'] button").first
    enrol.click()
    page.wait_for_load_state()
    assert "/lessons/" in page.url
    page.get_by_text(lithuanian("You are enrolled. Enjoy the course!")).wait_for()
    axe_check(page)


def test_the_network_view_and_the_needs_map_pass_axe(page, live_server, axe_check):
    """A network manager's view and the coordinators' needs map, with the demo's assessments."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.assessment.cli import seed_assessments
    from app.assessment.loader import read_assessment
    from app.assessment.sync import sync_assessment
    from app.core.db import utcnow
    from app.extensions import db
    from tests.assessment.conftest import CONTENT

    base, app = live_server["url"], live_server["app"]
    with app.app_context():
        sync_assessment(read_assessment(CONTENT)[0])  # once per server: a second sync is a no-op
        learner = db.session.scalar(select(User).where(User.email == "learner@demo.doimpact.eu"))
        seed_assessments(learner, utcnow())
        db.session.commit()
    sign_in(page, base, "manager@demo.doimpact.eu", "doimpact-demo", "en")
    page.goto(base + "/assessment/network?lang=en")
    page.get_by_role("heading", level=1, name="Self-assessments of your network").wait_for()
    assert page.get_by_role("link", name="Download the table (CSV)").count() == 1
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "coordinator@demo.doimpact.eu", "doimpact-demo", "en")
    page.goto(base + "/assessment/map?lang=en")
    page.get_by_role("heading", level=1, name="Needs map of the sector").wait_for()
    assert "<5" in page.locator("main").inner_text()  # small groups are hidden
    axe_check(page)
