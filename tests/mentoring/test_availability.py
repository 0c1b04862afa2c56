"""Free slots from weekly availability kept in the mentor's wall-clock time: daylight-saving
changes, buffers, notice, horizon, daily and weekly caps, overrides."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.mentoring.availability import (
    Calendar,
    Override,
    Settings,
    Slot,
    candidates,
    free_slots,
    problem,
)

RIGA = "Europe/Riga"
SUNDAY = 6
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def wall(slot: Slot, zone: str) -> str:
    return slot.start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize(
    ("before", "change", "after"),
    [
        (date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)),  # spring: EET -> EEST
        (date(2026, 10, 18), date(2026, 10, 25), date(2026, 11, 1)),
    ],  # autumn: EEST -> EET
)
def test_a_weekly_0900_in_riga_stays_0900_on_the_day_of_each_change(before, change, after):
    settings = Settings(timezone=RIGA, session_minutes=60)
    weekly = {SUNDAY: [(time(9), time(10))]}
    slots = candidates(settings, weekly, [], before, after)
    assert [s.start.astimezone(ZoneInfo(RIGA)).date() for s in slots] == [before, change, after]
    assert {s.start.astimezone(ZoneInfo(RIGA)).strftime("%H:%M") for s in slots} == {"09:00"}
    # Seen from Madrid and Stockholm, which change at the same instant: always 08:00 there.
    for zone in ("Europe/Madrid", "Europe/Stockholm"):
        assert {s.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") for s in slots} == {"08:00"}
    # In UTC the instant moves by an hour across the change, and the session lasts 60 minutes.
    offsets = {s.start.astimezone(ZoneInfo(RIGA)).utcoffset() for s in slots}
    assert offsets == {timedelta(hours=2), timedelta(hours=3)}
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_the_exact_instants_of_the_spring_change_sunday():
    settings = Settings(timezone=RIGA, session_minutes=60)
    [slot] = candidates(
        settings, {SUNDAY: [(time(9), time(10))]}, [], date(2026, 3, 29), date(2026, 3, 29)
    )
    assert slot.start == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 09:00 EEST
    assert wall(slot, "Europe/Madrid") == "2026-03-29 08:00 CEST"


def test_wall_clock_times_the_spring_change_skips_are_not_offered():
    settings = Settings(timezone=RIGA, session_minutes=30)
    slots = candidates(
        settings, {SUNDAY: [(time(2, 30), time(5))]}, [], date(2026, 3, 29), date(2026, 3, 29)
    )
    # 03:00 and 03:30 do not exist in Riga that night; 02:30 does (EET), then 04:00 (EEST).
    assert [wall(s, RIGA) for s in slots] == [
        "2026-03-29 02:30 EET",
        "2026-03-29 04:00 EEST",
        "2026-03-29 04:30 EEST",
    ]


def test_buffers_space_the_slots_and_keep_neighbours_apart():
    settings = Settings(timezone=RIGA, session_minutes=60, buffer_before=0, buffer_after=15)
    weekly = {0: [(time(9), time(12))]}  # Monday
    day = date(2026, 12, 7)
    slots = candidates(settings, weekly, [], day, day)
    assert [wall(s, RIGA)[-9:-4] for s in slots] == ["09:00", "10:15"]
    # A session booked at 09:00 blocks 09:00-10:15; the 10:15 slot stays free.
    booked = slots[0]
    taken = Calendar([(*booked.block(settings), booked.start)])
    assert problem(slots[0], settings, taken, LONG_AGO) == "taken"
    assert problem(slots[1], settings, taken, LONG_AGO) is None
    # With 15 minutes before too, the 10:15 slot would reach into the first session's block.
    wider = Settings(timezone=RIGA, session_minutes=60, buffer_before=15, buffer_after=15)
    assert problem(Slot(slots[1].start, slots[1].end), wider, taken, LONG_AGO) == "taken"


def test_minimum_notice_and_horizon():
    settings = Settings(timezone=RIGA, session_minutes=60, min_notice_hours=24, horizon_days=14)
    weekly = {d: [(time(9), time(10))] for d in range(7)}
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 10:00 in Riga
    slots = free_slots(settings, weekly, [], Calendar(), now, date(2026, 12, 7), date(2026, 12, 31))
    days = [s.start.astimezone(ZoneInfo(RIGA)).day for s in slots]
    # Tuesday 09:00 is only 23 hours away; the 22nd is beyond the 14 days.
    assert days == list(range(9, 22))
    past = candidates(settings, weekly, [], date(2026, 12, 6), date(2026, 12, 6))[0]
    assert problem(past, settings, Calendar(), now) == "past"


def test_daily_and_weekly_caps():
    settings = Settings(timezone=RIGA, session_minutes=60, max_per_day=2, max_per_week=3)
    weekly = {d: [(time(9), time(13))] for d in range(5)}
    monday = date(2026, 12, 7)
    slots = candidates(settings, weekly, [], monday, monday + timedelta(days=6))
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(ZoneInfo(RIGA)).date(), []).append(slot)
    taken = Calendar([(*s.block(settings), s.start) for s in by_day[monday][:2]])
    assert problem(by_day[monday][2], settings, taken, LONG_AGO) == "day_full"
    assert problem(by_day[monday + timedelta(days=1)][0], settings, taken, LONG_AGO) is None
    third = by_day[monday + timedelta(days=1)][0]
    taken = Calendar([*taken.busy, (*third.block(settings), third.start)])
    assert problem(by_day[monday + timedelta(days=2)][0], settings, taken, LONG_AGO) == "week_full"
    next_monday = candidates(
        settings, weekly, [], monday + timedelta(days=7), monday + timedelta(days=7)
    )[0]
    assert problem(next_monday, settings, taken, LONG_AGO) is None


def test_overrides_add_hours_and_take_time_off():
    settings = Settings(timezone=RIGA, session_minutes=60)
    weekly = {0: [(time(9), time(12))], 1: [(time(9), time(11))]}
    monday, tuesday, saturday = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 12)
    overrides = [
        Override(monday, available=False, start=time(10), end=time(11)),  # a dentist
        Override(tuesday, available=False),  # a holiday: the whole day off
        Override(saturday, available=True, start=time(14), end=time(16)),  # extra hours
    ]
    slots = candidates(settings, weekly, overrides, monday, saturday)
    assert [wall(s, RIGA)[:16] for s in slots] == [
        "2026-12-07 09:00",
        "2026-12-07 11:00",
        "2026-12-12 14:00",
        "2026-12-12 15:00",
    ]
