"""Candidate pairs for event dedupe: blocked by title key and time, never all pairs.

A pair can merge only if its titles share a word (``verdict.evaluate`` vetoes the rest),
so candidates come from an inverted index of title keys (``evidence.block_keys``, common
words excluded) swept in start order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from .records import Rec
from .textmatch import numbers_conflict


def candidate_pairs(recs: Sequence[Rec], tol: timedelta, wide: timedelta | None = None,
                    skip_numbered: bool = False) -> list[tuple[int, int]]:
    """Pairs of different sources that could merge, blocked by title key and time.

    A pair can merge only if its titles share a word (``evaluate`` vetoes the rest), so
    candidates come from an inverted index of title keys (``evidence.block_keys``, common
    words excluded): starts within ``tol``, or within ``wide`` at a place sharing a key
    (a late listing merges only at the same place); all-day entries pair with anything
    sharing a key on the same local day. Sorted, so the order never depends on hashing.
    With ``skip_numbered``, pairs whose titles carry different numbers are left out:
    ``evaluate`` can only keep them apart (``textmatch.numbers_conflict``).
    """
    wide = wide or tol
    near, far = tol.total_seconds(), wide.total_seconds()
    ts = [r.ts for r in recs]
    by_key: dict[str, list[int]] = defaultdict(list)
    by_day: dict[tuple[str, date], list[int]] = defaultdict(list)
    all_day = {r.day for r in recs if r.utc is None}
    for i, r in enumerate(recs):
        if r.utc is not None:
            for k in r.keys:
                by_key[k].append(i)
        if r.day in all_day:
            for k in r.keys:
                by_day[(k, r.day)].append(i)
    out: set[tuple[int, int]] = set()
    swept: set[tuple[int, ...]] = set()
    for idx in by_key.values():
        members = tuple(idx)  # in index order: equal tuples, equal members
        if len(idx) > 1 and members not in swept:  # keys of one word share their members:
            swept.add(members)  # the pairs of an equal list are already found
            idx.sort(key=ts.__getitem__)  # stable: by (start, index)
            _sweep(idx, ts, recs, near, far, out)
    for idx in by_day.values():
        alls = [i for i in idx if recs[i].utc is None]
        for i in alls:
            out.update(_ordered(recs, i, j) for j in idx if j != i)
    src = [r.ev.source_id for r in recs]
    rank = [0] * len(recs)  # position in (start, index) order: one int orders a pair
    for n, i in enumerate(sorted(range(len(recs)), key=ts.__getitem__)):
        rank[i] = n
    size = len(recs)
    if skip_numbered:
        out = {(i, j) for i, j in out if not numbers_conflict(recs[i].numbers, recs[j].numbers)}
    keyed = [(rank[i] * size + rank[j], i, j) for i, j in out if src[i] != src[j]]
    keyed.sort()  # = by (start i, i, start j, j)
    return [(i, j) for _, i, j in keyed]


def _sweep(idx: list[int], start: list[int], recs: Sequence[Rec], near: float, far: float,
           out: set[tuple[int, int]]) -> None:
    """Add the pairs of one key's indices (sorted by start) that start within ``near``, or
    within ``far`` at a place sharing a key; each pair comes out already ordered."""
    m = len(idx)
    ts = [start[i] for i in idx]
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
