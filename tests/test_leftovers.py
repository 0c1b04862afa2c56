"""No English left on any page within two clicks of the home page, for a signed-out visitor and
for every demo role, in all six languages, with the demo data and the real courses loaded.

Two checks per page: our catalog's English sources left untranslated (tests/test_i18n.py), and
text that reads the same as on the English page (demo content, data entered in one language
only). Text marked with another `lang` (a visible fallback, with its badge), names of people and
organisations, addresses and the language menu are not English left over."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import select

from app.config import LANGUAGE_NAMES
from app.extensions import db
from tests.conftest import PASSWORD, in_app
from tests.test_i18n import TARGETS, english_leftovers

CONTENT = Path(__file__).resolve().parent.parent / "content"
DEMO_PASSWORD = "doimpact-demo"
PERSONAS = ("learner", "mentor", "trainer", "manager", "coordinator")
# Links that leave the page kind this check reads: files, feeds, the language switch itself.
SKIP = re.compile(r"^/(static|materials|calendar/feed)/|\.(ics|csv|json|pdf)$")


class _Page(HTMLParser):
    """The page's links and its text, leaving out what is marked as another language."""

    def __init__(self, locale: str):
        super().__init__()
        self.locale, self.links, self.texts = locale, [], []
        self._stack: list[tuple[str, bool]] = []  # (tag, other language)
        self._skip = 0
        self.options: list[str] = []  # names Babel gives (zones, countries): the catalog check only

    def _foreign(self) -> bool:
        return any(foreign for _tag, foreign in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "style", "title"):
            self._skip += 1
        lang = (attrs.get("lang") or "").split("-")[0]
        if tag not in ("br", "img", "input", "link", "meta", "hr", "html"):
            self._stack.append((tag, bool(lang) and lang != self.locale))
        for name in ("aria-label", "placeholder", "title"):
            if attrs.get(name) and not self._foreign():
                self.texts.append(" ".join(attrs[name].split()))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._skip and data.strip() and not self._foreign():
            text = " ".join(data.split())
            in_option = any(tag == "option" for tag, _foreign in self._stack)
            (self.options if in_option else self.texts).append(text)


def _read(html: str, locale: str) -> _Page:
    page = _Page(locale)
    page.feed(html)
    return page


def _with_lang(path: str, locale: str) -> str:
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", locale)]
    return f"{parts.path}?{urlencode(query)}"


def _internal(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if SKIP.search(parts.path) or "lang" in dict(parse_qsl(parts.query)):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _crawl(client, depth: int = 2) -> list[str]:
    """Every page reached from the home page by following at most `depth` links."""
    seen, frontier = ["/"], ["/"]
    for _level in range(depth):
        following = []
        for path in frontier:
            response = client.get(_with_lang(path, "en"))
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for href in _read(response.get_data(as_text=True), "en").links:
                target = _internal(href)
                if target and target not in seen:
                    seen.append(target)
                    following.append(target)
        frontier = following
    return seen


def _data_words() -> set[str]:
    """Texts that are data in one language by nature: names, addresses, organisations, and what
    one person writes to another about a coaching session (its topic, goal and notes, each line
    of them), which is in the writer's language whatever the reader's."""
    from app.accounts.models import Organisation, User
    from app.mentoring.models import Booking
    from app.workshops.models import Workshop

    words = {"DO Impact Academy", *LANGUAGE_NAMES.values()}
    words |= {user.name for user in db.session.scalars(select(User))}
    words |= {user.email for user in db.session.scalars(select(User))}
    words |= {org.name for org in db.session.scalars(select(Organisation))}
    for workshop in db.session.scalars(select(Workshop)):
        words |= {workshop.venue or "", workshop.address or ""}
    for booking in db.session.scalars(select(Booking)):
        written = (booking.topic, booking.goal, booking.notes_shared, booking.action_items)
        for text in (*written, booking.notes_private):
            words |= {" ".join(line.split()) for line in (text or "").splitlines()}
    return {word for word in words if word}


# Addresses, file names and sizes read the same in every language.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|\S+\.(pdf|docx?|xlsx?|pptx?|od[tsp]|png|jpe?g)\b|\bkB\b|\bMB\b"
)


def _same_as_english(texts: list[str], english: set[str], data: set[str]) -> list[str]:
    found = []
    for text in texts:
        if text not in english or any(word in text for word in data):
            continue
        if len(re.findall(r"[^\W\d_]{2,}", NOT_WORDS.sub(" ", text))) >= 3:
            found.append(text)
    return found


def test_no_english_left_within_two_clicks_for_every_role(app, runner):
    with in_app(app):
        app.config["CONTENT_DIR"] = str(CONTENT)
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with in_app(app):
        data = _data_words()

    clients = {"signed out": app.test_client()}
    for persona in PERSONAS:
        client = app.test_client()
        response = client.post(
            "/signin",
            data={"email": f"{persona}@demo.doimpact.eu", "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302, persona
        clients[persona] = client
    assert DEMO_PASSWORD != PASSWORD  # the demo's own accounts, not the tests' fixtures

    leftovers: dict[str, list[str]] = {}
    visited = 0
    for persona, client in clients.items():
        pages = _crawl(client)
        english = {}
        for path in pages:
            response = client.get(_with_lang(path, "en"))
            if response.status_code == 200 and response.mimetype == "text/html":
                english[path] = set(_read(response.get_data(as_text=True), "en").texts)
        for locale in TARGETS:
            for path, english_texts in english.items():
                page = _read(client.get(_with_lang(path, locale)).get_data(as_text=True), locale)
                found = english_leftovers("\n".join(page.texts + page.options), locale)
                found += _same_as_english(page.texts, english_texts, data)
                visited += 1
                if found:
                    leftovers[f"{locale} {persona} {path}"] = sorted(set(found))
        client.get(_with_lang("/", "en"))  # leave the browser in English
    assert visited > 6 * 6 * 10, visited  # the crawl reached the pages, not only the home page
    by_text: dict[str, set[str]] = {}
    for where, texts in leftovers.items():
        for text in texts:
            by_text.setdefault(text, set()).add(where)
    report = [
        f"{text!r} on {len(where)} page(s), e.g. {min(where)}" for text, where in by_text.items()
    ]
    assert leftovers == {}, "English left:\n" + "\n".join(sorted(report))
