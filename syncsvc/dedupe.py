"""Deduplicate events across partners: one real-world event, one published entry.

Pure: takes normalized ``Event`` records, returns ``PublishedEvent`` clusters with stable
UIDs plus every scored candidate pair (``Match``) so ``syncsvc explain`` can say why.
Candidates are blocked by time (start instants within the tolerance, all-day entries by
local date), never all-pairs. Series (RRULE) are never fused with each other; a partner's
one-off that equals an occurrence of a series is folded into that series.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from .config import DedupeSettings, SourceConfig
from .dedupe_news import dedupe_news
from .models import Event, PublishedEvent
from .textmatch import (
    Clusters,
    Match,
    Rec,
    assign_uids,
    candidate_pairs,
    canonical_url,
    claim,
    evaluate,
    make_rec,
    normalize_title,
    priority,
    ref,
    same_time,
    source_ref,
    unite,
)

__all__ = ["DedupeResult", "Match", "canonical_url", "dedupe_events", "dedupe_news",
           "normalize_title"]
log = logging.getLogger(__name__)
FORCED = "per Konfiguration zusammengelegt (force_together)"
Target = tuple[str, str, str]  # key of the published series entry (master or override)
Index = dict[date, list[tuple[Rec, Target]]]


@dataclass(frozen=True)
class DedupeResult:
    published: tuple[PublishedEvent, ...]  # sequence=0, dtstamp="" (the store fills those)
    matches: tuple[Match, ...]  # every scored candidate pair, for `syncsvc explain`


def dedupe_events(events: Sequence[Event], sources: Mapping[str, SourceConfig],
                  settings: DedupeSettings, memory: Mapping[str, str] = {},  # noqa: B006
                  *, expand: Callable | None = None) -> DedupeResult:
    """Cluster duplicate events and publish one entry per cluster (see module doc)."""
    events = _unique(events)
    masters, overrides, singles = _split(events)
    recs = [make_rec(e, priority(sources, e.source_id)) for e in singles]
    tol = timedelta(minutes=settings.time_tolerance_min)
    apart = {frozenset(p) for p in settings.force_apart}
    clusters = Clusters(len(recs))
    matches: list[Match] = []
    forced_folds = _force_together(recs, masters, settings, clusters, matches)
    evals = []
    for i, j in candidate_pairs(recs, tol):
        score, reasons, ok = evaluate(recs[i], recs[j], settings, tol, apart)
        evals.append((-score, recs[i].ref, recs[j].ref, i, j, reasons, ok))
    evals.sort(key=lambda t: t[:3])
    for neg, _, _, i, j, reasons, ok in evals:
        if ok:
            why = _blocker(clusters, i, j, recs, tol, apart)
            if why:
                ok, reasons = False, [*reasons, why]
            else:
                clusters.union(i, j)
        matches.append(_match(recs[i].ref, recs[j].ref, -neg, reasons, ok))
    groups = clusters.groups()
    index = _occurrence_index(masters, overrides, recs, expand)
    folds, fold_matches = _fold(groups, recs, index, settings, tol, apart)
    folds.update({g: forced_folds[i] for g, grp in enumerate(groups)
                  for i in grp if i in forced_folds})
    matches.extend(fold_matches)
    published = _publish(groups, folds, recs, masters, overrides, sources, memory)
    log.info("source=%s dedupe: %d events → %d published, %d candidate pairs",
             "*", len(events), len(published), len(matches))
    return DedupeResult(tuple(published), tuple(sorted(matches, key=lambda m: (m.a, m.b))))


def _unique(events: Sequence[Event]) -> list[Event]:
    """One record per key; a repeated key keeps the newest (sequence, then content)."""
    best: dict[tuple[str, str, str], Event] = {}
    for e in events:
        old = best.get(e.key)
        if old is None or (e.sequence, e.content_hash()) > (old.sequence, old.content_hash()):
            best[e.key] = e
    return list(best.values())


def _split(events: list[Event]):
    masters = {(e.source_id, e.uid): e for e in events if e.rrule and not e.recurrence_id}
    overrides: dict[tuple[str, str], list[Event]] = defaultdict(list)
    singles: list[Event] = []
    for e in events:
        if e.rrule and not e.recurrence_id:
            continue
        if e.recurrence_id and (e.source_id, e.uid) in masters:
            overrides[(e.source_id, e.uid)].append(e)
        else:
            singles.append(e)
    return masters, overrides, singles


def _match(a: str, b: str, score: float, reasons: Sequence[str], ok: bool) -> Match:
    a, b = sorted((a, b))
    return Match(a=a, b=b, score=round(score, 1), reasons=tuple(reasons), merged=ok)


def _blocker(clusters: Clusters, i: int, j: int, recs: list[Rec], tol: timedelta,
             apart: set[frozenset[str]]) -> str:
    """Why the clusters of i and j must stay apart even though i and j match ("" if not)."""
    ma, mb = clusters.members[clusters.find(i)], clusters.members[clusters.find(j)]
    if ma is mb:
        return ""
    if {recs[x].ev.source_id for x in ma} & {recs[y].ev.source_id for y in mb}:
        return "Gruppe enthält schon einen Eintrag derselben Quelle"
    both = [recs[x] for x in (*ma, *mb)]
    times = [r.utc for r in both if r.utc is not None]
    if times and max(times) - min(times) > tol:
        return "Gruppe läge zeitlich zu weit auseinander"
    if any(r.utc is None for r in both) and len({r.day for r in both}) > 1:
        return "Gruppe läge auf verschiedenen Tagen"
    if any(frozenset((recs[x].base, recs[y].base)) in apart for x in ma for y in mb):
        return "per Konfiguration getrennt (force_apart)"
    return ""


def _force_together(recs: list[Rec], masters: dict, settings: DedupeSettings,
                    clusters: Clusters, matches: list[Match]) -> dict[int, Target]:
    """Apply config groups: union singles; a group naming a series folds into it."""
    by_base: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        by_base[r.base].append(i)
    folds: dict[int, Target] = {}
    for group in settings.force_together:
        series = sorted(k for k in masters if ref(*k) in group)
        idx = sorted({i for r in group for i in by_base.get(r, ())})
        for i in idx[1:]:
            clusters.union(idx[0], i)
            matches.append(_match(recs[idx[0]].ref, recs[i].ref, 100.0, [FORCED], True))
        if series and idx:
            folds[idx[0]] = (*series[0], "")
            matches.append(_match(ref(*series[0]), recs[idx[0]].ref, 100.0, [FORCED], True))
    return folds


def _winner_key(r: Rec):
    e = r.ev
    return (-r.prio, -len(e.description), not e.url, not e.location, e.source_id, e.uid,
            e.recurrence_id)


def _publish(groups, folds, recs, masters, overrides, sources, memory) -> list[PublishedEvent]:
    folded_into: dict[Target, list[Rec]] = defaultdict(list)
    units: list[tuple[Rec, list[Rec]]] = []
    for g, grp in enumerate(groups):
        members = sorted((recs[i] for i in grp), key=_winner_key)
        if g in folds:
            folded_into[folds[g]].extend(members)
        else:
            units.append((members[0], members))
    claims = [claim([(r.prio, r.ref) for r in m], memory, w.ref) for w, m in units]
    claims += [claim([(priority(sources, k[0]), ref(*k))], memory, ref(*k)) for k in masters]
    uids = assign_uids(claims)
    out = [_entry(uids[w.ref], w.ev, m, sources) for w, m in units]
    for key, master in masters.items():
        uid = uids[ref(*key)]
        for e in (master, *overrides.get(key, ())):
            extra = folded_into.get((e.source_id, e.uid, e.recurrence_id), [])
            winner = make_rec(e, priority(sources, e.source_id))
            out.append(_entry(uid, e, [winner, *sorted(extra, key=_winner_key)], sources))
    out.sort(key=lambda p: (p.event.start, p.uid, p.event.recurrence_id))
    return out


def _entry(uid: str, event: Event, members: list[Rec], sources) -> PublishedEvent:
    refs, seen = [], set()
    for r in members:
        if r.ev.source_id not in seen:
            seen.add(r.ev.source_id)
            refs.append(source_ref(sources, r.ev.source_id, r.ev.url))
    return PublishedEvent(
        uid=uid, event=event, sources=tuple(refs),
        categories=unite(r.ev.categories for r in members),
        members=tuple(r.ev.key for r in members),
    )


def _occurrence_index(masters: dict, overrides: dict, recs: list[Rec],
                      expand: Callable | None) -> Index:
    """Occurrences of live series around the singles' dates, by local day."""
    live = [m for m in masters.values() if m.status != "CANCELLED"]
    if not recs or not live:
        return {}
    lo = datetime.combine(min(r.day for r in recs) - timedelta(days=1), time(), UTC)
    hi = datetime.combine(max(r.day for r in recs) + timedelta(days=2), time(), UTC)
    series = [e for m in live for e in (m, *overrides.get((m.source_id, m.uid), ()))]
    if expand is not None:
        found = [(o.event, o.key) for o in expand(series, lo, hi, 2000)]
    else:
        found = _fallback_expand(series, lo, hi, 2000)
    index: Index = defaultdict(list)
    for ev, key in found:
        if ev.status != "CANCELLED":
            occ = make_rec(ev, 0, start=key, occ_ref=ref(ev.source_id, ev.uid, key))
            index[occ.day].append((occ, (ev.source_id, ev.uid, ev.recurrence_id)))
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
        zone = ZoneInfo(m.tzid or "Europe/Berlin")
        first = datetime.fromisoformat(m.start.replace("Z", "+00:00")).astimezone(zone)
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


