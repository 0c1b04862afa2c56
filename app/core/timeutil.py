"""Time-zone helpers."""

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import get_timezone_location

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
