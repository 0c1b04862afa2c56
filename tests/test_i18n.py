"""Translations: catalog quality, language choice, no English left, Babel formatting."""

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from app.accounts.models import User
from app.config import LOCALES
from app.extensions import db
from tests.conftest import dispatch_outbox, in_app

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TARGETS = [locale for locale in LOCALES if locale != "en"]
# Babel 2.19 (pinned): it/es/ca have a "million" form; lv orders zero/one/other.
EXPECTED_NPLURALS = {"it": 3, "ca": 3, "es": 3, "lv": 3, "lt": 3, "sv": 2}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def catalog(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("locale", TARGETS)
def test_catalog_is_complete_with_correct_plural_forms_and_placeholders(locale):
    cat = catalog(locale)
    assert cat.num_plurals == EXPECTED_NPLURALS[locale]
    assert cat.plural_expr == get_plural(locale).plural_expr
    header = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    assert "#, fuzzy" not in header, "a fuzzy flag (header included)"
    assert "#~" not in header, "obsolete entries"
    problems = []
    for message in cat:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = message.string
            if len(forms) != cat.num_plurals or not all(forms):
                problems.append(f"empty plural form: {message.id[0]!r}")
            source = placeholders(message.id[0]) | placeholders(message.id[1])
            for form in forms:
                if not placeholders(form) <= source:
                    problems.append(f"unknown placeholder in {form!r}")
            if forms and placeholders(forms[-1]) != placeholders(message.id[1]):
                problems.append(f"placeholders differ: {forms[-1]!r}")
        else:
            if not message.string:
                problems.append(f"untranslated: {message.id!r}")
            elif placeholders(message.string) != placeholders(message.id):
                problems.append(f"placeholders differ: {message.id!r} -> {message.string!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    assert problems == []


def test_template_and_catalogs_are_up_to_date_with_the_code(tmp_path):
    pybabel = Path(sys.executable).with_name("pybabel")
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )

    def ids(path):
        with open(path, "rb") as handle:
            return {m.id for m in read_po(handle) if m.id}

    extracted = ids(fresh)
    assert ids(TRANSLATIONS / "messages.pot") == extracted, "run `make translations`"
    for locale in TARGETS:
        path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        assert ids(path) == extracted, f"{locale} catalog is out of date: run `make translations`"


@pytest.mark.parametrize("locale", TARGETS)
def test_gnu_msgfmt_check_passes(locale):
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext (msgfmt) is not installed")
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("locale", TARGETS)
def test_dennis_lint_passes(locale):
    dennis = Path(sys.executable).with_name("dennis-cmd")
    if not dennis.exists():
        pytest.skip("dennis is not installed")
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(
        [str(dennis), "lint", "--strict", "--excluderules", "W302", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("number", "expected_index"), [(1, 1), (21, 1), (5, 2), (10, 0), (11, 0), (0, 0)]
)
def test_latvian_plural_forms_pick_the_right_word_at_run_time(ctx, number, expected_index):
    [entry] = [m for m in catalog("lv") if m.id and m.id[0] == "%(num)d user found."]
    with force_locale("lv"):
        text = ngettext("%(num)d user found.", "%(num)d users found.", number)
    assert text == entry.string[expected_index] % {"num": number}


# --- language choice ---------------------------------------------------------------------------


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_lang_parameter_switches_and_is_remembered_in_a_cookie(client):
    assert html_lang(client.get("/?lang=lv")) == "lv"
    assert html_lang(client.get("/")) == "lv"
    assert html_lang(client.get("/signin?lang=sv")) == "sv"
    assert html_lang(client.get("/privacy")) == "sv"


def test_unknown_lang_is_ignored(client):
    assert html_lang(client.get("/?lang=xx")) == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ca-ES,ca;q=0.9,en;q=0.5", "ca"),
        ("es-419", "es"),
        ("sv-FI", "sv"),
        ("de-DE,lt;q=0.8", "lt"),
        ("fr-FR", "en"),
        ("", "en"),
    ],
)
def test_accept_language_decides_when_nothing_was_chosen(client, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_a_signed_in_choice_lasts_for_the_browser_but_only_the_profile_form_saves_it(
    app, client, make_user, make_org, login_as
):
    organisation = make_org()
    user = make_user(locale="en", organisation=organisation)
    login_as(client, user)
    assert html_lang(client.get("/?lang=lt")) == "lt"
    assert html_lang(client.get("/learning")) == "lt"  # the choice holds in this browser
    with in_app(app):
        assert db.session.get(User, user).locale == "en"  # a GET (a link) changes nothing stored
    other = app.test_client()  # another browser: the saved language decides
    login_as(other, user)
    assert html_lang(other.get("/", headers={"Accept-Language": "it"})) == "en"
    # The profile form saves it, and from then on it is what every browser shows.
    data = {
        "name": "Test Person",
        "country": "IT",
        "locale": "lt",
        "timezone": "Europe/Vilnius",
        "organisation": str(organisation),
        "org_name": "",
    }
    assert client.post("/profile", data=data).status_code == 302
    with in_app(app):
        assert db.session.get(User, user).locale == "lt"
    third = app.test_client()
    login_as(third, user)
    assert html_lang(third.get("/")) == "lt"


def test_language_menu_names_each_language_in_itself(client):
    html = client.get("/?lang=sv").get_data(as_text=True)
    for name in ("English", "Italiano", "Català", "Español", "Latviešu", "Lietuvių", "Svenska"):
        assert name in html
    assert 'hreflang="lv"' in html


def test_dates_are_formatted_by_babel_in_the_users_locale_and_time_zone(
    app, client, make_user, login_as
):
    user = make_user(locale="lv", timezone="Europe/Riga")
    with in_app(app):
        record = db.session.get(User, user)
        record.consent_at = datetime(2025, 3, 14, 15, 5, 9, tzinfo=UTC)
        db.session.commit()
    login_as(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert "2025. gada 14. marts 17:05" in html  # 15:05 UTC is 17:05 in Riga
    assert "17:05:09" not in html  # the consent time is shown without seconds


# --- no English left --------------------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


# Fragments of English source strings that are also words of the language: the Swedish
# genitive "organisations" ("din organisations resultat") reads like the English plural.
NATIVE_WORDS = {"sv": {"organisations"}}


def english_leftovers(text: str, locale: str) -> list[str]:
    """English source strings of our catalog that appear untranslated in the text."""
    return [
        fixed
        for fixed in _fragments(locale, _catalog_mtime(locale))
        if fixed in text and re.search(rf"(?<!\w){re.escape(fixed)}(?!\w)", text)
    ]


def _catalog_mtime(locale: str) -> float:
    return (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").stat().st_mtime


@lru_cache(maxsize=16)
def _fragments(locale: str, _mtime: float) -> tuple[str, ...]:
    """The fixed parts (between placeholders) of the catalog's English sources that would be
    English left over if seen on a page: long enough to be a phrase ("Organisations" inside
    Swedish "Organisationsansvarig" is not), and not also in the translation ("participants"
    in Catalan) nor a word of the language (NATIVE_WORDS). Read once per catalog file."""
    found = []
    for message in catalog(locale):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for source in sources:
            if source in targets:
                continue  # the same word in both languages (a name, "Mentor")
            for fixed in PLACEHOLDER.split(source):
                fixed = fixed.strip(" .,:")
                if len(fixed) < 12 or fixed in NATIVE_WORDS.get(locale, ()):
                    continue
                if not any(fixed in target for target in targets):
                    found.append(fixed)
    return tuple(found)


SIGNED_OUT = [
    "/",
    "/signin",
    "/signup",
    "/password/forgot",
    "/privacy",
    "/signup/check-email",
    "/no-such-page",
    "/workshops",
    "/workshops/calendar",
]
SIGNED_IN = [
    "/",
    "/profile",
    "/profile/erase",
    "/admin/users",
    "/admin/audit",
    "/admin/erasures",
    "/admin/organisations",
    "/admin/messages",
    "/courses",
    "/courses/sample",
    "/courses/sample/lessons/first-steps",
    "/courses/sample/modules/basics/quiz",
    "/learning",
    "/courses/translations",
    "/calendar/subscription",
    "/mentors",
    "/mentors/{mentor}",
    "/sessions",
    "/sessions/{booking}",
    "/sessions/{booking}/cancel",
    "/sessions/{booking}/reschedule",
    "/mentoring/profile",
    "/mentoring/availability",
    "/mentoring/sessions",
    "/workshops",
    "/workshops/calendar",
    "/workshops/new",
    "/workshops/mine",
    "/workshops/{workshop}",
    "/workshops/{workshop}/edit",
    "/workshops/{workshop}/cancel",
    "/workshops/{workshop}/registrations",
    "/courses/sample/modules/basics/materials",
]


@pytest.mark.parametrize("locale", TARGETS)
def test_pages_have_no_english_left(
    app, make_user, make_org, make_mentor, make_workshop, login_as, locale, synced
):
    make_org(name="Proposed Coop", approved=False)
    coordinator = make_user(roles=("coordinator", "mentor"), locale=locale)
    _mentor, mentor_id = make_mentor()
    client = app.test_client()
    leftovers = {}
    for path in SIGNED_OUT:
        text = visible_text(client.get(f"{path}?lang={locale}").get_data(as_text=True))
        leftovers[path] = english_leftovers(text, locale)
    login_as(client, coordinator)
    client.get(f"/admin/users/{coordinator}")  # leaves an audit trail to show
    client.post("/courses/sample/enrol")
    client.post("/courses/sample/modules/basics/quiz", data={"q-backup": "yes-it-is"})
    with in_app(app):
        from app.accounts.models import User
        from app.core.db import utcnow
        from app.mentoring import services as mentoring

        profile = mentoring.published_mentor(mentor_id)
        slot = mentoring.free_slots(profile, utcnow() + timedelta(days=2))[0]
        booking = mentoring.book(
            db.session.get(User, coordinator), mentor_id, slot.start, "Topic", "", utcnow()
        )
        db.session.commit()
        ids = {"mentor": mentor_id, "booking": booking.id}
    _organiser, ids["workshop"] = make_workshop(organiser=coordinator)
    client.post(f"/workshops/{ids['workshop']}/register")
    client.post(
        "/mentoring/profile",
        data={
            "languages": [locale],
            "country": "IT",
            "timezone": "Europe/Rome",
            "mode": "phone",
            "phone": "+39 06 000000",
            "session_minutes": "60",
            "buffer_before": "0",
            "buffer_after": "0",
            "min_notice_hours": "0",
            "horizon_days": "30",
        },
    )
    for path in SIGNED_IN:
        path = path.format(**ids)
        text = visible_text(client.get(path).get_data(as_text=True))
        leftovers["signed in " + path] = english_leftovers(text, locale)
    bad = {path: found for path, found in leftovers.items() if found}
    assert bad == {}


def test_the_english_check_finds_english(app, client):
    """The check above can fail: an English page is full of English."""
    text = visible_text(client.get("/signup?lang=en").get_data(as_text=True))
    assert len(english_leftovers(text, "it")) > 10


@pytest.mark.parametrize("locale", TARGETS)
def test_mail_is_rendered_in_the_recipients_language(app, client, outbox, locale):
    client.post("/password/forgot?lang=en", data={"email": "nobody@example.org"})
    from app.accounts.cli import create_user

    with in_app(app):
        create_user(
            email="r@example.org",
            name="R",
            password="x" * 12,
            country="IT",
            locale=locale,
            check_rules=False,
        )
        db.session.commit()
    client.post("/password/forgot?lang=en", data={"email": "r@example.org"})
    [message] = dispatch_outbox(app)
    body = message.get_body(("plain",)).get_content()
    assert english_leftovers(body, locale) == []
    with app.test_request_context(), force_locale(locale):
        assert message["Subject"] == gettext("Reset your password") != "Reset your password"


@pytest.mark.parametrize("locale", TARGETS)
def test_session_mails_are_in_the_recipients_language(app, make_user, make_mentor, outbox, locale):
    from app.core.db import utcnow
    from app.mentoring import services as mentoring
    from app.notifications.services import dispatch_due

    learner_id = make_user(locale=locale, timezone="Europe/Rome")
    _mentor, mentor_id = make_mentor()
    with in_app(app):
        learner = db.session.get(User, learner_id)
        now = utcnow()
        slot = mentoring.free_slots(mentoring.published_mentor(mentor_id), now + timedelta(days=2))[
            0
        ]
        booking = mentoring.book(learner, mentor_id, slot.start, "Topic", "Goal", now)
        db.session.commit()
        dispatch_due(now)
        mentoring.cancel(booking, "learner", learner, "", now)
        db.session.commit()
        dispatch_due(now)
    mine = [m for m in outbox if m["To"] == user_email_of(app, learner_id)]
    assert len(mine) == 2  # booked, then cancelled
    for message in mine:
        body = message.get_body(("plain",)).get_content()
        assert english_leftovers(body, locale) == [], message["Subject"]
        assert english_leftovers(message["Subject"], locale) == []


def user_email_of(app, user_id) -> str:
    with in_app(app):
        return db.session.get(User, user_id).email
