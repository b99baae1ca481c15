"""Candidate blocking finds exactly the pairs its rule names (checked against all pairs)."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import combinations

import pytest

from syncsvc.dedupe.blocking import candidate_pairs
from syncsvc.dedupe.records import make_rec
from syncsvc.models import Event

TITLES = ["Sprachcafé", "Sprachcafé Arabisch", "Kochabend", "Kochabend syrisch", "Chorprobe",
          "Repair-Café", "Erzählcafé", "Teil 2", "Teil 3"]
PLACES = ["Killingerhaus", "Bürgerhaus Walsdorf", "Stadtbücherei", "", "Zehntscheune"]


def brute_force(recs, near: float, far: float) -> set[tuple[int, int]]:
    out = set()
    for i, j in combinations(range(len(recs)), 2):
        a, b = recs[i], recs[j]
        if a.ev.source_id == b.ev.source_id or a.keys.isdisjoint(b.keys):
            continue
        if a.utc is None or b.utc is None:
            ok = a.day == b.day
        else:
            gap = abs(a.ts - b.ts)
            ok = gap <= near or (gap <= far and not a.pkeys.isdisjoint(b.pkeys))
        if ok:
            out.add((i, j) if (a.ts, i) <= (b.ts, j) else (j, i))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_blocking_equals_its_rule_on_all_pairs(seed):
    rng = random.Random(seed)
    events = []
    for n in range(150):
        if rng.random() < 0.1:
            start = f"2027-03-{rng.randint(1, 3):02d}"
        else:
            start = (f"2027-03-{rng.randint(1, 3):02d}T{rng.randint(8, 11):02d}:"
                     f"{rng.choice((0, 15, 30, 45)):02d}:00Z")
        events.append(Event(source_id=f"s{rng.randint(0, 4)}", uid=str(n),
                            summary=rng.choice(TITLES), start=start,
                            location=rng.choice(PLACES), tzid="Europe/Berlin"))
    recs = [make_rec(e, 5) for e in events]
    near, far = timedelta(minutes=30), timedelta(minutes=60)
    got = candidate_pairs(recs, near, far)
    assert set(got) == brute_force(recs, near.total_seconds(), far.total_seconds())
    assert len(got) == len(set(got)) and got == sorted(
        got, key=lambda p: (recs[p[0]].ts, p[0], recs[p[1]].ts, p[1]))
    assert len(got) > 50  # the data pairs up: the comparison says something
