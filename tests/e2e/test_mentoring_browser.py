"""In Chromium: a mentor sets availability, a learner books in Catalan, both see the session,
the learner cancels, the mentor's slot is free again. axe runs on every page visited."""

from pathlib import Path

from tests.e2e.conftest import sign_in, translated

PASSWORD = "un matí assolellat a la platja"


def catalan(text: str) -> str:
    return translated("ca", text)


def test_mentor_sets_hours_learner_books_in_catalan_and_cancels(browser, live_server, axe_check):
    from app.accounts.cli import create_user
    from app.extensions import db

    app, base = live_server["app"], live_server["url"]
    with app.app_context():
        create_user(
            email="marta@example.org",
            name="Marta Ozola",
            password=PASSWORD,
            country="LV",
            locale="en",
            timezone="Europe/Riga",
            roles=("mentor",),
            check_rules=False,
        )
        create_user(
            email="pau@example.org",
            name="Pau Serra",
            password=PASSWORD,
            country="ES",
            locale="ca",
            timezone="Europe/Madrid",
            check_rules=False,
        )
        db.session.commit()
    mentor = browser.new_context(locale="en-GB").new_page()
    learner = browser.new_context(locale="ca-ES").new_page()

    # The mentor fills the profile and the weekly hours.
    sign_in(mentor, base, "marta@example.org", PASSWORD, "en")
    mentor.goto(base + "/mentoring/profile")
    axe_check(mentor)
    mentor.get_by_role("checkbox", name="Català").check()
    mentor.get_by_role("checkbox", name="Cybersecurity").check()
    mentor.get_by_label("Country", exact=True).select_option("LV")
    mentor.get_by_label("Your time zone").select_option("Europe/Riga")
    mentor.get_by_label("Video call").check()
    mentor.get_by_label("Video meeting link").fill("https://meet.example.org/marta")
    mentor.get_by_label("Show my profile to learners so they can book me").check()
    mentor.get_by_role("button", name="Save my mentor profile").click()
    mentor.get_by_role("heading", name="My availability").wait_for()
    axe_check(mentor)
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        mentor.get_by_label(day, exact=True).fill("09:00-12:00")
    mentor.get_by_role("button", name="Save the weekly hours").click()
    mentor.get_by_text("Your weekly hours are saved.").wait_for()
    axe_check(mentor)

    # The learner finds the mentor in Catalan and books the first free slot.
    sign_in(learner, base, "pau@example.org", PASSWORD, "ca")
    learner.get_by_role("link", name=catalan("Coaching"), exact=True).first.click()
    assert learner.locator("html").get_attribute("lang") == "ca"
    axe_check(learner)
    learner.get_by_role("link", name="Marta Ozola").click()
    axe_check(learner)
    first_slot = learner.locator("a.slot").first
    booked_href = first_slot.get_attribute("href")
    first_slot.click()
    axe_check(learner)
    learner.get_by_label(catalan("What is the session about?")).fill("Còpies de seguretat")
    learner.get_by_role("button", name=catalan("Book this session")).click()
    learner.get_by_text(
        catalan("Your session is booked. We sent you a confirmation with a calendar invitation.")
    ).wait_for()
    axe_check(learner)
    session_url = learner.url
    learner.get_by_role("link", name=catalan("My sessions"), exact=True).click()
    assert learner.get_by_text("Còpies de seguretat").count() == 1
    axe_check(learner)

    # The mentor sees it; the slot is no longer offered.
    mentor.goto(base + "/mentoring/sessions")
    mentor.get_by_text("Pau Serra").wait_for()
    axe_check(mentor)
    mentor.goto(base + booked_href.split("/book")[0])
    assert mentor.locator(f'a.slot[href="{booked_href}"]').count() == 0

    # The learner cancels through the confirm page; the slot is free again.
    learner.goto(session_url)
    learner.get_by_role("link", name=catalan("Cancel the session")).click()
    axe_check(learner)
    learner.get_by_role("button", name=catalan("Yes, cancel the session")).click()
    learner.get_by_text(catalan("The session is cancelled. We told the other person.")).wait_for()
    axe_check(learner)
    mentor.reload()
    assert mentor.locator(f'a.slot[href="{booked_href}"]').count() == 1
    axe_check(mentor)
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    mentor.screenshot(path=str(artifacts / "mentoring-mentor-page.png"), full_page=True)
    learner.goto(session_url)
    learner.screenshot(path=str(artifacts / "mentoring-learner-session-ca.png"), full_page=True)
