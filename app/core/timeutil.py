"""Time-zone helpers, the wording of times for readers, and the parsing of dates and instants
that arrive in requests."""

import unicodedata
from datetime import UTC, date, datetime, time
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_timezone_location,
)
from flask_babel import force_locale, get_timezone

from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import locale_code
from app.core.catalogs import py_gettext as _

# The programme's zones, first in every picker; Spain's Canary Islands keep their own clock.
PROGRAMME_TIMEZONES = (
    "Europe/Rome",
    "Europe/Madrid",
    "Atlantic/Canary",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Stockholm",
    "Europe/Brussels",
)
_AREAS = ("Europe", "Africa", "America", "Asia", "Atlantic", "Australia", "Indian", "Pacific")

# Picker groups: a tz area, named by CLDR's region name (translated for free) or by our own text.
_REGIONS = {
    "Europe": "150",
    "Africa": "002",
    "America": "019",
    "Asia": "142",
    "Australia": "009",  # with the Pacific: Oceania
    "Antarctica": "AQ",
}
_OCEANS = {"Atlantic": _l("Atlantic Ocean"), "Indian": _l("Indian Ocean")}
_GROUP_ORDER = ("Europe", "Africa", "America", "Asia", "Atlantic", "Indian", "Australia")


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """tzdb's zone.tab: each zone a person picks for their country, with the country's code.

    One row per country and clock, named as the country's people expect (Europe/Stockholm for
    Sweden, though tzdb links it to Berlin); renamed or deprecated aliases from tzdb's `backward`
    file (Europe/Kiev, Asia/Dacca, US/Eastern) are not in it.
    """
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows}


@lru_cache(maxsize=1)
def selectable_timezones() -> tuple[str, ...]:
    """The zones the pickers offer: UTC and zone.tab's zones, sorted."""
    return ("UTC", *sorted(_zone_countries()))


@lru_cache(maxsize=1)
def all_timezones() -> frozenset[str]:
    """Every zone we accept: the selectable ones, and older names (Europe/Kiev) someone may have
    stored before the pickers were curated, so no saved profile or event stops validating."""
    legacy = (
        zone
        for zone in available_timezones()
        if zone.split("/", 1)[0] in _AREAS and "/" in zone and not zone.startswith("Etc")
    )
    return frozenset((*selectable_timezones(), *legacy))


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()


def _territory(zone: str) -> str | None:
    if zone in _zone_countries():
        return _zone_countries()[zone]
    territories = get_global("zone_territories")
    canonical = get_global("zone_aliases").get(zone, zone)
    return territories.get(zone) or territories.get(canonical)


@lru_cache(maxsize=2048)
def zone_label(zone: str, locale: str) -> str:
    """A zone named as people name a place, in their language: "Roma, Italia", "Kanāriju salas,
    Spānija", "Singapore" (the city alone when it is the country's name), "UTC".

    Plain names only: CLDR's "location" form ("Laika josla: Itālija") carries a label of its
    own, which doubles up inside a sentence that already says "time zone".
    """
    if zone == "UTC":
        return "UTC"
    city = get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True)
    code = _territory(zone)
    country = Locale.parse(locale).territories.get(code) if code else None
    if not country or country.casefold() == city.casefold():
        return city
    return f"{city}, {country}"


def zone_name(zone: str, locale: str) -> str:
    """The plain name of a zone for the sentences that show it (see `zone_label`)."""
    return zone_label(zone, locale)


def _sort_key(label: str) -> str:
    """Alphabetical order that ignores accents ("Ņujorka" beside "Nuka"), good enough for a list."""
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _group_key(zone: str) -> str:
    area = zone.split("/", 1)[0]
    return {"Pacific": "Australia", "Arctic": "Europe"}.get(area, area)


def _group_name(area: str, locale: str) -> str:
    if area in _OCEANS:
        with force_locale(locale):
            return str(_OCEANS[area])
    return Locale.parse(locale).territories[_REGIONS[area]]


