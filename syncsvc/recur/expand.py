"""Expand series into occurrences within a window, bounded in count and in CPU time.

Uses recurring-ical-events (EXDATE, RDATE and RECURRENCE-ID overrides honoured). A
series never yields more than ``cap`` occurrences, so FREQ=SECONDLY or an RRULE
without end costs bounded memory. Counting is not enough for CPU: a rule that never
matches (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) yields nothing, and dateutil scans day
by day up to the year 9999 looking for its next occurrence — 7 s per event, 572 s for
a 2 KB file of 30 such events — and UNTIL does not stop it (dateutil compares UNTIL
only with candidates). So each series runs under a deadline on this thread's CPU time
(``SERIES_BUDGET_S``, and ``PASS_BUDGET_S`` for one ``expand`` call): a trace hook on
Python function calls raises once the deadline has passed, which interrupts dateutil's
loop between two of its periods. A stopped series yields nothing and is reported in
``Expansion.over_budget``; the guard refuses it at sync, so publish never sees it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from ..instants import DEFAULT_ZONE
from ..logs import fields
from ..models import Event
from .vevent import format_instant, to_vevent

log = logging.getLogger(__name__)

SERIES_BUDGET_S = 1.0  # CPU seconds one series may cost (a normal one needs milliseconds)
PASS_BUDGET_S = 10.0  # CPU seconds one expand() call may cost over all its series


@dataclass(frozen=True, slots=True)
class Occurrence:
    event: Event  # the record that defines this occurrence (master or override)
    start: date | datetime  # local (aware) datetime or date
    end: date | datetime | None
    key: str  # the occurrence's start in Event instant form


@dataclass(frozen=True, slots=True)
class Expansion:
    occurrences: tuple[Occurrence, ...]
    truncated: tuple[tuple[str, str], ...]  # (source_id, uid) of series cut at the cap
    over_budget: tuple[tuple[str, str], ...] = ()  # series stopped by the CPU budget


def occurrences(
    events: Iterable[Event], start: datetime, end: datetime, cap: int = 2000
) -> list[Occurrence]:
    """Occurrences of all events in [start, end), sorted by start; ≤ cap per series."""
    return list(expand(events, start, end, cap).occurrences)


def starts(events: Iterable[Event], start: datetime, end: datetime, cap: int = 2000,
           full: Callable[..., list[Occurrence]] = occurrences) -> list[tuple[Event, str]]:
    """(defining record, occurrence key) of every occurrence in [start, end): the keys
    ``occurrences`` yields, for a caller that needs only when (dedupe matches 2,000 series
    at 100k events). A lone timed master with a bare RRULE (no RDATE, EXDATE or override)
    goes to dateutil directly, ~7x faster than through recurring-ical-events and pinned
    equal to it by tests; every other series, and any rule dateutil refuses, goes to
    ``full`` (this module's ``occurrences`` unless a caller passes its own)."""
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for ev in events:
        groups[(ev.source_id, ev.uid)].append(ev)
    out: list[tuple[Event, str]] = []
    rest: list[Event] = []
    for members in groups.values():
        keys = _bare_rule_keys(members[0], start, end, cap) if len(members) == 1 else None
        if keys is None:
            rest += members
        else:
            out += [(members[0], k) for k in keys]
    if rest:
        out += [(o.event, o.key) for o in full(rest, start, end, cap)]
    return out


def _bare_rule_keys(m: Event, start: datetime, end: datetime, cap: int) -> list[str] | None:
    """The occurrence keys of a bare timed RRULE series, or None (not bare, or refused)."""
    zone = "UTC" if m.utc_anchor else m.tzid
    if (not m.rrule or m.rdates or m.exdates or m.recurrence_id or len(m.start) == 10
            or not zone):
        return None
    try:
        first = datetime.fromisoformat(m.start.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
        rule = rrulestr(m.rrule, dtstart=first, forceset=True)
        found = [s for s in islice(rule.xafter(start, inc=True), cap) if s < end]
    except (ValueError, TypeError, KeyError, OverflowError):
        return None  # e.g. a floating UNTIL with a zoned DTSTART: the full expander copes
    # format_instant's form ("…Z"), by isoformat: a fifth of strftime's cost per date
    keys = [s.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
            for s in found]
    if start <= first < end and m.start not in keys:
        keys.insert(0, m.start)  # DTSTART is always an occurrence (RFC 5545), rule or not
    return keys[:cap]


def expand(events: Iterable[Event], start: datetime, end: datetime, cap: int = 2000, *,
           series_budget_s: float | None = None, pass_budget_s: float | None = None,
           memo: dict | None = None) -> Expansion:
    """Occurrences per series in [start, end), each bounded by ``cap`` and, where given, by
    CPU budgets. Only the guard passes budgets (``SERIES_BUDGET_S``, ``PASS_BUDGET_S``):
    it refuses a costly series at sync, so publish and dedupe never meet one and expand
    without the trace hook, which slowed every expansion several-fold and would have cut
    a large publish at 10 s of CPU, dropping whole series from the outputs.

    ``memo`` (a dict the caller keeps for one pass) shares expansions between calls:
    publish lists the published series and, for the source views, each source's own
    copies, which mostly recur alike under other UIDs (see ``_remembered``)."""
    budgeted = series_budget_s is not None or pass_budget_s is not None
    series_budget_s = math.inf if series_budget_s is None else series_budget_s
    pass_budget_s = math.inf if pass_budget_s is None else pass_budget_s
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for ev in events:
        groups[(ev.source_id, ev.uid)].append(ev)
    out: list[Occurrence] = []
    truncated, over = [], []
    pass_end = time.thread_time() + pass_budget_s
    for key, members in groups.items():
        deadline = min(time.thread_time() + series_budget_s, pass_end)
        if memo is not None and not budgeted:
            occ, cut, late = _remembered(memo, members, start, end, cap)
        else:
            occ, cut, late = _expand_group(members, start, end, cap,
                                           deadline if budgeted else None)
        if late:
            over.append(key)
            log.warning("series %s stopped: over the CPU budget", key[1],
                        extra=fields(source=key[0]))
            continue
        out.extend(occ)
        if cut:
            truncated.append(key)
            log.warning("series %s cut at %d occurrences", key[1], cap, extra=fields(source=key[0]))
    out.sort(key=lambda o: (_sort_key(o.start), o.event.source_id, o.event.uid))
    return Expansion(tuple(out), tuple(truncated), tuple(over))


def _expand_group(
    members: list[Event], start: datetime, end: datetime, cap: int, deadline: float | None,
    state: dict | None = None,
) -> tuple[list[Occurrence], bool, bool]:
    """(occurrences, cut at the cap, stopped by the CPU deadline; None: no deadline).
    ``state["complete"]``: whether the windows reached ``end`` (see ``_windows``)."""
    if deadline is not None and time.thread_time() > deadline:
        return [], False, True
    cal = icalendar.Calendar()
    by_rid: dict[str, Event] = {}
    master = None
    for ev in members:
        cal.add_component(to_vevent(ev))
        if ev.recurrence_id:
            by_rid[ev.recurrence_id] = ev
        else:
            master = ev
    if deadline is None:
        return _collect(cal, by_rid, master or members[0], start, end, cap, state)
    try:
        with cpu_deadline(deadline):
            return _collect(cal, by_rid, master or members[0], start, end, cap)
    except OverBudget:
        return [], False, True


def _timing(ev: Event) -> tuple:
    """Everything of a record that decides when it occurs (to_vevent's date properties)."""
    return (ev.start, ev.end, ev.all_day, ev.tzid, ev.rrule, ev.rdates, ev.exdates,
            ev.recurrence_id, ev.status, ev.utc_anchor)


def _remembered(memo: dict, members: list[Event], start: datetime, end: datetime,
                cap: int) -> tuple[list[Occurrence], bool, bool]:
    """``_expand_group`` of a series, or of an earlier one that recurs the same: its
    occurrence times, each bound again to this series' record as ``_expand_group`` binds
    it (the override of that RECURRENCE-ID, else the master or first member)."""
    key = (start, end, cap, tuple(sorted(map(_timing, members))))
    hit = memo.get(key)
    if hit is None:
        kept = getattr(memo, "kept", None)  # recur.memo.KeptExpansions: earlier runs'
        times = kept(members, start, end, cap, key[3]) if kept is not None else None
        if times is not None:
            hit = memo[key] = (times, False, False)
        else:
            occ, cut, late = _expand_group(members, start, end, cap, None)
            hit = memo[key] = (_times(occ), cut, late)
    by_rid = {ev.recurrence_id: ev for ev in members if ev.recurrence_id}
    default = next((ev for ev in reversed(members) if not ev.recurrence_id), members[0])
    times, cut, late = hit
    return [Occurrence(by_rid.get(rid, default) if rid else default, s, e, k)
            for rid, s, e, k in times], cut, late


def _times(occ: list[Occurrence]) -> list[tuple]:
    """(RECURRENCE-ID or None, start, end, key) per occurrence: what binds it again."""
    return [(o.event.recurrence_id or None, o.start, o.end, o.key) for o in occ]


class OverBudget(Exception):  # noqa: N818 - a verdict, like StopIteration
    """The CPU deadline of ``cpu_deadline`` passed."""


@contextlib.contextmanager
def cpu_deadline(deadline: float):
    """Raise ``OverBudget`` inside the block once ``time.thread_time()`` passes ``deadline``.

    Checked on every Python function call (``sys.settrace`` "call" events, no line
    tracing), which dateutil's iteration makes for each period it visits. A tracer that
    was already set (coverage, a debugger) keeps running and is restored afterwards.
    """
    previous = sys.gettrace()

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202 - sys.settrace signature
        if time.thread_time() > deadline:
            raise OverBudget
        return previous(frame, event, arg) if previous is not None else None

    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def _collect(cal: icalendar.Calendar, by_rid: dict[str, Event], default: Event,
             start: datetime, end: datetime, cap: int,
             state: dict | None = None) -> tuple[list[Occurrence], bool, bool]:
    query = recurring_ical_events.of(cal, skip_bad_series=True)
    found: dict[str, Occurrence] = {}
    for comp in _windows(query, start, end, cap, {} if state is None else state):
        dtstart = comp.decoded("dtstart")
        key = format_instant(dtstart)
        if key in found or not start <= _sort_key(dtstart) < end:
            continue  # seen in the previous window, or merely overlapping the range
        if len(found) >= cap:
            return sorted(found.values(), key=lambda o: _sort_key(o.start)), True, False
        rid = comp.get("recurrence-id")
        owner = by_rid.get(format_instant(rid.dt)) if rid is not None else None
        dtend = comp.decoded("dtend") if "dtend" in comp else None
        found[key] = Occurrence(owner or default, dtstart, dtend, key)
    return sorted(found.values(), key=lambda o: _sort_key(o.start)), False, False


def _windows(query, start: datetime, end: datetime, cap: int, state: dict):
    """Components in [start, end), asked for in growing windows.

    ``after(start)`` walks a series from its DTSTART (11 s for a daily series begun
    years ago); ``between`` is fast but returns everything at once (millions for
    FREQ=SECONDLY). Windows from one hour, growing fourfold, keep both bounded: a
    dense series hits the cap in the first small window, a sparse one needs ~8 calls.
    """
    lo, width, seen = start, timedelta(hours=1), 0
    state["complete"] = False  # set once the windows reach ``end`` (not stopped by ``seen``)
    while lo < end and seen <= cap:
        hi = min(lo + width, end)
        batch = query.between(lo, hi)
        seen += len(batch)
        yield from sorted(batch, key=lambda c: _sort_key(c.decoded("dtstart")))
        lo, width = hi, width * 4
    state["complete"] = lo >= end


def _sort_key(value: date | datetime) -> datetime:
    """All-day dates sort as local midnight."""
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(DEFAULT_ZONE))
