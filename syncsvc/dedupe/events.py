"""Deduplicate events across partners: one real-world event, one published entry.

Pure: takes normalized ``Event`` records, returns ``PublishedEvent`` clusters with stable
UIDs plus every scored candidate pair (``Match``) so ``syncsvc explain`` can say why.
Candidates are blocked by time (start instants within the tolerance, all-day entries by
local date), never all-pairs; a candidate is scored (and explained) when it shares more
than the time slot: a title at least EVIDENCE_FLOOR similar, or the same place.
Series (RRULE) are never fused with each other; a partner's one-off that equals an
occurrence of a series is folded into that series (series.py).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..config import DedupeSettings, SourceConfig
from ..models import Event, PublishedEvent
from .authority import Overruled, overruled
from .evidence import vocabulary
from .identity import Clusters, Match, assign_uids, claim, priority, ref, source_ref, unite
from .news import dedupe_news
from .series import Target, occurrence_recs
from .textmatch import (
    WIDE,
    Rec,
    _when,
    canonical_url,
    evaluate,
    hard_veto,
    make_rec,
    norm_title,
    normalize_title,
)

__all__ = ["DedupeResult", "Match", "canonical_url", "dedupe_events", "dedupe_news",
           "normalize_title"]
log = logging.getLogger(__name__)
FORCED = "per Konfiguration zusammengelegt (force_together)"


@dataclass(frozen=True)
class DedupeResult:
    published: tuple[PublishedEvent, ...]  # sequence=0, dtstamp="" (the store fills those)
    matches: tuple[Match, ...]  # every scored candidate pair, for `syncsvc explain`
    overruled: tuple[Overruled, ...] = ()  # partner copies of dates the city cancelled/moved


def dedupe_events(events: Sequence[Event], sources: Mapping[str, SourceConfig],
                  settings: DedupeSettings, memory: Mapping[str, str] = {},  # noqa: B006
                  *, expand: Callable | None = None) -> DedupeResult:
    """Cluster duplicate events and publish one entry per cluster (see module doc)."""
    paused = gc.isenabled()
    gc.disable()  # millions of short-lived tuples, no cycles: full GC passes cost ~35 %
    try:
        return _dedupe(events, sources, settings, memory, expand)
    finally:
        if paused:
            gc.enable()


def _dedupe(events, sources, settings, memory, expand) -> DedupeResult:
    events = _unique(events)
    masters, overrides, singles = _split(events)
    vocab = vocabulary(settings.synonyms, normalize_title).with_titles(
        norm_title(e.summary) for e in events)

    def org(sid: str) -> str:
        return sources[sid].name if sid in sources else ""

    def prio(sid: str) -> int:
        return priority(sources, sid)

    recs = [make_rec(e, prio(e.source_id), vocab=vocab, org=org(e.source_id))
            for e in singles]
    n_single = len(recs)
    recs += occurrence_recs(masters, overrides, [r.day for r in recs], expand, prio, org, vocab)
    tol = timedelta(minutes=settings.time_tolerance_min)
    apart = {frozenset(p) for p in settings.force_apart}
    clusters = Clusters(len(recs))
    matches: list[Match] = []
    forced_folds = _force_together(recs[:n_single], masters, settings, clusters, matches)
    merges = []
    for i, j in candidate_pairs(recs, tol, max(tol, WIDE)):
        scored = evaluate(recs[i], recs[j], settings, tol, apart)
        if scored is None:
            continue
        score, reasons, ok = scored
        a, b = recs[i].ref, recs[j].ref
        if b < a:
            a, b = b, a
        if ok:  # decided below, strongest evidence (then the highest priority) first
            top = max(recs[i].prio, recs[j].prio)
            merges.append((-score, -top, a, b, i, j, reasons))
        else:
            matches.append(Match(a, b, score, reasons, False))
    merges.sort(key=lambda t: t[:6])
    for neg, _, a, b, i, j, reasons in merges:
        why = _blocker(clusters, i, j, recs, tol, settings)
        if not why:
            clusters.union(i, j)
            if recs[i].target or recs[j].target:
                reasons = ("Termin einer Serie: wird in die Serie eingefaltet", *reasons)
        matches.append(Match(a, b, -neg, (*reasons, why) if why else reasons, not why))
    groups = clusters.groups()
    folds, removed = _series_folds(groups, recs)
    folds.update({g: forced_folds[i] for g, grp in enumerate(groups)
                  for i in grp if i in forced_folds})
    published = _publish(groups, folds, removed, recs, masters, overrides, sources, memory)
    cases = overruled(groups, recs, {o.key: _when(o.start, o.tzid)[0].isoformat()
                                     for found in overrides.values() for o in found})
    log.info("source=%s dedupe: %d events → %d published, %d candidate pairs",
             "*", len(events), len(published), len(matches))
    return DedupeResult(tuple(published), tuple(matches), cases)  # order: canonical input


def _series_folds(groups: list[list[int]], recs: list[Rec]):
    """A group with series occurrences folds into its highest-priority occurrence's entry;
    other series' occurrences in it are removed from their own series (EXDATE)."""
    folds: dict[int, Target] = {}
    removed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g, grp in enumerate(groups):
        occs = [recs[i] for i in grp if recs[i].target]
        if not occs or len(grp) == 1:
            continue
        best = min(occs, key=lambda r: (-r.prio, r.state == "DELETED", r.ref))
        folds[g] = best.target
        for r in occs:
            if r is not best and r.state != "DELETED":
                removed[r.target[:2]].add(r.occ)
                log.debug("source=%s occurrence %s folded into %s", r.ev.source_id, r.ref,
                          ref(*best.target))
    return folds, removed


