"""Conversion between ``Event`` records and icalendar VEVENT components.

Shared by the publish stage (calendar.ics) and the expansion of series (views, dedupe),
so there is one place that knows how an Event's instant strings map to iCalendar values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

from ..models import Event


def parse_instant(value: str) -> date | datetime:
    """'2026-01-01' → date; '2026-01-01T17:00:00Z' → aware UTC datetime."""
    if "T" not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_instant(value: date | datetime) -> str:
    """Inverse of parse_instant: dates stay dates, datetimes become UTC '…Z'."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: attach the source's zone first")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def to_local(value: str, tzid: str) -> date | datetime:
    """An Event instant in the event's display zone (dates stay dates)."""
    parsed = parse_instant(value)
    if isinstance(parsed, datetime):
        return parsed.astimezone(ZoneInfo(tzid))
    return parsed


def to_vevent(event: Event, uid: str | None = None) -> icalendar.Event:
    """Build the VEVENT for one Event: local times with TZID (UTC for a UTC-anchored
    series, so it recurs as the partner wrote it), dates as VALUE=DATE; one RDATE and one
    EXDATE property per value (clients read multi-valued lines differently)."""
    zone = "UTC" if event.utc_anchor else event.tzid
    ve = icalendar.Event()
    ve.add("uid", uid or event.uid)
    ve.add("summary", event.summary)
    ve.add("dtstart", to_local(event.start, zone))
    if event.end:
        ve.add("dtend", to_local(event.end, zone))
    if event.rrule:
        ve.add("rrule", icalendar.vRecur.from_ical(event.rrule))
    for rdate in event.rdates:  # timed RDATEs in UTC: libical read RDATE;TZID as UTC
        ve.add("rdate", to_local(rdate, "UTC" if "T" in rdate else zone))
    for exdate in event.exdates:
        ve.add("exdate", to_local(exdate, zone))
    if event.recurrence_id:
        ve.add("recurrence-id", to_local(event.recurrence_id, zone))
    if event.description:
        ve.add("description", event.description)
    if event.location:
        ve.add("location", event.location)
    if event.url:
        ve.add("url", event.url)
    if event.categories:
        ve.add("categories", list(event.categories))
    if event.status and event.status != "CONFIRMED":
        ve.add("status", event.status)
    return ve