@lru_cache(maxsize=16)
def _grouped_choices(locale: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    with force_locale(locale):
        first = str(_l("Countries of the programme"))
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in selectable_timezones():
        if zone == "UTC" or zone in PROGRAMME_TIMEZONES:
            continue
        groups.setdefault(_group_key(zone), []).append((zone, zone_label(zone, locale)))
    order = [*_GROUP_ORDER, *sorted(set(groups) - set(_GROUP_ORDER))]
    rest = [
        (_group_name(area, locale), tuple(sorted(groups[area], key=lambda c: _sort_key(c[1]))))
        for area in order
        if area in groups
    ]
    programme = tuple((zone, zone_label(zone, locale)) for zone in PROGRAMME_TIMEZONES)
    return ((first, programme), *rest)


def timezone_choices(locale: str, current: str | None = None) -> dict:
    """Choices for a time-zone picker, as WTForms option groups, labelled in `locale`: the
    programme's zones first, then every other country's zones by continent or ocean, then UTC.

    `current` is the zone a person or event already has: an older name no longer offered
    (Europe/Kiev) is kept at the top, so opening and saving a form never changes it silently.
    """
    choices = {group: list(items) for group, items in _grouped_choices(locale)}
    if current and current not in selectable_timezones() and is_valid_timezone(current):
        group = _group_name(_group_key(current), locale)
        choices.setdefault(group, []).insert(0, (current, zone_label(current, locale)))
    choices[None] = [("UTC", "UTC")]
    return choices


# --- times as readers read them ----------------------------------------------------------------
# The wordings below depend only on their arguments (CLDR's data does not change while the
# process runs), and a list page words the same few dozen times on every visit: each worker
# keeps the latest ones (about 60 us of Babel each).
_KEPT_WORDINGS = 8192


def _hour_skeleton(locale: str) -> str:
    """'Hm' for a 24-hour locale (all six of ours), 'hm' where the short time has AM/PM (en)."""
    return "hm" if "h" in Locale.parse(locale).time_formats["short"].pattern else "Hm"


def _join(date_text: str, time_text: str, date_format: str, locale: str) -> str:
    """A date and a time (or time range) joined as the locale joins them ("{1}, {0}")."""
    pattern = get_datetime_format(date_format, locale=locale).replace("'", "")
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


@lru_cache(maxsize=_KEPT_WORDINGS)
def date_time(moment: datetime, zone: str, locale: str, date_format: str = "full") -> str:
    """A moment's date and its time without seconds, in `zone`: "jueves, 3 de diciembre de
    2026, 9:00"; `date_format` is a Babel date width (full, long, medium, short)."""
    local = moment.astimezone(ZoneInfo(zone))
    return _join(
        format_date(local.date(), date_format, locale=locale),
        format_time(local.time(), "short", locale=locale),
        date_format,
        locale,
    )


def _across_days(start: datetime, end: datetime, date_format: str, zone: str, locale: str) -> str:
    fallback = Locale.parse(locale).interval_formats.get(None) or "{0} \u2013 {1}"
    return fallback.replace("{0}", date_time(start, zone, locale, date_format)).replace(
        "{1}", date_time(end, zone, locale, date_format)
    )


@lru_cache(maxsize=_KEPT_WORDINGS)
def time_range(start: datetime, end: datetime, zone: str, locale: str) -> str:
    """The hours of a start and an end in `zone`, as the locale writes a range ("9:00-10:00",
    "09:00-10:00"); a range that crosses midnight there names both dates."""
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() != last.date():
        return _across_days(first, last, "medium", zone, locale)
    return format_interval(first, last, _hour_skeleton(locale), tzinfo=tz, locale=locale)


@lru_cache(maxsize=_KEPT_WORDINGS)
def wall_range(start: time, end: time, locale: str) -> str:
    """Two wall-clock times already in the reader's zone ("09:00-12:00")."""
    return format_interval(start, end, _hour_skeleton(locale), locale=locale)


@lru_cache(maxsize=_KEPT_WORDINGS)
def when_range(
    start: datetime, end: datetime, zone: str, locale: str, date_format: str = "full"
) -> str:
    """The day and the hours of an event in `zone`: "dijous, 3 de desembre del 2026, 9:00-10:00";
    both dates when it crosses midnight there."""
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.date() != last.date():
        return _across_days(first, last, date_format, zone, locale)
    return _join(
        format_date(first.date(), date_format, locale=locale),
        format_interval(first, last, _hour_skeleton(locale), tzinfo=tz, locale=locale),
        date_format,
        locale,
    )


def zone_note(zone: str, locale: str) -> str:
    """'time zone: Roma, Italia' in the reader's language, to follow a time in brackets."""
    with force_locale(locale):
        return _("time zone: %(zone)s", zone=zone_label(zone, locale))


def when_in(
    moment: datetime,
    zone: str,
    locale: str,
    date_format: str = "full",
    end: datetime | None = None,
) -> str:
    """A moment (or a start and an end) as a reader in `zone` and `locale` reads it: the day, the
    time and the zone, "jueves, 3 de diciembre de 2026, 9:00-10:00 (zona horaria: Madrid, España)".

    For texts rendered outside a request (e-mails), where Flask-Babel does not know the reader.
    """
    text = (
        when_range(moment, end, zone, locale, date_format)
        if end is not None
        else date_time(moment, zone, locale, date_format)
    )
    return f"{text} ({zone_note(zone, locale)})"


def month_title(first: date, locale: str) -> str:
    """A month calendar's header from CLDR's "yMMMM" skeleton: "diciembre de 2026", "2026 m.
    gruodis". CLDR 49's Latvian pattern has a stray dot ("2026. gada. decembris"); Latvian writes
    "2026. gada decembris"."""
    if locale.split("_", 1)[0] == "lv":
        return format_date(first, "y. 'gada' LLLL", locale=locale)
    return format_skeleton("yMMMM", first, locale=locale)


def template_globals() -> dict:
    """The wording helpers for templates, in the request's locale and the viewer's zone."""

    def zone() -> str:
        return str(get_timezone())

    def locale() -> str:
        return locale_code()

    return {
        "time_range": lambda start, end: time_range(start, end, zone(), locale()),
        "when_range": lambda start, end, date_format="full": when_range(
            start, end, zone(), locale(), date_format
        ),
        "date_and_time": lambda moment, date_format="medium": date_time(
            moment, zone(), locale(), date_format
        ),
        "wall_range": lambda start, end: wall_range(start, end, locale()),
        "zone_note": lambda: zone_note(zone(), locale()),
    }


# Years we accept from people. Far outside them, a date moved to another time zone or to the
# first day of the next month leaves what Python's datetime and the databases can hold
# (year 1 in UTC+14 is before year 1 in UTC).
MIN_YEAR = 1900
MAX_YEAR = 2200


def in_range(value: date | datetime | None) -> bool:
    """True when a date or an instant falls within the years we accept."""
    return value is not None and MIN_YEAR <= value.year <= MAX_YEAR


def parse_month(text: str | None) -> date | None:
    """'2025-03' -> 1 March 2025; None when the text is not a month within the years we accept."""
    try:
        first = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None
    return first if in_range(first) else None


def parse_instant(text: str | None) -> datetime | None:
    """An ISO 8601 instant with its offset ('2025-03-04T09:00:00+01:00') as a UTC datetime;
    None when the text is not one, has no offset, or falls outside the years we accept."""
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if moment.tzinfo is None or not in_range(moment):
        return None
    return moment.astimezone(UTC)  # a year within range cannot overflow here
