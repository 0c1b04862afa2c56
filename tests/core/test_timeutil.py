"""How times and time zones read in each of the seven locales: plain zone names, the curated
zone picker, month headers, time ranges and date-times without seconds (Babel 2.19, CLDR 49)."""

import unicodedata
from datetime import UTC, date, datetime, time

import pytest

from app.core.timeutil import (
    date_time,
    is_valid_timezone,
    month_title,
    selectable_timezones,
    time_range,
    timezone_choices,
    wall_range,
    when_in,
    when_range,
    zone_label,
)

LOCALES = ("en", "it", "ca", "es", "lv", "lt", "sv")
START = datetime(2030, 12, 5, 8, 0, tzinfo=UTC)  # Thursday 9:00 in Brussels
END = datetime(2030, 12, 5, 10, 0, tzinfo=UTC)
DASH, THIN, NARROW = "\u2013", "\u2009", "\u202f"


@pytest.mark.parametrize(
    ("locale", "rome", "canary"),
    [
        ("en", "Rome, Italy", "Canaries, Spain"),
        ("it", "Roma, Italia", "Canarie, Spagna"),
        ("ca", "Roma, Itàlia", "Illes Canàries, Espanya"),
        ("es", "Roma, Italia", "Canarias, España"),
        ("lv", "Roma, Itālija", "Kanāriju salas, Spānija"),
        ("lt", "Roma, Italija", "Kanarų salos, Ispanija"),
        ("sv", "Rom, Italien", "Kanarieöarna, Spanien"),
    ],
)
def test_a_zone_is_named_as_a_place_without_cldrs_own_label(locale, rome, canary):
    # CLDR's "location" form is "Laika josla: Itālija", "Hora de: Itàlia", "Laikas: Italija".
    assert zone_label("Europe/Rome", locale) == rome
    assert zone_label("Atlantic/Canary", locale) == canary
    assert zone_label("UTC", locale) == "UTC"


def test_a_city_that_is_its_country_is_named_once_and_old_names_still_read():
    assert zone_label("Asia/Singapore", "en") == "Singapore"
    assert zone_label("Europe/Kiev", "lv") == "Kijeva, Ukraina"  # an alias stored long ago
    assert zone_label("Europe/Stockholm", "lt") == "Stokholmas, Švedija"


@pytest.mark.parametrize(
    ("locale", "december", "may"),
    [
        ("en", "December 2026", "May 2027"),
        ("it", "dicembre 2026", "maggio 2027"),
        ("ca", "desembre del 2026", "maig del 2027"),
        ("es", "diciembre de 2026", "mayo de 2027"),
        ("lv", "2026. gada decembris", "2027. gada maijs"),  # CLDR: "2026. gada. decembris"
        ("lt", "2026 m. gruodis", "2027 m. gegužė"),
        ("sv", "december 2026", "maj 2027"),
    ],
)
def test_month_header_follows_each_locales_skeleton(locale, december, may):
    assert month_title(date(2026, 12, 1), locale) == december
    assert month_title(date(2027, 5, 1), locale) == may


@pytest.mark.parametrize(
    ("locale", "hours", "day"),
    [
        ("en", f"9:00{THIN}{DASH}{THIN}11:00{NARROW}AM", f"Thursday, December 5, 2030, 9:00{THIN}{DASH}{THIN}11:00{NARROW}AM"),
        ("it", f"09:00{DASH}11:00", f"giovedì 5 dicembre 2030 09:00{DASH}11:00"),
        ("ca", f"9:00{DASH}11:00", f"dijous, 5 de desembre del 2030, 9:00{DASH}11:00"),
        ("es", f"9:00{DASH}11:00", f"jueves, 5 de diciembre de 2030, 9:00{DASH}11:00"),
        ("lv", f"09:00{DASH}11:00", f"ceturtdiena, 2030. gada 5. decembris 09:00{DASH}11:00"),
        ("lt", f"09:00{DASH}11:00", f"2030 m. gruodžio 5 d., ketvirtadienis 09:00{DASH}11:00"),
        ("sv", f"09:00{DASH}11:00", f"torsdag 5 december 2030 09:00{DASH}11:00"),
    ],
)  # fmt: skip
def test_a_range_is_written_with_the_locales_interval_pattern(locale, hours, day):
    assert time_range(START, END, "Europe/Brussels", locale) == hours
    assert when_range(START, END, "Europe/Brussels", locale) == day


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", f"Dec 3, 2026, 10:30{NARROW}PM{THIN}{DASH}{THIN}Dec 4, 2026, 12:30{NARROW}AM"),
        ("it", f"3 dic 2026, 22:30{THIN}{DASH}{THIN}4 dic 2026, 00:30"),
        ("ca", f"3 de des. 2026, 22:30{THIN}{DASH}{THIN}4 de des. 2026, 0:30"),
        ("es", f"3 dic 2026, 22:30{THIN}{DASH}{THIN}4 dic 2026, 0:30"),
        ("lv", f"2026. gada 3. dec. 22:30{THIN}{DASH}{THIN}2026. gada 4. dec. 00:30"),
        ("lt", f"2026-12-03 22:30{THIN}{DASH}{THIN}2026-12-04 00:30"),
        ("sv", f"3 dec. 2026 22:30{DASH}4 dec. 2026 00:30"),
    ],
)
def test_a_range_across_midnight_names_both_days(locale, expected):
    start = datetime(2026, 12, 3, 20, 30, tzinfo=UTC)  # 22:30 in Riga, ending 00:30 the next day
    end = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)
    assert time_range(start, end, "Europe/Riga", locale) == expected


