"""Time-zone helpers, and the parsing of dates and instants that arrive in requests."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_timezone_location,
)

PROGRAMME_TIMEZONES = (
    "Europe/Rome",
    "Europe/Madrid",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Stockholm",
    "Europe/Brussels",
)
_AREAS = ("Europe", "Africa", "America", "Asia", "Atlantic", "Australia", "Indian", "Pacific")


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """Return the selectable time-zone identifiers (Area/City), sorted, plus UTC."""
    zones = sorted(
        zone
        for zone in available_timezones()
        if zone.split("/", 1)[0] in _AREAS and "/" in zone and not zone.startswith("Etc")
    )
    return ("UTC", *zones)


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()


@lru_cache(maxsize=16)
def timezone_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """Return (id, label) pairs with the programme's zones first, labels in the locale."""

    def label(zone: str) -> str:
        if zone == "UTC":
            return "UTC"
        return f"{get_timezone_location(ZoneInfo(zone), locale=locale)} ({zone})"

    first = [(zone, label(zone)) for zone in PROGRAMME_TIMEZONES]
    rest = sorted(
        ((zone, label(zone)) for zone in all_timezones() if zone not in PROGRAMME_TIMEZONES),
        key=lambda pair: pair[1],
    )
    return tuple(first + rest)


def when_in(moment, zone: str, locale: str, date_format: str = "full") -> str:
    """A moment as a reader in `zone` and `locale` reads it: the day, the time and the zone.

    For texts rendered outside a request (e-mails, calendar files), where Flask-Babel does not
    know the reader's zone.
    """
    local = moment.astimezone(ZoneInfo(zone))
    pattern = get_datetime_format(date_format, locale=locale).replace("'", "")
    text = pattern.replace("{1}", format_date(local.date(), date_format, locale=locale)).replace(
        "{0}", format_time(local.time(), "short", locale=locale)
    )
    return f"{text} ({zone_name(zone, locale)})"


def zone_name(zone: str, locale: str) -> str:
    """A time zone as people name it, in their language ("Latvia Time", "hora de Letonia")."""
    return "UTC" if zone == "UTC" else get_timezone_location(ZoneInfo(zone), locale=locale)


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
