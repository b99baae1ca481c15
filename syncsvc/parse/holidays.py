"""School holidays (from an ICS file or URL) and Hessian public holidays.

The city's schedule skips both. School holidays come from an iCalendar file the admin
can replace (``[service].school_holidays``), so next year's dates need no code change;
public holidays come from the ``holidays`` package (subdivision HE, German names).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

import holidays as holidays_pkg
import icalendar
from dateutil.relativedelta import relativedelta

from ..errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_FILE = "config/schulferien-hessen.ics"
WARN_BEFORE = relativedelta(months=6)
# No two consecutive Hessian school holidays lie further apart than ~100 days (Easter →
# summer); a longer gap means a holiday is missing from the data, so coverage ends there.
MAX_GAP = timedelta(days=120)

Fetch = Callable[[str], bytes]


def load_school_holidays(location: str, fetch: Fetch | None = None) -> list[tuple[date, date]]:
    """Read school holidays as sorted (first day, last day) ranges, both inclusive.

    ``location`` is a file path or an http(s) URL; URLs are read through ``fetch`` (the
    fetch stage's callable returning the body), never directly. Every VEVENT counts as one
    holiday; an all-day DTEND is exclusive (RFC 5545), a missing DTEND means one day.
    Raises ConfigError (German) when the data cannot be read or holds no holiday.
    """
    body = _read(location, fetch)
    try:
        cal = icalendar.Calendar.from_ical(body)
        # walk("VEVENT") yields icalendar.Event instances; its stubs say Component
        ranges = [_range(cast(icalendar.Event, ev)) for ev in cal.walk("VEVENT")]
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise ConfigError(location, [f"keine gültige iCalendar-Datei mit Ferienterminen: {e}"]) \
            from e
    if not ranges:
        raise ConfigError(location, ["die Datei enthält keine Ferientermine (VEVENT)"])
    return sorted(set(ranges))


def _read(location: str, fetch: Fetch | None) -> bytes:
    if location.startswith(("http://", "https://")):
        if fetch is None:
            raise ConfigError(location, ["Ferientermine per URL brauchen den Abruf-Dienst"])
        return fetch(location)
    try:
        return Path(location).read_bytes()
    except OSError as e:
        raise ConfigError(location, [f"Ferientermine nicht lesbar: {e.strerror or e}"]) from e


def _range(event: icalendar.Event) -> tuple[date, date]:
    if "DTSTART" not in event:
        raise ValueError(f"Termin '{event.get('SUMMARY', '?')}' ohne DTSTART")
    start, end = event.start, event.end  # icalendar derives end from DTEND/DURATION/default
    if isinstance(start, datetime):
        assert isinstance(end, datetime)  # icalendar gives a timed event a timed end
        first, last = start.date(), (end - timedelta(microseconds=1)).date()
    else:
        first, last = start, end - timedelta(days=1)
    if last < first:
        raise ValueError(f"Termin '{event.get('SUMMARY', '?')}' endet vor seinem Beginn")
    return first, last


def is_school_holiday(day: date, ranges: Iterable[tuple[date, date]]) -> bool:
    """True when ``day`` lies in any range, first and last day included."""
    return any(first <= day <= last for first, last in ranges)


def public_holidays_he(years: Iterable[int]) -> dict[date, str]:
    """Hesse's statutory public holidays for ``years``, with German names."""
    found = holidays_pkg.country_holidays("DE", subdiv="HE", years=list(years), language="de")
    return dict(sorted(found.items()))


def coverage_end(ranges: Iterable[tuple[date, date]]) -> date:
    """The last day the school-holiday data covers: the end of its last holiday.

    For complete school years that is the end of the last Sommerferien. Walking forward,
    a gap longer than MAX_GAP means holidays are missing; coverage stops before it, so a
    stray entry far in the future cannot extend it.
    """
    ordered = sorted(ranges)
    if not ordered:
        raise ValueError("no school-holiday ranges")
    end = ordered[0][1]
    for first, last in ordered[1:]:
        if first - end > MAX_GAP:
            break
        end = max(end, last)
    return end


def coverage_warning(end: date, today: date, where: str = DEFAULT_FILE) -> str | None:
    """German admin warning from six months before ``end`` on; None before that."""
    if today < end - WARN_BEFORE:
        return None
    return (
        f"Ferientermine nur bis {end:%d.%m.%Y} hinterlegt – bitte die Termine für das "
        f"nächste Schuljahr in {where} eintragen"
    )