def test_both_ends_are_moved_to_the_readers_zone_first():
    assert time_range(START, END, "Europe/Riga", "lv") == f"10:00{DASH}12:00"
    assert time_range(START, END, "Atlantic/Canary", "es") == f"8:00{DASH}10:00"
    assert wall_range(time(9), time(12, 30), "lt") == f"09:00{DASH}12:30"
    assert wall_range(time(9), time(12, 30), "ca") == f"9:00{DASH}12:30"


# 2025-03-14 15:05:09 UTC as each locale shows it in Europe/Riga (17:05), without seconds.
WITHOUT_SECONDS = [
    ("en", f"Mar 14, 2025, 5:05{NARROW}PM"),
    ("it", "14 mar 2025, 17:05"),
    ("ca", "14 de març 2025, 17:05"),
    ("es", "14 mar 2025, 17:05"),
    ("lv", "2025. gada 14. marts 17:05"),
    ("lt", "2025-03-14 17:05"),
    ("sv", "14 mars 2025 17:05"),
]


@pytest.mark.parametrize(("locale", "expected"), WITHOUT_SECONDS)
def test_a_moment_is_shown_without_seconds(locale, expected):
    moment = datetime(2025, 3, 14, 15, 5, 9, tzinfo=UTC)
    assert date_time(moment, "Europe/Riga", locale, "medium") == expected


@pytest.mark.parametrize(
    ("locale", "day", "place"),
    [
        ("ca", f"dijous, 5 de desembre del 2030, 9:00{DASH}11:00 (", "Madrid, Espanya)"),
        ("lv", f"ceturtdiena, 2030. gada 5. decembris 10:00{DASH}12:00 (", "Rīga, Latvija)"),
        ("lt", f"2030 m. gruodžio 5 d., ketvirtadienis 10:00{DASH}12:00 (", "Vilnius, Lietuva)"),
    ],
)
def test_texts_outside_a_request_name_the_zone_once_in_a_sentence(ctx, locale, day, place):
    zone = {"ca": "Europe/Madrid", "lv": "Europe/Riga", "lt": "Europe/Vilnius"}[locale]
    text = when_in(START, zone, locale, end=END)
    assert text.startswith(day) and text.endswith(place)
    for label in ("Hora de", "Laika josla:", "Laikas:"):
        assert label not in text


def unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def flat(choices: dict) -> list[tuple[str, str]]:
    return [choice for group in choices.values() for choice in group]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_picker_offers_the_programme_first_and_no_old_aliases(ctx, locale):
    choices = timezone_choices(locale)
    groups = list(choices)
    first = choices[groups[0]]
    assert [zone for zone, _label in first] == [
        "Europe/Rome",
        "Europe/Madrid",
        "Atlantic/Canary",
        "Europe/Riga",
        "Europe/Vilnius",
        "Europe/Stockholm",
        "Europe/Brussels",
    ]
    assert first[0][1] == zone_label("Europe/Rome", locale)
    zones = [zone for zone, _label in flat(choices)]
    assert len(zones) == len(set(zones)) < 450  # one entry a zone, not about 600
    for alias in ("Asia/Dacca", "Europe/Kiev", "US/Eastern", "Asia/Calcutta", "Europe/Belfast"):
        assert alias not in zones
    assert {"Europe/Kyiv", "Asia/Dhaka", "America/New_York", "UTC"} <= set(zones)
    assert choices[None] == [("UTC", "UTC")]  # last, outside the groups
    assert all(is_valid_timezone(zone) for zone in zones)
    assert all(": " not in label for _zone, label in flat(choices))  # no "Laika josla: ..."


def test_picker_groups_are_named_in_the_readers_language_and_sorted(ctx):
    choices = timezone_choices("lv")
    assert list(choices)[1:5] == ["Eiropa", "Āfrika", "Amerika", "Āzija"]
    europe = [label for _zone, label in choices["Eiropa"]]
    assert europe == sorted(europe, key=unaccented)
    assert europe.index("Berlīne, Vācija") < europe.index("Bīzingene, Vācija")
    assert "Parīze, Francija" in europe


def test_an_old_stored_zone_stays_valid_and_selectable():
    assert is_valid_timezone("Europe/Kiev") and is_valid_timezone("Asia/Dacca")
    assert "Europe/Kiev" not in selectable_timezones()
    for wrong in ("Mars/Olympus", "Etc/GMT+3", "", "europe/rome"):
        assert not is_valid_timezone(wrong)


def test_an_old_stored_zone_is_kept_in_its_picker_so_saving_changes_nothing(ctx):
    choices = timezone_choices("lv", current="Europe/Kiev")
    assert choices["Eiropa"][0] == ("Europe/Kiev", "Kijeva, Ukraina")
    assert "Europe/Kiev" not in dict(flat(timezone_choices("lv", current="Europe/Riga")))
