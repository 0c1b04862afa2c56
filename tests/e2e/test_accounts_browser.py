"""In Chromium: sign up, confirm from the outbox file, sign in, switch to Latvian, and use the
menus with the keyboard only. axe runs on every page visited."""

import email
import re
from email import policy

from tests.conftest import dispatch_outbox
from tests.e2e.conftest import NARROW, sign_in, translated


def latvian(text: str) -> str:
    return translated("lv", text)


def newest_link(outbox, to: str) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            body = message.get_body(("plain",)).get_content()
            return re.search(r"https?://\S+/confirm/\S+", body).group(0)
    raise AssertionError(f"no mail to {to} in {outbox}")


def test_sign_up_confirm_sign_in_and_switch_to_latvian(page, live_server, axe_check):
    base = live_server["url"]
    page.goto(base + "/?lang=en")
    axe_check(page)
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Full name").fill("Rūta Kalniņa")
    page.get_by_label("E-mail address").fill("ruta@example.org")
    page.get_by_label("Password", exact=True).fill("saulains rīts pie jūras")
    page.get_by_label("Country", exact=True).select_option("LV")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Time zone").select_option("Europe/Riga")
    page.get_by_label("Organisation", exact=True).select_option(label="Zaļā Darbnīca (Latvia)")
    page.get_by_label("I have read the privacy notice").check()
    axe_check(page)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    axe_check(page)

    dispatch_outbox(live_server["app"])  # what the scheduler does every minute
    page.goto(newest_link(live_server["outbox"], "ruta@example.org"))
    axe_check(page)
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("your e-mail address is confirmed").wait_for()

    page.get_by_label("E-mail address").fill("ruta@example.org")
    page.get_by_label("Password").fill("saulains rīts pie jūras")
    axe_check(page)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Welcome, Rūta Kalniņa.").wait_for()
    axe_check(page)

    page.locator(".lang-menu summary").click()
    page.get_by_role("link", name="Latviešu").click()
    page.wait_for_url(re.compile(r"lang=lv"))
    assert page.locator("html").get_attribute("lang") == "lv"
    heading = latvian("Digital skills for the social economy")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    axe_check(page)
    # The choice holds for this browser: the profile page opens in Latvian too.
    page.get_by_role("link", name=latvian("My profile")).click()
    assert page.locator("html").get_attribute("lang") == "lv"
    axe_check(page)


def test_keyboard_only_navigation_of_the_menus(page, live_server, axe_check):
    page.goto(live_server["url"] + "/?lang=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.goto(live_server["url"] + "/?lang=en")
    reached = []
    for _step in range(15):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert "Sign in" in reached and "Create an account" in reached
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")  # opens the language menu
    for _step in range(5):  # English, Italiano, Català, Español, Latviešu
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Latviešu"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"lang=lv"))
    assert page.locator("html").get_attribute("lang") == "lv"
    axe_check(page)


def test_narrow_menu_opens_with_the_keyboard_and_follows_a_link(page, live_server, axe_check):
    base = live_server["url"]
    page.set_viewport_size(NARROW)
    sign_in(page, base, "coordinator@demo.doimpact.eu", "doimpact-demo", "en")  # the most links
    page.goto(base + "/?lang=en")
    # Collapsed: one row of header above the page, not four lines of links.
    assert page.locator(".site-header").bounding_box()["height"] < 100
    nav = page.get_by_role("navigation", name="Main menu")
    assert not nav.get_by_role("link", name="My profile").is_visible()
    for _step in range(5):  # skip link, brand, then the menu button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"
    assert page.evaluate("document.activeElement.closest('nav').getAttribute('aria-label')") == (
        "Main menu"
    )
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.parentElement.open") is True
    assert nav.get_by_role("link", name="My profile").is_visible()
    assert nav.get_by_role("link", name="Home").get_attribute("aria-current") == "page"
    axe_check(page)  # at 375 px with the menu open
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Home"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Courses"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/courses$"))
    courses = nav.get_by_role("link", name="Courses", include_hidden=True)
    assert courses.get_attribute("aria-current") == "page"
    assert not nav.get_by_role("link", name="Courses").is_visible()  # closed on the new page
    axe_check(page)
