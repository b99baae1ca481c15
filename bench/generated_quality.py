"""Dedupe precision/recall on a generated network: ``python -m bench.generated_quality``.

The labelled set (``bench.dedupe_quality``) is small and was looked at while the matcher
was tuned, so its 1.000 is optimistic. ``bench.world`` generates a partner network whose
true duplicate pairs are known by construction (cross-posts) next to planted look-alikes
(hard negatives); this runs the real ``dedupe_events`` on it, maps the published entries
back to input occurrences exactly as the labelled benchmark does, and prints pairwise
precision/recall, misses per copy class, false merges per look-alike class, and the
dedupe wall time. It reports; it never fails the caller.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import combinations

from . import world as gen
from .dedupe_quality import Entry, _local, _ref, _sortable, pairs_of, predicted_events, scores


def universe(events, occurrences) -> tuple[list, dict]:
    """Input occurrences (one-offs and every series date) and, per uid, their ids in order."""
    lo, hi = datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 12, 1, tzinfo=UTC)
    series = {(e.source_id, e.uid) for e in events if e.rrule}
    out, by_uid = [], defaultdict(list)
    for o in occurrences(events, lo, hi, 2000):
        e = o.event
        is_series = (e.source_id, e.uid) in series
        oid = (e.source_id, e.uid, o.key)
        refs = (_ref(e.source_id, e.uid, o.key),) if is_series else (_ref(e.source_id, e.uid),)
        out.append(Entry(oid, e.summary, e.location, _local(o.key, e.tzid), e.status, e.key,
                         is_series, refs, _sortable(o.key, e.tzid)))
        by_uid[e.uid].append(oid)
    return out, by_uid


def linked(pairs_of_uids, by_uid) -> dict[frozenset, str]:
    """uid pairs → occurrence pairs (k-th date with k-th date), labelled with the class."""
    out = {}
    for a, b, cls in pairs_of_uids:
        for x, y in zip(by_uid.get(a, ()), by_uid.get(b, ()), strict=False):
            out[frozenset((x, y))] = cls
    return out


def run(partners: int, per_source: int, seed: int) -> dict:
    from syncsvc.config import DedupeSettings, SourceConfig
    from syncsvc.dedupe import dedupe_events
    from syncsvc.recur.expand import occurrences

    w = gen.build(partners, per_source, seed=seed)
    events = w.events()
    sources = {sid: SourceConfig(sid, name, f"https://{sid}.example/cal.ics", "ics",
                                 10 + n % 5) for n, (sid, name) in enumerate(w.partners.items())}
    t0 = time.perf_counter()
    result = dedupe_events(events, sources, DedupeSettings(), expand=occurrences)
    wall = time.perf_counter() - t0
    entries, by_uid = universe(events, occurrences)
    positives = linked(w.copies, by_uid)
    negatives = linked(w.twins, by_uid)
    truth = _closure(positives)
    predicted = pairs_of(predicted_events(result, entries, "Europe/Berlin"))
    missed = Counter(positives[p] for p in positives if p not in predicted)
    found = Counter(positives.values())
    wrong = Counter(negatives[p] for p in negatives if p in predicted)
    undeclared = len(predicted - truth) - sum(wrong.values())
    by_id = {x.id: x for x in entries}
    examples = [_show(p, by_id) for p in sorted(predicted - truth, key=sorted)[:8]]
    examples += [_show(p, by_id, "missed") for p in sorted(set(positives) - predicted,
                                                          key=sorted)[:8]]
    return {"partners": partners, "per_source": per_source, "events": len(events),
            "occurrences": len(entries), "published": len(result.published),
            "dedupe_wall_s": round(wall, 3), "scores": scores(predicted, truth),
            "copies_by_class": {c: [found[c] - missed[c], found[c]] for c in sorted(found)},
            "lookalikes_merged": {c: [wrong[c], n] for c, n in
                                  sorted(Counter(negatives.values()).items())},
            "undeclared_false_merges": undeclared, "crowded_originals": w.crowded,
            "examples": examples, "fingerprint": fingerprint(result)}


def fingerprint(result) -> str:
    """A digest of every published entry's UID and members and every scored pair: equal
    before and after a change that must not change results (a speed-up)."""
    doc = repr((sorted((p.uid, p.event.recurrence_id, p.members) for p in result.published),
                sorted((m.a, m.b, m.score, m.reasons, m.merged) for m in result.matches)))
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()[:16]


def _closure(positives: dict[frozenset, str]) -> set[frozenset]:
    """A copied event copied again by a third partner: all three are one event."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    for pair in positives:
        a, b = sorted(pair)
        parent[find(a)] = find(b)
    groups = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return {frozenset(p) for g in groups.values() for p in combinations(sorted(g), 2)}


def _show(pair, by_id, what: str = "false merge") -> str:
    a, b = (by_id[x] for x in sorted(pair))
    return (f"{what}: {a.title!r} @ {a.place!r} {a.when}  ~  {b.title!r} @ {b.place!r} "
            f"{b.when}")


def render(r: dict) -> str:
    s = r["scores"]
    lines = [f"generated network: {r['partners']} partners × {r['per_source']} events "
             f"({r['events']} events, {r['occurrences']} occurrences) → {r['published']} "
             f"published in {r['dedupe_wall_s']:.2f} s",
             f"   precision {s['precision']:.3f}  recall {s['recall']:.3f}  F1 {s['f1']:.3f}  "
             f"({s['true_pairs']} true pairs, {s['false_merge_pairs']} false-merge, "
             f"{s['missed_pairs']} missed)",
             "   copies found per class: " + ", ".join(
                 f"{c} {f}/{n}" for c, (f, n) in r["copies_by_class"].items()),
             "   look-alikes merged:     " + ", ".join(
                 f"{c} {m}/{n}" for c, (m, n) in r["lookalikes_merged"].items())
             + f"; other false merges {r['undeclared_false_merges']} "
             f"({r['crowded_originals']} originals could not avoid an indistinguishable twin)"]
    lines += [f"   {e}" for e in r["examples"]]
    lines.append(f"   result fingerprint {r['fingerprint']} (equal before and after a speed-up)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.generated_quality",
                                description=__doc__.splitlines()[0])
    p.add_argument("--partners", default="42", help="comma-separated partner counts")
    p.add_argument("--per-source", type=int, default=150)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    reports = [run(int(n), a.per_source, a.seed) for n in a.partners.split(",")]
    if a.json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(render(r) for r in reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
