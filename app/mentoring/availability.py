"""Free slots from weekly rules kept in the mentor's wall-clock time.

Pure functions, no database: everything comes in as arguments, `now` included. Each date is
expanded in the mentor's IANA zone, so a weekly 09:00 stays 09:00 there across daylight-saving
changes; durations and comparisons are done on UTC instants (see shared/SCHEDULING.md).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

Range = tuple[time, time]


@dataclass(frozen=True)
class Settings:
    timezone: str
    session_minutes: int = 60
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice_hours: int = 0
    horizon_days: int = 365
    max_per_day: int | None = None
    max_per_week: int | None = None


@dataclass(frozen=True)
class Override:
    day: date
    available: bool  # True: extra hours; False: time off
    start: time | None = None  # None with None: the whole day
    end: time | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime  # UTC

    def block(self, settings: Settings) -> tuple[datetime, datetime]:
        return (
            self.start - timedelta(minutes=settings.buffer_before),
            self.end + timedelta(minutes=settings.buffer_after),
        )


@dataclass
class Calendar:
    """What is already taken: live bookings as (block start, block end, session start), UTC."""

    busy: list[tuple[datetime, datetime, datetime]] = field(default_factory=list)
    _counts: dict = field(default_factory=dict, repr=False)

    def counts(self, zone: ZoneInfo) -> tuple[Counter, Counter]:
        """Live sessions per local date and per ISO week, in the mentor's zone."""
        if zone.key not in self._counts:
            days = [start.astimezone(zone).date() for _, _, start in self.busy]
            self._counts[zone.key] = (Counter(days), Counter(week_of(day) for day in days))
        return self._counts[zone.key]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(ranges: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    result = []
    for start, end in ranges:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


def day_ranges(day: date, weekly: dict[int, list[Range]], overrides: list[Override]):
    """The day's open ranges in wall-clock minutes, after its overrides."""
    ranges = [(_minutes(a), _minutes(b)) for a, b in weekly.get(day.weekday(), [])]
    for override in overrides:
        if override.day != day:
            continue
        whole = override.start is None or override.end is None
        span = (0, 24 * 60) if whole else (_minutes(override.start), _minutes(override.end))
        if override.available:
            ranges.append(span)
        else:
            ranges = _subtract(_merge(ranges), span)
    return _merge(ranges)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time, or None when the clock skips it (spring change)."""
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return instant


def candidates(
    settings: Settings,
    weekly: dict[int, list[Range]],
    overrides: list[Override],
    first_day: date,
    last_day: date,
) -> list[Slot]:
    """Every slot the availability offers between two local dates, before any booking."""
    return list(_candidates(settings, weekly, overrides, first_day, last_day))


def _candidates(settings, weekly, overrides, first_day: date, last_day: date) -> Iterator[Slot]:
    """The candidates one by one, earliest first (a day's ranges are merged and sorted)."""
    zone = ZoneInfo(settings.timezone)
    length = settings.session_minutes
    step = length + settings.buffer_before + settings.buffer_after
    day = first_day
    while day <= last_day:
        for start, end in day_ranges(day, weekly, overrides):
            minute = start + settings.buffer_before
            while minute + length + settings.buffer_after <= end:
                instant = _local(day, minute, zone)
                if instant is not None:
                    yield Slot(instant, instant + timedelta(minutes=length))
                minute += step
        day += timedelta(days=1)


def week_of(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def problem(slot: Slot, settings: Settings, taken: Calendar, now: datetime) -> str | None:
    """Why a slot offered by the availability cannot be booked now, or None when it can."""
    if slot.start <= now:
        return "past"
    if slot.start < now + timedelta(hours=settings.min_notice_hours):
        return "notice"
    if slot.start > now + timedelta(days=settings.horizon_days):
        return "horizon"
    block_start, block_end = slot.block(settings)
    if any(start < block_end and block_start < end for start, end, _ in taken.busy):
        return "taken"
    zone = ZoneInfo(settings.timezone)
    day = slot.start.astimezone(zone).date()
    days, weeks = taken.counts(zone)
    if settings.max_per_day is not None and days[day] >= settings.max_per_day:
        return "day_full"
    if settings.max_per_week is not None and weeks[week_of(day)] >= settings.max_per_week:
        return "week_full"
    return None


def free_slots(
    settings: Settings,
    weekly: dict[int, list[Range]],
    overrides: list[Override],
    taken: Calendar,
    now: datetime,
    first_day: date,
    last_day: date,
    limit: int | None = None,
) -> list[Slot]:
    """The free slots, earliest first; with `limit`, only the first ones (the days after the
    last one needed are never expanded: the mentor list shows three per mentor)."""
    free = (
        slot
        for slot in _candidates(settings, weekly, overrides, first_day, last_day)
        if problem(slot, settings, taken, now) is None
    )
    return list(islice(free, limit))
