"""German dates for the public pages, formatted by Babel (CLDR data, locale de_DE).

Residents read these lines, often through a screen reader: weekday and month are written
out („Donnerstag, 3. Dezember 2026, 18:00–20:00 Uhr“), never abbreviated. Every value is
shown in the service's zone (``settings.timezone``), whatever zone the partner wrote in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

LOCALE = "de_DE"


def local(value: date | datetime, tz: str) -> date | datetime:
    """A datetime in the service zone; dates stay dates."""
    return value.astimezone(ZoneInfo(tz)) if isinstance(value, datetime) else value


def day(value: date | datetime) -> str:
    """„Donnerstag, 3. Dezember 2026“."""
    return format_date(value, "EEEE, d. MMMM y", locale=LOCALE)


def month(value: date | datetime) -> str:
    """„Dezember 2026“."""
    return format_date(value, "LLLL y", locale=LOCALE)


def clock(value: datetime) -> str:
    """„18:00“."""
    return format_time(value, "HH:mm", locale=LOCALE)


def last_day(start: date, end: date | None) -> date:
    """The last day of an all-day event (DTEND is exclusive)."""
    if end is None or end <= start:
        return start
    return end - timedelta(days=1)


def when(start: date | datetime, end: date | datetime | None) -> str:
    """Date and time of one occurrence (already local): the event page's line."""
    if not isinstance(start, datetime):
        last = last_day(start, end if isinstance(end, date) else None)
        return day(start) if last == start else f"{day(start)} bis {day(last)}"
    text = f"{day(start)}, {clock(start)}"
    if not isinstance(end, datetime) or end <= start:
        return f"{text} Uhr"
    if end.date() == start.date():
        return f"{text}–{clock(end)} Uhr"
    return f"{text} Uhr bis {day(end)}, {clock(end)} Uhr"


def hours(start: date | datetime, end: date | datetime | None) -> str:
    """The time part for a list under a day heading: „18:00–20:00 Uhr“, „ganztägig“."""
    if not isinstance(start, datetime):
        last = last_day(start, end if isinstance(end, date) else None)
        return "ganztägig" if last == start else f"ganztägig, bis {day(last)}"
    if not isinstance(end, datetime) or end <= start:
        return f"{clock(start)} Uhr"
    if end.date() == start.date():
        return f"{clock(start)}–{clock(end)} Uhr"
    return f"{clock(start)} Uhr bis {day(end)}, {clock(end)} Uhr"


def iso(value: date | datetime) -> str:
    """ISO 8601 with the offset (schema.org startDate/endDate, <time datetime>)."""
    return value.isoformat()