def _fold(groups: list[list[int]], recs: list[Rec], index: Index, settings: DedupeSettings,
          tol: timedelta, apart: set[frozenset[str]]) -> tuple[dict[int, Target], list[Match]]:
    """Fold each cluster of one-offs that equals a series occurrence into that series."""
    folds: dict[int, Target] = {}
    matches: list[Match] = []
    for g, grp in enumerate(groups if index else ()):
        members = [recs[i] for i in grp]
        own = {m.ev.source_id for m in members}
        tried = []
        for m in members:
            for d in (m.day - timedelta(days=1), m.day, m.day + timedelta(days=1)):
                for occ, target in index.get(d, ()):
                    if occ.ev.source_id not in own and same_time(occ, m, tol):
                        score, reasons, ok = evaluate(occ, m, settings, tol, apart)
                        tried.append((-score, target, occ.ref, m.ref, reasons, ok))
        tried.sort(key=lambda t: t[:4])
        chosen = next((t[1] for t in tried if t[5]), None)
        for neg, target, oref, mref, reasons, ok in tried:
            won = ok and target == chosen
            if won:
                reasons = ["Termin einer Serie: wird in die Serie eingefaltet", *reasons]
            elif ok:
                reasons = [*reasons, "ein anderer Serientermin passt besser"]
            matches.append(Match(oref, mref, round(-neg, 1), tuple(reasons), won))
        if chosen is not None:
            folds[g] = chosen
            log.debug("source=%s folded %s into series %s", members[0].ev.source_id,
                      members[0].ref, ref(*chosen[:2]))
    return folds, matches
