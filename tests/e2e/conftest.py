"""A live portal on a free local port, and Debian's Chromium driven by Playwright."""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"browser tests skipped: no Chromium at {CHROMIUM}")
                )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.accounts.cli import seed_demo
    from app.courses.loader import read_content
    from app.courses.sync import sync_courses
    from app.extensions import db
    from tests.conftest import SAMPLE_CONTENT

    instance = tmp_path_factory.mktemp("live-instance")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "e2e-secret-key-long-enough-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/e2e.sqlite3",
            "MAIL_BACKEND": "file",
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_TIME_COST": 1,
            "CONTENT_DIR": str(SAMPLE_CONTENT),
        }
    )
    with app.app_context():
        upgrade()
        sync_courses(read_content(SAMPLE_CONTENT)[0])
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["SERVER_ORIGIN"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": app.config["SERVER_ORIGIN"], "outbox": Path(app.config["OUTBOX_DIR"]), "app": app}
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


NARROW = {"width": 375, "height": 800}  # a phone


def assert_fits_narrow(page) -> None:
    """At 375 px wide the page must not scroll sideways; the viewport is restored after."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
        )
    finally:
        page.set_viewport_size(size)
    assert max(widths[:2]) <= widths[2], f"{page.url} scrolls sideways at 375 px: {widths}"


@pytest.fixture
def axe_check():
    """Run axe on the current page; fail on serious or critical violations, or when the page
    scrolls sideways on a 375 px wide phone."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    seen = []

    def check(page):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        seen.append(page.url)
        assert bad == [], f"{page.url}: {bad}"
        assert_fits_narrow(page)

    check.seen = seen
    return check


def translated(locale: str, text: str) -> str:
    """A message of the interface as the browser shows it in that language (from the catalog)."""
    from babel.messages.pofile import read_po

    from tests.test_i18n import TRANSLATIONS

    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)[text].string


def in_language(locale: str, text: str, **values) -> str:
    """A translated interface text, filled in; fails when the catalog has no translation."""
    found = translated(locale, text)
    assert found, f"not translated into {locale}: {text}"
    return found % values if values else found


def sign_in(page, base: str, email: str, password: str, lang: str) -> None:
    page.goto(f"{base}/signin?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/signin" not in url)
