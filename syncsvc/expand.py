"""Expand series into occurrences within a window, bounded.

Uses recurring-ical-events (EXDATE, RDATE and RECURRENCE-ID overrides honoured). A
series never yields more than ``cap`` occurrences, so FREQ=SECONDLY or an RRULE
without end costs bounded CPU and memory.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from .models import Event
from .vevent import format_instant, to_vevent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Occurrence:
    event: Event  # the record that defines this occurrence (master or override)
    start: date | datetime  # local (aware) datetime or date
    end: date | datetime | None
    key: str  # the occurrence's start in Event instant form


@dataclass(frozen=True)
class Expansion:
    occurrences: tuple[Occurrence, ...]
    truncated: tuple[tuple[str, str], ...]  # (source_id, uid) of series cut at the cap


def occurrences(
    events: Iterable[Event], start: datetime, end: datetime, cap: int = 2000
) -> list[Occurrence]:
    """Occurrences of all events in [start, end), sorted by start; ≤ cap per series."""
    return list(expand(events, start, end, cap).occurrences)


def expand(events: Iterable[Event], start: datetime, end: datetime, cap: int = 2000) -> Expansion:
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for ev in events:
        groups[(ev.source_id, ev.uid)].append(ev)
    out: list[Occurrence] = []
    truncated = []
    for key, members in groups.items():
        occ, cut = _expand_group(members, start, end, cap)
        out.extend(occ)
        if cut:
            truncated.append(key)
            log.warning("source=%s series %s cut at %d occurrences", key[0], key[1], cap)
    out.sort(key=lambda o: (_sort_key(o.start), o.event.source_id, o.event.uid))
    return Expansion(tuple(out), tuple(truncated))


def _expand_group(
    members: list[Event], start: datetime, end: datetime, cap: int
) -> tuple[list[Occurrence], bool]:
    cal = icalendar.Calendar()
    by_rid: dict[str, Event] = {}
    master = None
    for ev in members:
        cal.add_component(to_vevent(ev))
        if ev.recurrence_id:
            by_rid[ev.recurrence_id] = ev
        else:
            master = ev
    found: list[Occurrence] = []
    query = recurring_ical_events.of(cal, skip_bad_series=True)
    for comp in query.after(start):
        dtstart = comp.decoded("dtstart")
        if _sort_key(dtstart) >= _sort_key(end):
            break
        if len(found) >= cap:
            return found, True
        rid = comp.get("recurrence-id")
        owner = by_rid.get(format_instant(rid.dt)) if rid is not None else None
        owner = owner or master or members[0]
        dtend = comp.decoded("dtend") if "dtend" in comp else None
        found.append(Occurrence(owner, dtstart, dtend, format_instant(dtstart)))
    return found, False


def _sort_key(value: date | datetime) -> datetime:
    """All-day dates sort as local midnight."""
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo("Europe/Berlin"))
