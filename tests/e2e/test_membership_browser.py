"""In Chromium, in Latvian: a network's manager confirms a request to join one of its member
organisations and makes an invitation link, and the newcomer joins through it. axe runs on
every page visited."""

from sqlalchemy import select

from app.accounts.cli import DEMO_PASSWORD, create_user
from app.accounts.models import Organisation, User
from app.extensions import db
from tests.e2e.conftest import sign_in, translated


def latvian(text: str, **values) -> str:
    return translated("lv", text) % values if values else translated("lv", text)


def test_a_manager_confirms_a_request_and_invites_in_latvian(browser, live_server, axe_check):
    base, app = live_server["url"], live_server["app"]
    with app.app_context():
        workshop_org = db.session.scalar(
            select(Organisation).where(Organisation.name == "Zaļā Darbnīca")
        )
        for email, name in (
            ("janis@example.org", "Jānis Ozols"),
            ("anna@example.org", "Anna Liepa"),
        ):
            create_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                country="LV",
                locale="lv",
                timezone="Europe/Riga",
                check_rules=False,
            )
        asker = db.session.scalar(select(User).where(User.email == "janis@example.org"))
        asker.organisation_id = workshop_org.id  # chosen on the profile: a request to join
        db.session.commit()

    manager = browser.new_context(locale="lv-LV").new_page()
    sign_in(manager, base, "manager@demo.doimpact.eu", DEMO_PASSWORD, "lv")
    manager.goto(base + "/?lang=lv")
    manager.get_by_role("link", name=latvian("Members")).click()
    manager.get_by_role("heading", name=latvian("Members of organisations")).wait_for()
    axe_check(manager)
    manager.get_by_role("button", name=latvian("Confirm %(name)s", name="Jānis Ozols")).click()
    manager.get_by_text(latvian("%(name)s is now a member.", name="Jānis Ozols")).wait_for()
    with app.app_context():
        asker = db.session.scalar(select(User).where(User.email == "janis@example.org"))
        assert asker.organisation_granted_at is not None
    manager.get_by_role("link", name=latvian("Confirmed members")).click()
    assert manager.get_by_role("cell", name="Jānis Ozols", exact=True).count() == 1
    axe_check(manager)

    manager.get_by_role(
        "button", name=latvian("Make an invitation link for %(name)s", name="Zaļā Darbnīca")
    ).click()
    field = manager.get_by_label(latvian("Invitation link"))
    link = field.input_value()
    assert link.startswith(base + "/join/")
    axe_check(manager)

    newcomer = browser.new_context(locale="lv-LV").new_page()
    sign_in(newcomer, base, "anna@example.org", DEMO_PASSWORD, "lv")
    newcomer.goto(link)
    axe_check(newcomer)
    newcomer.get_by_role("button", name=latvian("Join %(name)s", name="Zaļā Darbnīca")).click()
    newcomer.get_by_text(
        latvian("You are now a member of %(name)s.", name="Zaļā Darbnīca")
    ).wait_for()
    assert newcomer.locator("html").get_attribute("lang") == "lv"
    axe_check(newcomer)
    with app.app_context():
        anna = db.session.scalar(select(User).where(User.email == "anna@example.org"))
        assert anna.organisation_id == workshop_org.id and anna.organisation_granted_at
