"""Clusters → published entries: winners, series folds, stable UIDs, attribution.

A cluster holding series occurrences folds into its highest-priority occurrence's entry
(the others leave their own series as EXDATEs); every other cluster becomes one entry
whose winner is the highest-priority, richest member, attributed to every source in it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from ..logs import fields
from ..models import Event, PublishedEvent, SourceRef
from .caches import run_cache
from .identity import assign_uids, claim, priority, ref, source_ref, unite
from .records import Rec, make_rec

log = logging.getLogger(__name__)
Target = tuple[str, str, str]  # key of the published series entry (master or override)


def series_folds(groups: list[list[int]], recs: list[Rec]):
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
                log.debug("occurrence %s folded into %s", r.ref, ref(*best.target),
                          extra=fields(source=r.ev.source_id, stage="dedupe"))
    return folds, removed


def _winner_key(r: Rec):
    e = r.ev
    return (-r.prio, -len(e.description), not e.url, not e.location, e.source_id, e.uid,
            e.recurrence_id)


def publish(groups, folds, removed, recs, masters, overrides, sources,
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
    claims = ([claim([(r.prio, r.ref) for r in m], memory, w.ref) for w, m in units]
              if memory else [(w.ref, ()) for w, _ in units])  # nothing remembered yet
    claims += [claim([(priority(sources, k[0]), ref(*k))], memory, ref(*k)) for k in masters]
    uids = assign_uids(claims)
    known: dict[tuple[str, str], SourceRef] = {}

    def attribution(r: Rec) -> SourceRef:  # shared: entries of one source repeat it
        key = (r.ev.source_id, r.ev.url)
        if key not in known:
            known[key] = source_ref(sources, *key)
        return known[key]

    out = [_entry(uids[w.ref], w.ev, m, attribution) for w, m in units]
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
            out.append(_entry(uid, e, [winner, *sorted(extra, key=_winner_key)], attribution))
    out.sort(key=lambda p: (p.event.start, p.uid, p.event.recurrence_id))
    return out


def _entry(uid: str, event: Event, members: list[Rec],
           attribution: Callable[[Rec], SourceRef]) -> PublishedEvent:
    if len(members) == 1:
        r = members[0]
        return PublishedEvent(
            uid=uid, event=event, sources=(attribution(r),),
            categories=_categories(tuple(r.ev.categories)),
            members=((*r.target[:2], r.occ) if r.target and r.occ else r.ev.key,))
    refs, seen = [], set()
    for r in members:
        if r.ev.source_id not in seen:
            seen.add(r.ev.source_id)
            refs.append(attribution(r))
    return PublishedEvent(
        uid=uid, event=event, sources=tuple(refs),
        categories=unite(r.ev.categories for r in members),
        members=tuple((*r.target[:2], r.occ) if r.target and r.occ
                      else r.ev.key for r in members),
    )


@run_cache(maxsize=1 << 12)
def _categories(categories: tuple[str, ...]) -> tuple[str, ...]:
    """One member's categories, united (cached: a network has few distinct sets)."""
    return unite((categories,))
