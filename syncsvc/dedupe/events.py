"""Deduplicate events across partners: one real-world event, one published entry.

Pure: takes normalized ``Event`` records, returns ``PublishedEvent`` clusters with stable
UIDs plus every scored candidate pair (``Match``) so ``syncsvc explain`` can say why.
Candidates are blocked by time (start instants within the tolerance, all-day entries by
local date), never all-pairs; a candidate is scored (and explained) when it shares more
than the time slot: a rare title concept, or the same place (``verdict``). Candidates
come from ``blocking``, the clusters become entries in ``entries``; a partner's one-off
or series date that equals an occurrence of a series folds into it (``series``).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ..config import DedupeSettings, SourceConfig
from ..logs import fields
from ..models import Event, PublishedEvent
from .authority import Overruled, overruled
from .blocking import candidate_pairs
from .caches import release
from .entries import Target, publish, series_folds
from .evidence import vocabulary
from .identity import Clusters, Match, priority, ref
from .news import dedupe_news
from .records import Rec, make_rec, start_facts
from .series import occurrence_recs
from .textmatch import canonical_url, norm_title, normalize_title
from .verdict import WIDE, evaluate, hard_veto

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
                  *, expand: Callable | None = None, explain: bool = True) -> DedupeResult:
    """Cluster duplicate events and publish one entry per cluster (see module doc).

    ``explain=False`` (a sync pass) returns no ``matches`` and never scores the pairs
    whose titles carry different numbers ("Gruppe 1" / "Gruppe 2"): those can only be
    kept apart, and at 100k events they were 110,000 of 115,000 candidates. The
    published entries are the same either way (a test compares both).
    """
    paused = gc.isenabled()
    gc.disable()  # millions of short-lived tuples, no cycles: full GC passes cost ~35 %
    try:
        return _dedupe(events, sources, settings, memory, expand, explain)
    finally:
        release()  # the run's memo caches (hundreds of MB at 100k events): see caches
        if paused:
            gc.enable()


def _dedupe(events, sources, settings, memory, expand, explain) -> DedupeResult:
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
    for i, j in candidate_pairs(recs, tol, max(tol, WIDE), skip_numbered=not explain):
        ri, rj = recs[i], recs[j]
        scored = evaluate(ri, rj, settings, tol, apart)
        if scored is None:
            continue
        score, reasons, ok = scored
        a, b = (ri.ref, rj.ref) if ri.ref < rj.ref else (rj.ref, ri.ref)
        if ok:  # decided below, strongest evidence (then the highest priority) first
            merges.append((-score, -max(ri.prio, rj.prio), a, b, i, j, reasons))
        elif explain:
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
    folds, removed = series_folds(groups, recs)
    folds.update({g: forced_folds[i] for g, grp in enumerate(groups)
                  for i in grp if i in forced_folds})
    published = publish(groups, folds, removed, recs, masters, overrides, sources, memory)
    cases = overruled(groups, recs, {o.key: start_facts(o.start, o.tzid)[0].isoformat()
                                     for found in overrides.values() for o in found})
    log.info("dedupe: %d events → %d published, %d candidate pairs", len(events),
             len(published), len(matches), extra=fields(source="*", stage="dedupe"))
    return DedupeResult(tuple(published), tuple(matches) if explain else (), cases)


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
