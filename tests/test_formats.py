"""Pages and e-mails write times as each language writes them: month headers, time ranges in
the reader's zone, zones named in a sentence without CLDR's own label, a curated zone picker
that keeps old stored names, and the consent time without seconds."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from babel.dates import get_timezone_location
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.mentoring import services as mentoring
from app.notifications import services as notifications
from app.workshops import services as workshops
from tests.conftest import in_app
from tests.core.test_timeutil import WITHOUT_SECONDS

DASH, THIN, NARROW = "\u2013", "\u2009", "\u202f"
START = datetime(2030, 12, 5, 8, 0, tzinfo=UTC)  # Thursday, 9:00 in Brussels, 10:00 in Riga
LOCALES = ("en", "it", "ca", "es", "lv", "lt", "sv")


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def cldr_location(zone: str, locale: str) -> str:
    """CLDR's "location" form, which carries its own label ("Laika josla: Itālija")."""
    from zoneinfo import ZoneInfo

    return get_timezone_location(ZoneInfo(zone), locale=locale)


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("en", "December 2026"),
        ("it", "dicembre 2026"),
        ("ca", "desembre del 2026"),
        ("es", "diciembre de 2026"),
        ("lv", "2026. gada decembris"),
        ("lt", "2026 m. gruodis"),
        ("sv", "december 2026"),
    ],
)
def test_the_month_calendar_header_reads_natively(client, locale, title):
    page = text_of(client.get(f"/workshops/calendar?month=2026-12&lang={locale}"))
    assert f"<span>{title}</span>" in page
    assert f"<caption>{title}</caption>" in page


@pytest.mark.parametrize(
    ("locale", "day", "hours", "zone", "sentence"),
    [
        ("en", "Thursday, December 5, 2030, ", f"9:00{THIN}{DASH}{THIN}11:00{NARROW}AM", "Brussels, Belgium", "Times are shown in your time zone: Brussels, Belgium."),
        ("it", "giovedì 5 dicembre 2030 ", f"09:00{DASH}11:00", "Bruxelles, Belgio", None),
        ("ca", "dijous, 5 de desembre del 2030, ", f"9:00{DASH}11:00", "Brussel·les, Bèlgica", None),
        ("es", "jueves, 5 de diciembre de 2030, ", f"9:00{DASH}11:00", "Bruselas, Bélgica", None),
        ("lv", "ceturtdiena, 2030. gada 5. decembris ", f"09:00{DASH}11:00", "Brisele, Beļģija", "Laiks ir norādīts jūsu laika joslā: Brisele, Beļģija."),
        ("lt", "2030 m. gruodžio 5 d., ketvirtadienis ", f"09:00{DASH}11:00", "Briuselis, Belgija", None),
        ("sv", "torsdag 5 december 2030 ", f"09:00{DASH}11:00", "Bryssel, Belgien", None),
    ],
)  # fmt: skip
def test_an_event_shows_its_day_and_hours_as_a_range_and_names_the_zone_plainly(
    app, make_workshop, locale, day, hours, zone, sentence
):
    _trainer, workshop_id = make_workshop(
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        registration_deadline=START - timedelta(days=1),
    )
    client = app.test_client()  # signed out: the default zone, Europe/Brussels
    detail = text_of(client.get(f"/workshops/{workshop_id}?lang={locale}"))
    assert day + hours + "</time> (" in detail
    assert zone + ")</dd>" in detail
    listing = text_of(client.get(f"/workshops?lang={locale}"))
    assert day + hours + "</time>" in listing
    assert f": {zone}." in listing
    if sentence:
        assert sentence in listing
    month = text_of(client.get(f"/workshops/calendar?month=2030-12&lang={locale}"))
    assert f">{hours} " in month
    for page in (detail, listing, month):
        assert cldr_location("Europe/Brussels", locale) not in page  # "Laika josla: Beļģija"
        assert f" {DASH}1" not in page and f" {DASH}9" not in page  # no "9:00 -10:00"


def test_a_signed_in_reader_sees_both_ends_in_their_own_zone(
    app, login_as, make_user, make_workshop
):
    _trainer, workshop_id = make_workshop(
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        registration_deadline=START - timedelta(days=1),
    )
    client = app.test_client()
    login_as(client, make_user(locale="lt", timezone="Europe/Vilnius"))
    detail = text_of(client.get(f"/workshops/{workshop_id}"))
    assert f"2030 m. gruodžio 5 d., ketvirtadienis 10:00{DASH}12:00</time> (" in detail
    assert "Vilnius, Lietuva)" in detail and "Laikas: Lietuva" not in detail


@pytest.mark.parametrize(
    ("locale", "zone", "first_slot", "named"),
    [
        ("en", "Europe/Brussels", f"8:00{THIN}{DASH}{THIN}9:00{NARROW}AM", "Brussels, Belgium"),
        ("it", "Europe/Rome", f"08:00{DASH}09:00", "Roma, Italia"),
        ("ca", "Europe/Madrid", f"8:00{DASH}9:00", "Madrid, Espanya"),
        ("es", "Atlantic/Canary", f"7:00{DASH}8:00", "Canarias, España"),
        ("lv", "Europe/Riga", f"09:00{DASH}10:00", "Rīga, Latvija"),
        ("lt", "Europe/Vilnius", f"09:00{DASH}10:00", "Vilnius, Lietuva"),
        ("sv", "Europe/Stockholm", f"08:00{DASH}09:00", "Stockholm, Sverige"),
    ],
)
def test_free_slots_read_as_ranges_in_the_learners_zone(
    app, login_as, make_user, make_mentor, locale, zone, first_slot, named
):
    _mentor, profile_id = make_mentor()  # weekdays 9:00-17:00 in Riga, one-hour sessions
    client = app.test_client()
    login_as(client, make_user(locale=locale, timezone=zone))
    page = text_of(client.get(f"/mentors/{profile_id}"))
    assert 'class="slot"' in page and f">{first_slot}</a>" in page
    assert f": {named}." in page  # "Times are shown in your time zone: Rīga, Latvija."
    assert cldr_location(zone, locale) not in page


