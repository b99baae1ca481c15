"""Series side of event dedupe: occurrences of published series, and folding partner
one-offs into them. A one-off (or a cluster of them) whose start equals an occurrence of
a live series, with matching title evidence, disappears into that series entry (or into
the override that defines the occurrence); its source is named on that entry.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from ..config import DedupeSettings
from ..models import Event
from .textmatch import Match, Rec, evaluate, make_rec, ref, same_time

log = logging.getLogger(__name__)
Target = tuple[str, str, str]  # key of the published series entry (master or override)


@dataclass
class Index:
    """Series occurrences, searchable by instant (bisect) and by local day."""

    items: list[tuple[Rec, Target]] = field(default_factory=list)
    timed: list[tuple[datetime, int]] = field(default_factory=list)  # sorted by instant
    all_day: dict[date, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_day: dict[date, list[int]] = field(default_factory=lambda: defaultdict(list))

    def near(self, m: Rec, tol: timedelta) -> list[tuple[Rec, Target]]:
        if m.utc is None:
            found = self.by_day.get(m.day, [])
        else:
            lo = bisect_left(self.timed, (m.utc - tol, -1))
            hi = bisect_right(self.timed, (m.utc + tol, len(self.items)))
            found = [n for _, n in self.timed[lo:hi]] + self.all_day.get(m.day, [])
        return [self.items[n] for n in found]


def occurrence_index(masters: dict, overrides: dict, recs: list[Rec],
                      expand: Callable | None) -> Index:
    """Occurrences of live series around the singles' dates, by local day."""
    live = [m for m in masters.values() if m.status != "CANCELLED"]
    if not recs or not live:
        return Index()
    lo = datetime.combine(min(r.day for r in recs) - timedelta(days=1), time(), UTC)
    hi = datetime.combine(max(r.day for r in recs) + timedelta(days=2), time(), UTC)
    series = [e for m in live for e in (m, *overrides.get((m.source_id, m.uid), ()))]
    if expand is not None:
        found = [(o.event, o.key) for o in expand(series, lo, hi, 2000)]
    else:
        found = _fallback_expand(series, lo, hi, 2000)
    index = Index()
    for ev, key in found:
        if ev.status != "CANCELLED":
            occ = make_rec(ev, 0, start=key, occ_ref=ref(ev.source_id, ev.uid, key))
            n = len(index.items)
            index.items.append((occ, (ev.source_id, ev.uid, ev.recurrence_id)))
            index.by_day[occ.day].append(n)
            if occ.utc is None:
                index.all_day[occ.day].append(n)
            else:
                index.timed.append((occ.utc, n))
    index.timed.sort()
    return index


def _fallback_expand(events: list[Event], lo: datetime, hi: datetime,
                     cap: int) -> list[tuple[Event, str]]:
    """dateutil expansion (RRULE, RDATE, EXDATE, overrides) when no expander is given."""
    moved = {(e.source_id, e.uid, e.recurrence_id): e for e in events if e.recurrence_id}
    out = []
    for m in (e for e in events if not e.recurrence_id):
        for key in _rule_keys(m, lo, hi, cap):
            ov = moved.get((m.source_id, m.uid, key))
            if key not in m.exdates:
                out.append((ov, ov.start) if ov else (m, key))
    return out


def _rule_keys(m: Event, lo: datetime, hi: datetime, cap: int) -> list[str]:
    all_day = len(m.start) == 10
    if all_day:
        first, lo, hi = datetime.fromisoformat(m.start), lo.replace(tzinfo=None), hi.replace(
            tzinfo=None)
    else:
        zone = ZoneInfo("UTC" if m.utc_anchor else m.tzid or "Europe/Berlin")
        first = datetime.fromisoformat(m.start.replace("Z", "+00:00")).astimezone(zone)
    if not m.rrule:
        return [m.start, *m.rdates]
    try:
        rule = rrulestr(m.rrule, dtstart=first, forceset=True)
        starts = [s for s in islice(rule.xafter(lo, inc=True), cap) if s < hi]
    except (ValueError, TypeError) as e:
        log.warning("source=%s series %s: RRULE not expandable: %s", m.source_id, m.uid, e)
        return list(m.rdates)
    if all_day:
        return [s.date().isoformat() for s in starts] + list(m.rdates)
    keys = [s.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts]
    return keys + list(m.rdates)


def fold(groups: list[list[int]], recs: list[Rec], index: Index, settings: DedupeSettings,
          tol: timedelta, apart: set[frozenset[str]]) -> tuple[dict[int, Target], list[Match]]:
    """Fold each cluster of one-offs that equals a series occurrence into that series."""
    folds: dict[int, Target] = {}
    matches: list[Match] = []
    for g, grp in enumerate(groups if index.items else ()):
        members = [recs[i] for i in grp]
        own = {m.ev.source_id for m in members}
        tried = []
        for m in members:
            for occ, target in index.near(m, tol):
                scored = None
                if occ.ev.source_id not in own and same_time(occ, m, tol):
                    scored = evaluate(occ, m, settings, tol, apart)
                if scored:
                    tried.append((-scored[0], target, occ.ref, m.ref, *scored[1:]))
        tried.sort(key=lambda t: t[:4])
        chosen = next((t[1] for t in tried if t[5]), None)
        for neg, target, oref, mref, reasons, ok in tried:
            won = ok and target == chosen
            if won:
                reasons = ("Termin einer Serie: wird in die Serie eingefaltet", *reasons)
            elif ok:
                reasons = (*reasons, "ein anderer Serientermin passt besser")
            matches.append(Match(oref, mref, -neg, reasons, won))
        if chosen is not None:
            folds[g] = chosen
            log.debug("source=%s folded %s into series %s", members[0].ev.source_id,
                      members[0].ref, ref(*chosen[:2]))
    return folds, matches
