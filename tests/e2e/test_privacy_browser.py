"""In Chromium, in Swedish: a learner sees and downloads their data, asks for their account to
be erased, is told about the grace period, and signing in again cancels the request. axe runs
on every page visited."""

import json
import re
from pathlib import Path

from tests.e2e.conftest import in_language, sign_in

EMAIL = "sara@example.org"
PASSWORD = "midsommar vid sjön"


def swedish(text: str, **values) -> str:
    return in_language("sv", text, **values)


def make_learner(app) -> int:
    from app.accounts.cli import create_user
    from app.extensions import db

    with app.app_context():
        user = create_user(
            email=EMAIL,
            name="Sara Lindqvist",
            password=PASSWORD,
            country="SE",
            locale="sv",
            timezone="Europe/Stockholm",
            roles=(),
            check_rules=False,
        )
        db.session.commit()
        return user.id


def pending_erasure(app, user_id):
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        return db.session.get(User, user_id, populate_existing=True).erasure_due_at


def test_a_swedish_learner_downloads_asks_for_erasure_and_cancels_by_signing_in(
    page, live_server, axe_check
):
    base, app = live_server["url"], live_server["app"]
    user_id = make_learner(app)
    sign_in(page, base, EMAIL, PASSWORD, "sv")
    page.goto(base + "/profile")
    assert page.locator("html").get_attribute("lang") == "sv"
    axe_check(page)

    # The readable copy, in Swedish.
    page.get_by_role("button", name=swedish("See my data")).click()
    page.get_by_role("heading", level=1, name=swedish("Your data")).wait_for()
    assert page.get_by_role("heading", name=swedish("Your account")).count() >= 1
    assert "Sara Lindqvist" in page.content()
    axe_check(page)

    # The JSON file.
    with page.expect_download() as download:
        page.get_by_role("button", name=swedish("Download my data (JSON)")).click()
    data = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert data["user"]["email"] == EMAIL and "password_hash" not in data["user"]

    # Asking for erasure: the page states the grace period; the request signs out.
    page.goto(base + "/profile")
    page.get_by_role("link", name=swedish("Erase my account")).click()
    grace = page.locator("main").inner_text()
    assert "14" in grace
    axe_check(page)
    page.get_by_label(swedish("Password")).fill(PASSWORD)
    page.get_by_role("button", name=swedish("Erase my account")).click()
    page.wait_for_url(lambda url: "/profile/erase" not in url)
    notice = swedish(
        "Your account will be erased on %(when)s and you are signed out. If you change your "
        "mind, sign in before then: signing in cancels the request."
    ).split("%(when)s")
    flash = page.locator(".flash, [role=status], [role=alert]").first.inner_text()
    assert notice[0].strip() in flash and notice[1].strip()[:20] in flash
    assert re.search(r"\d", flash), "the date of the erasure is shown"
    assert pending_erasure(app, user_id) is not None
    axe_check(page)

    # Signing in again cancels it, and the page says so.
    sign_in(page, base, EMAIL, PASSWORD, "sv")
    cancelled = swedish(
        "Welcome back, %(name)s! Your request to erase your account is cancelled: your account "
        "stays as it was.",
        name="Sara Lindqvist",
    )
    page.get_by_text(cancelled).wait_for()
    assert pending_erasure(app, user_id) is None
    axe_check(page)
