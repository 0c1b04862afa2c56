"""iCalendar files built with the `icalendar` package.

Every DTSTART/DTEND is written in UTC (`...Z`): every client shows it in its user's zone, and no
VTIMEZONE can be misread (shared/SCHEDULING.md measured Thunderbird misreading the VTIMEZONEs
`add_missing_timezones()` writes). Texts go in as properties, so the library escapes CR/LF,
commas and semicolons.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText
from icalendar.prop import vDuration

PRODID = "-//DO Impact Academy//doimpact.eu//EN"


@dataclass
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    stamp: datetime
    description: str = ""
    location: str | None = None
    url: str | None = None
    organizer: tuple[str, str] | None = None  # (name, e-mail)
    attendees: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a calendar event")
    return moment.astimezone(UTC)


def _address(name: str, email: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def _event(item: CalendarEvent) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", _utc(item.stamp))
    event.add("sequence", item.sequence)
    event.add("dtstart", _utc(item.start))
    event.add("dtend", _utc(item.end))
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.organizer:
        event.add("organizer", _address(*item.organizer))
    for name, email in item.attendees:
        event.add(
            "attendee",
            _address(name, email, role="REQ-PARTICIPANT", partstat="ACCEPTED", cutype="INDIVIDUAL"),
        )
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def invitation(item: CalendarEvent) -> bytes:
    """METHOD:REQUEST, for the e-mail that books or moves an event (needs an organizer)."""
    if not item.organizer:
        raise ValueError("an invitation needs an organizer")
    calendar = _calendar("REQUEST")
    calendar.add_component(_event(item))
    return calendar.to_ical()


def cancellation(item: CalendarEvent) -> bytes:
    """METHOD:CANCEL: same UID as the invitation, a higher SEQUENCE (the caller's)."""
    if not item.organizer:
        raise ValueError("a cancellation needs an organizer")
    calendar = _calendar("CANCEL")
    calendar.add_component(_event(CalendarEvent(**{**vars(item), "cancelled": True})))
    return calendar.to_ical()


def single(item: CalendarEvent) -> bytes:
    """One event to download and import (METHOD:PUBLISH)."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(_event(item))
    return calendar.to_ical()


def feed(name: str, items: list[CalendarEvent]) -> bytes:
    """A subscription feed: clients refresh it hourly."""
    calendar = _calendar("PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    # The library's refresh_interval setter leaves out VALUE=DURATION, and a timedelta given to
    # X-PUBLISHED-TTL is written as "1:00:00": both written by hand (see SCHEDULING.md).
    calendar.add("refresh-interval", vDuration.from_ical("PT1H"), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for item in items:
        calendar.add_component(_event(item))
    return calendar.to_ical()