def test_a_session_page_and_its_mails_show_the_hours_and_the_zone_once(
    app, make_user, make_mentor, outbox, login_as
):
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    slot = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thursday 10:00 in Riga
    mentor_id, profile_id = make_mentor()
    learner_id = make_user(locale="lt", timezone="Europe/Vilnius")
    with in_app(app):  # no outer context: it would keep one locale for every request
        learner = db.session.get(User, learner_id)
        booking_id = mentoring.book(learner, profile_id, slot, "Atsarginės kopijos", "", now).id
        db.session.commit()
        notifications.dispatch_due(now)
        address = learner.email
    mails = {m["To"]: m.get_body(("plain",)).get_content() for m in outbox}
    assert f"2026 m. gruodžio 3 d., ketvirtadienis 10:00{DASH}11:00 (" in mails[address]
    assert "Vilnius, Lietuva)" in mails[address] and "Laikas: Lietuva" not in mails[address]
    client = app.test_client()
    login_as(client, mentor_id)  # a Latvian mentor in Riga
    page = text_of(client.get(f"/sessions/{booking_id}"))
    assert f"ceturtdiena, 2026. gada 3. decembris 10:00{DASH}11:00</time> (" in page
    assert "Rīga, Latvija)</dd>" in page and "Laika josla: Latvija" not in page
    listing = text_of(client.get("/mentoring/sessions"))
    assert f"ceturtdiena, 2026. gada 3. decembris 10:00{DASH}11:00</time>" in listing


def test_a_workshop_mail_gives_the_day_the_hours_and_the_zone(
    app, ctx, make_user, make_workshop, outbox
):
    _trainer, workshop_id = make_workshop(
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        registration_deadline=START - timedelta(days=1),
    )
    reader = db.session.get(User, make_user(locale="ca", timezone="Europe/Madrid"))
    now = datetime.now(UTC)
    workshops.register(reader, workshop_id, now)
    db.session.commit()
    notifications.dispatch_due(now + timedelta(minutes=1))
    [mail] = [m for m in outbox if m["To"] == reader.email]
    text = mail.get_body(("plain",)).get_content()
    assert f"dijous, 5 de desembre del 2030, 9:00{DASH}11:00 (" in text
    assert "Madrid, Espanya)" in text and "Hora de" not in text


@pytest.mark.parametrize(("locale", "expected"), WITHOUT_SECONDS)
def test_the_consent_time_on_the_profile_has_no_seconds(app, login_as, make_user, locale, expected):
    user_id = make_user(locale=locale, timezone="Europe/Riga")
    with in_app(app):
        db.session.get(User, user_id).consent_at = datetime(2025, 3, 14, 15, 5, 9, tzinfo=UTC)
        db.session.commit()
    client = app.test_client()
    login_as(client, user_id)
    page = text_of(client.get("/profile"))
    assert expected in page
    assert "17:05:09" not in page and "5:05:09" not in page


def options(page: str) -> list[tuple[str, str]]:
    select_html = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0)
    return re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]*)</option>', select_html)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sign_up_picker_lists_the_programme_first_and_no_aliases(client, locale):
    page = text_of(client.get(f"/signup?lang={locale}"))
    offered = options(page)
    assert [zone for zone, _label in offered[:7]] == [
        "Europe/Rome",
        "Europe/Madrid",
        "Atlantic/Canary",
        "Europe/Riga",
        "Europe/Vilnius",
        "Europe/Stockholm",
        "Europe/Brussels",
    ]
    zones = [zone for zone, _label in offered]
    assert len(zones) < 450 and "UTC" in zones
    assert not {"Asia/Dacca", "Europe/Kiev", "US/Eastern", "Asia/Calcutta"} & set(zones)
    assert page.count("<optgroup") >= 8  # the programme, then continents and oceans
    assert cldr_location("Europe/Rome", locale) not in page


def test_the_pickers_label_zones_in_the_readers_language(client):
    offered = dict(options(text_of(client.get("/signup?lang=lv"))))
    assert offered["Europe/Rome"] == "Roma, Itālija"
    assert offered["Atlantic/Canary"] == "Kanāriju salas, Spānija"
    assert offered["America/New_York"] == "Ņujorka, Amerikas Savienotās Valstis"
    assert '<optgroup label="Eiropa">' in text_of(client.get("/signup?lang=lv"))


def test_an_old_stored_zone_still_shows_and_saves_unchanged(app, login_as, make_user):
    user_id = make_user(locale="en", timezone="Europe/Kiev", country="LV")
    client = app.test_client()
    login_as(client, user_id)
    page = text_of(client.get("/profile"))
    assert ("Europe/Kiev", "Kyiv, Ukraine") in options(page)
    assert re.search(r'<option selected value="Europe/Kiev">', page)
    data = {
        "name": "Olena",
        "country": "LV",
        "locale": "en",
        "second_locale": "",
        "timezone": "Europe/Kiev",
        "organisation": "",
        "org_name": "Kooperatīvs",
        "org_kind": "cooperative",
        "org_country": "LV",
        "org_parent": "",
    }
    assert client.post("/profile", data=data).status_code == 302
    with in_app(app):
        assert db.session.scalar(select(User.timezone).where(User.id == user_id)) == "Europe/Kiev"
    # A name no longer offered cannot be chosen anew.
    data["timezone"] = "Asia/Dacca"
    assert client.post("/profile", data=data).status_code == 200
