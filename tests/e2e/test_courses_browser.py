"""In Chromium, in Latvian: from the catalog to a certificate. axe runs on every page visited."""

import re

from tests.e2e.test_accounts_browser import latvian


def test_from_catalog_to_certificate_in_latvian(page, live_server, axe_check):
    from app.accounts.cli import create_user
    from app.extensions import db

    app = live_server["app"]
    with app.app_context():
        create_user(
            email="anna@example.org",
            name="Anna Ozola",
            password="saulains rīts jūrmalā",
            country="LV",
            locale="lv",
            timezone="Europe/Riga",
            check_rules=False,
        )
        db.session.commit()
    base = live_server["url"]
    page.goto(base + "/signin?lang=lv")
    page.locator("#email").fill("anna@example.org")
    page.locator("#password").fill("saulains rīts jūrmalā")
    page.locator("main button[type=submit]").click()
    page.get_by_role("link", name=latvian("Courses"), exact=True).first.click()
    assert page.locator("html").get_attribute("lang") == "lv"
    axe_check(page)
    page.get_by_role("link", name="Parauga kurss").click()
    axe_check(page)
    page.get_by_role("button", name=latvian("Enrol in this course")).click()

    # Lessons: read each one and mark it done; after a module's last lesson comes its check.
    answers = {
        "basics": [("Nē",), ("Paroļu pārvaldnieks", "Divpakāpju verifikācija")],
        "practice": [("Jā",)],
    }
    done = latvian("Mark as done and continue")
    for module in ("basics", "practice"):
        while "/quiz" not in page.url:
            assert page.locator("html").get_attribute("lang") == "lv"
            axe_check(page)
            page.get_by_role("button", name=done).click()
        axe_check(page)
        for fieldset, choices in zip(page.locator("fieldset").all(), answers[module], strict=True):
            for choice in choices:
                fieldset.get_by_label(choice, exact=True).check()
        page.get_by_role("button", name=latvian("Check my answers")).click()
        page.get_by_role("heading", name=latvian("You passed!")).wait_for()
        axe_check(page)
        if module == "basics":
            page.get_by_role("link", name=latvian("Back to the course")).click()
            page.get_by_role("link", name="Prakse viens").click()

    page.goto(base + "/courses/sample")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=latvian("Download your certificate (PDF)")).click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content()).group(0)
    page.goto(f"{base}/certificates/{code}")
    assert "Anna Ozola" in page.content()
    axe_check(page)
