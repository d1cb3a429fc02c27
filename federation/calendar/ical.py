"""Every iCalendar feed of the platform goes through :func:`feed`.

The ``icalendar`` package (a maintained implementation of RFC 5545) escapes text values,
writes UTC times as ``…Z`` and folds content lines longer than 75 octets (a CRLF and a
space, never inside a UTF-8 sequence), which hand-written feeds got wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODID = "-//Convergence//FR"


@dataclass(frozen=True)
class CalendarEvent:
    """One event of a feed; naive datetimes are taken as UTC."""

    uid: str
    start: datetime
    summary: str
    end: datetime | None = None
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    stamp: datetime | None = None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def feed(name: str, events: Iterable[CalendarEvent], prodid: str = PRODID) -> bytes:
    """An RFC 5545 calendar (``text/calendar`` bytes, CRLF line ends, folded lines)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", _utc(item.stamp or datetime.now(UTC)))
        event.add("dtstart", _utc(item.start))
        event.add("dtend", _utc(item.end or item.start + timedelta(hours=2)))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