def _unique(events: Sequence[Event]) -> list[Event]:
    """One record per key; a repeated key keeps the newest (sequence, then content)."""
    best: dict[tuple[str, str, str], Event] = {}
    for e in events:
        old = best.get(e.key)
        if old is None or (e.sequence, e.content_hash()) > (old.sequence, old.content_hash()):
            best[e.key] = e
    return [best[k] for k in sorted(best)]  # canonical order: output never depends on input order


def _split(events: list[Event]):
    masters = {(e.source_id, e.uid): e for e in events if _is_series(e)}
    overrides: dict[tuple[str, str], list[Event]] = defaultdict(list)
    singles: list[Event] = []
    for e in events:
        if _is_series(e):
            continue
        if e.recurrence_id and (e.source_id, e.uid) in masters:
            overrides[(e.source_id, e.uid)].append(e)
        else:
            singles.append(e)
    return masters, overrides, singles


def _is_series(e: Event) -> bool:
    """A master of a series: an RRULE or RDATEs (an RDATE-only series has overrides too)."""
    return bool(e.rrule or e.rdates) and not e.recurrence_id


def _match(a: str, b: str, score: float, reasons: Sequence[str], ok: bool) -> Match:
    a, b = sorted((a, b))
    return Match(a=a, b=b, score=round(score, 1), reasons=tuple(reasons), merged=ok)


def _blocker(clusters: Clusters, i: int, j: int, recs: list[Rec], tol: timedelta,
             settings: DedupeSettings) -> str:
    """Why the clusters of i and j must stay apart even though i and j match ("" if not):
    every cross pair is checked for a contradiction (complete link, no chaining)."""
    ma, mb = clusters.members[clusters.find(i)], clusters.members[clusters.find(j)]
    if ma is mb:
        return ""
    both = [recs[x] for x in (*ma, *mb)]
    times = [r.utc for r in both if r.utc is not None]
    if times and max(times) - min(times) > max(tol, WIDE):
        return "Gruppe läge zeitlich zu weit auseinander"
    if any(r.utc is None for r in both) and len({r.day for r in both}) > 1:
        return "Gruppe läge auf verschiedenen Tagen"
    if sum(r.state == "DELETED" for r in both) > 1:
        return "Gruppe enthielte zwei entfallene Termine"
    for x in ma:
        for y in mb:
            why = hard_veto(recs[x], recs[y])
            if why:
                return why
            if _late(recs[x], recs[y], tol) and not (evaluate(recs[x], recs[y], settings, tol,
                                                              set()) or (0, 0, False))[2]:
                return "Gruppe läge zeitlich zu weit auseinander (ohne gleichen Titel und Ort)"
    return ""


def _late(a: Rec, b: Rec, tol: timedelta) -> bool:
    return a.utc is not None and b.utc is not None and abs(a.ts - b.ts) > tol.total_seconds()


def _force_together(recs: list[Rec], masters: dict, settings: DedupeSettings,
                    clusters: Clusters, matches: list[Match]) -> dict[int, Target]:
    """Apply config groups: union singles; a group naming a series folds into it."""
    folds: dict[int, Target] = {}
    if not settings.force_together:
        return folds
    by_base: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        by_base[r.base].append(i)
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


def _publish(groups, folds, removed, recs, masters, overrides, sources,
             memory) -> list[PublishedEvent]:
    folded_into: dict[Target, list[Rec]] = defaultdict(list)
    units: list[tuple[Rec, list[Rec]]] = []
    for g, grp in enumerate(groups):
        if len(grp) == 1 and g not in folds:  # most entries: one event, nothing folded
            r = recs[grp[0]]
            if r.state != "DELETED" and not r.target:
                units.append((r, [r]))
            continue
        members = [recs[i] for i in grp if recs[i].state != "DELETED"]
        members = [r for r in members if not r.target or g in folds and r.target != folds[g]]
        if len(members) > 1:
            members.sort(key=_winner_key)
        if g in folds:
            folded_into[folds[g]].extend(members)
        elif members and not members[0].target:
            units.append((members[0], members))
    claims = [claim([(r.prio, r.ref) for r in m], memory, w.ref) for w, m in units]
    claims += [claim([(priority(sources, k[0]), ref(*k))], memory, ref(*k)) for k in masters]
    uids = assign_uids(claims)
    out = [_entry(uids[w.ref], w.ev, m, sources) for w, m in units]
    for key, master in masters.items():
        uid = uids[ref(*key)]
        gone = removed.get(key, set())
        if gone:
            master = replace(master, exdates=tuple(sorted({*master.exdates, *gone})))
        for e in (master, *overrides.get(key, ())):
            if e.recurrence_id and e.start in gone:
                continue  # this occurrence is published by another source's entry
            extra = folded_into.get((e.source_id, e.uid, e.recurrence_id), [])
            winner = make_rec(e, priority(sources, e.source_id))
            out.append(_entry(uid, e, [winner, *sorted(extra, key=_winner_key)], sources))
    out.sort(key=lambda p: (p.event.start, p.uid, p.event.recurrence_id))
    return out


def _entry(uid: str, event: Event, members: list[Rec], sources) -> PublishedEvent:
    if len(members) == 1:
        r = members[0]
        return PublishedEvent(
            uid=uid, event=event, sources=(source_ref(sources, r.ev.source_id, r.ev.url),),
            categories=unite((r.ev.categories,)),
            members=((*r.target[:2], r.occ) if r.target and r.occ else r.ev.key,))
    refs, seen = [], set()
    for r in members:
        if r.ev.source_id not in seen:
            seen.add(r.ev.source_id)
            refs.append(source_ref(sources, r.ev.source_id, r.ev.url))
    return PublishedEvent(
        uid=uid, event=event, sources=tuple(refs),
        categories=unite(r.ev.categories for r in members),
        members=tuple((*r.target[:2], r.occ) if r.target and r.occ
                      else r.ev.key for r in members),
    )


def candidate_pairs(recs: Sequence[Rec], tol: timedelta,
                    wide: timedelta | None = None) -> list[tuple[int, int]]:
    """Pairs of different sources that could merge, blocked by title key and time.

    A pair can merge only if its titles share a word (``evaluate`` vetoes the rest), so
    candidates come from an inverted index of title keys (``evidence.block_keys``, common
    words excluded): starts within ``tol``, or within ``wide`` at a place sharing a key
    (a late listing merges only at the same place); all-day entries pair with anything
    sharing a key on the same local day. Sorted, so the order never depends on hashing.
    """
    wide = wide or tol
    near, far = tol.total_seconds(), wide.total_seconds()
    by_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_day: dict[tuple[str, date], list[int]] = defaultdict(list)
    all_day = {r.day for r in recs if r.utc is None}
    for i, r in enumerate(recs):
        if r.utc is not None:
            for k in r.keys:
                by_key[k].append((r.ts, i))
        if r.day in all_day:
            for k in r.keys:
                by_day[(k, r.day)].append(i)
    out: set[tuple[int, int]] = set()
    for timed in by_key.values():
        _sweep(timed, recs, near, far, out)
    for idx in by_day.values():
        alls = [i for i in idx if recs[i].utc is None]
        for i in alls:
            out.update(_ordered(recs, i, j) for j in idx if j != i)
    ts = [r.ts for r in recs]
    src = [r.ev.source_id for r in recs]
    return sorted((p for p in out if src[p[0]] != src[p[1]]),
                  key=lambda p: (ts[p[0]], p[0], ts[p[1]], p[1]))


def _sweep(timed: list[tuple[int, int]], recs: Sequence[Rec], near: float, far: float,
           out: set[tuple[int, int]]) -> None:
    """Add the pairs of one key's (start, index) list that start within ``near``, or within
    ``far`` at a place sharing a key; each pair comes out already ordered."""
    m = len(timed)
    if m < 2:
        return
    timed.sort()
    ts = [t for t, _ in timed]
    idx = [i for _, i in timed]
    pks: list[frozenset[str]] | None = None
    add = out.add
    for n in range(m - 1):
        t = ts[n]
        if ts[n + 1] - t > far:  # the common case: nothing close enough follows
            continue
        i, e, lim = idx[n], n + 1, t + near
        while e < m and ts[e] <= lim:
            add((i, idx[e]))
            e += 1
        lim = t + far
        if e < m and ts[e] <= lim:
            if pks is None:
                pks = [recs[x].pkeys for x in idx]
            pk = pks[n]
            while e < m and ts[e] <= lim:
                if not pk.isdisjoint(pks[e]):
                    add((i, idx[e]))
                e += 1


def _ordered(recs: Sequence[Rec], i: int, j: int) -> tuple[int, int]:
    """The earlier start first (all-day first), as explanations name them."""
    return (i, j) if (recs[i].ts, i) <= (recs[j].ts, j) else (j, i)
