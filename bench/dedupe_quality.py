"""Dedupe quality on a labelled, realistic set: ``.venv/bin/python -m bench.dedupe_quality``.

Loads the partner files of ``tests/data/dedupe_eval/`` through the real parse and normalize
stages, runs the real event and news dedupe, maps what would be published back to the
input OCCURRENCES (a series counts once per occurrence inside the service horizon; a
one-off folded into a series counts as merged with the occurrence it landed on) and
compares that with ``labels.toml``:

- pairwise precision, recall and F1 for events and for news (a "pair" is two inputs that
  end up as, or should be, one published entry);
- per class: how many labelled positive pairs were found, how many declared hard-negative
  pairs were wrongly merged;
- every false merge and every missed merge with titles, times, places and what the
  matcher said about that pair.

It is a benchmark, not a test: it exits 0 whatever the numbers are (label problems are
reported, not raised); ``--json`` prints the same content machine-readable. ``--sanity``
adds the scores of degenerate predictions (everything one cluster, nothing merged, the
labels themselves) to show the measure can fail. ``--list`` prints every input occurrence
in the label reference syntax, for writing labels. The label format is described in
``tests/data/dedupe_eval/README.md``; the evaluation "now" is ``[meta].now`` there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "dedupe_eval"
SCHOOL_HOLIDAYS = ROOT / "config" / "schulferien-hessen.ics"
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def syncsvc_api() -> SimpleNamespace:
    """Every syncsvc internal the benchmark touches, imported here and only here, so a
    module move means editing this function alone."""
    from syncsvc.config import DedupeSettings, Settings, SourceConfig
    from syncsvc.dedupe import dedupe_events, dedupe_news
    from syncsvc.guard import Horizon
    from syncsvc.normalize import normalize_events, normalize_items
    from syncsvc.parse.feed import parse_feed
    from syncsvc.parse.holidays import load_school_holidays, public_holidays_he
    from syncsvc.parse.ics import parse_ics
    from syncsvc.parse.schedule import parse_schedule
    from syncsvc.recur.expand import occurrences

    return SimpleNamespace(
        DedupeSettings=DedupeSettings, Settings=Settings, SourceConfig=SourceConfig,
        dedupe_events=dedupe_events, dedupe_news=dedupe_news, occurrences=occurrences,
        Horizon=Horizon, load_school_holidays=load_school_holidays,
        public_holidays_he=public_holidays_he, normalize_events=normalize_events,
        normalize_items=normalize_items, parse_schedule=parse_schedule, parse_feed=parse_feed,
        parse_ics=parse_ics)


# --- records ---------------------------------------------------------------------------

Id = tuple[str, ...]  # events: (source, uid, occurrence key); news: (source, guid)


@dataclass(frozen=True)
class Entry:
    """One input unit: an event occurrence inside the horizon, or a news item."""

    id: Id
    title: str
    place: str  # events: location; news: canonical-looking link as given
    when: str  # human-readable local time (events) or publication day (news)
    status: str = ""  # events: CONFIRMED | TENTATIVE | CANCELLED | EXDATE (deleted date)
    owner: tuple[str, str, str] = ("", "", "")  # events: key of the defining Event record
    series: bool = False
    refs: tuple[str, ...] = ()  # how the matcher's explanations name this entry
    sort: str = ""  # UTC ISO start (events) or publication instant (news), for ordering

    @property
    def source(self) -> str:
        return self.id[0]


@dataclass
class Labels:
    cluster_of: dict[Id, str]  # labelled entry → cluster id (unlisted entries: singletons)
    members: dict[str, list[Id]]
    cls: dict[str, str]  # cluster id → class
    apart: list[tuple[str, str, set[Id], set[Id]]]  # class, note, side A, side B
    problems: list[str]


# --- loading ---------------------------------------------------------------------------

def load_labels(data: Path) -> dict:
    return tomllib.loads((data / "labels.toml").read_text(encoding="utf-8"))


def load_inputs(api: SimpleNamespace, data: Path, labels: dict):
    """Parse + normalize every source file as the pipeline does; returns the pieces."""
    meta = labels["meta"]
    tz = meta.get("timezone", "Europe/Berlin")
    now = _aware(meta["now"], tz)
    sources, events, items, notes = {}, [], [], []
    school = api.load_school_holidays(str(SCHOOL_HOLIDAYS))
    for sid, spec in labels["sources"].items():
        src = api.SourceConfig(sid, spec["name"], spec["url"], spec["kind"],
                               int(spec.get("priority", 0)))
        sources[sid] = src
        body = (data / spec["file"]).read_bytes()
        if src.kind == "ics":
            parsed = api.parse_ics(body, sid, tz)
        elif src.kind == "schedule":
            parsed = api.parse_schedule(body, sid, tz, school, api.public_holidays_he,
                                        now.date())
        else:
            parsed = api.parse_feed(body, sid, src.url)
        notes += [f"{sid}: {reason}" for reason in parsed.skipped]
        if src.kind == "feed":
            items += api.normalize_items(parsed.items, src)
        else:
            events += api.normalize_events(parsed.events, src, tz)
    return SimpleNamespace(now=now, tz=tz, sources=sources, events=events, items=items,
                           notes=notes)


def event_universe(api, inputs) -> tuple[list[Entry], object]:
    """Occurrences in the service horizon, plus the dates a series deletes (EXDATE: the
    city's cancelled and holiday-skipped dates), which partners may still list."""
    # the service defaults (past_days, future_months, max_occurrences); nothing is read
    settings = api.Settings(config_path=ROOT / "config" / "syncsvc.toml")
    horizon = api.Horizon.around(inputs.now, settings)
    masters = {(e.source_id, e.uid) for e in inputs.events if e.rrule and not e.recurrence_id}
    out: dict[Id, Entry] = {}
    for o in api.occurrences(inputs.events, horizon.start, horizon.end,
                             settings.max_occurrences):
        e = o.event
        series = (e.source_id, e.uid) in masters
        oid = (e.source_id, e.uid, o.key)
        refs = (_ref(e.source_id, e.uid, o.key),) if series else (
            _ref(e.source_id, e.uid, e.recurrence_id),)
        out[oid] = Entry(oid, e.summary, e.location, _local(o.key, e.tzid), e.status,
                         e.key, series, refs, _sortable(o.key, e.tzid))
    for e in inputs.events:
        if not (e.rrule and not e.recurrence_id):
            continue
        for key in e.exdates:
            oid = (e.source_id, e.uid, key)
            if oid not in out and horizon.start <= _instant(key, e.tzid) < horizon.end:
                out[oid] = Entry(oid, e.summary, e.location, _local(key, e.tzid), "EXDATE",
                                 e.key, True, (_ref(e.source_id, e.uid, key),),
                                 _sortable(key, e.tzid))
    return sorted(out.values(), key=lambda x: (x.sort, x.id)), horizon


def news_universe(inputs) -> list[Entry]:
    out = []
    for i in inputs.items:
        day = _local(i.published, inputs.tz)[:13] if i.published else "ohne Datum"
        out.append(Entry((i.source_id, i.guid), i.title, i.link, day,
                         refs=(_ref(i.source_id, i.guid),), sort=i.published))
    return sorted(out, key=lambda x: (x.sort, x.id))


# --- what the dedupe publishes, per input entry ------------------------------------------

def predicted_events(result, universe: list[Entry], tz: str) -> dict[Id, tuple]:
    """Input occurrence → published-occurrence id. A series entry publishes one occurrence
    per expanded date; a one-off folded into it joins the nearest of them (or the nearest
    deleted date, should a matcher fold into a cancelled one)."""
    owned: dict[tuple, list[Entry]] = defaultdict(list)
    single: dict[tuple, Entry] = {}
    for x in universe:
        if x.series:
            owned[x.owner].append(x)
        else:
            single[x.owner] = x
    series = {owner[:2] for owner in owned}
    occurrence = {x.id: x for x in universe if x.series}
    assign: dict[Id, tuple] = {}
    folded: list[tuple[Entry, tuple, list[Entry] | None, tuple]] = []
    for p in result.published:
        entry = p.event.key
        mine = owned.get(entry)
        if entry[:2] in series:
            for x in mine or ():
                assign.setdefault(x.id, ("occ", p.uid, x.id[2]))
            for key in p.members:
                # a one-off, or another series' occurrence ("source", "uid", start key)
                x = single.get(tuple(key)) or occurrence.get(tuple(key))
                if x is not None and tuple(key) != entry and x.owner != entry:
                    folded.append((x, p.uid, mine, entry))
        else:
            for key in p.members:
                x = single.get(tuple(key))
                if x is not None:
                    assign[x.id] = ("entry", p.uid, p.event.recurrence_id)
    for x, uid, mine, entry in folded:  # folds win over the copy's own series entry
        near = min(mine or (), default=None, key=lambda y: abs(
            (_instant(y.id[2], tz) - _instant(x.id[2], tz)).total_seconds()))
        assign[x.id] = assign[near.id] if near else ("fold", uid, entry)
    for x in universe:  # anything the output does not mention is published alone
        assign.setdefault(x.id, ("unmapped", *x.id))
    return assign


def predicted_news(published, universe: list[Entry]) -> dict[Id, tuple]:
    known = {x.id for x in universe}
    assign = {tuple(m): ("item", p.uid) for p in published for m in p.members
              if tuple(m) in known}
    for x in universe:
        assign.setdefault(x.id, ("unmapped", *x.id))
    return assign


# --- labels ----------------------------------------------------------------------------

def read_labels(labels: dict, section: str, universe: list[Entry], tz: str) -> Labels:
    """Resolve ``[[event]]``/``[[news]]`` clusters and ``[[<section>_apart]]`` negatives."""
    by_id = {x.id: x for x in universe}
    by_uid: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for x in universe:
        by_uid[x.id[:2]].append(x)
    out = Labels({}, {}, {}, [], [])

    def resolve(ref: list, where: str, single: bool) -> list[Id]:
        if not isinstance(ref, list) or len(ref) not in (2, 3) or section == "news" and len(
                ref) != 2:
            out.problems.append(f"{where}: unreadable member {ref!r}")
            return []
        if len(ref) == 3:
            oid = (ref[0], ref[1], _key(ref[2], tz))
            if oid not in by_id:
                near = ", ".join(x.when for x in by_uid.get(oid[:2], [])[:6]) or "no such uid"
                out.problems.append(f"{where}: {ref!r} is no input occurrence ({near})")
                return []
            return [oid]
        found = [x.id for x in by_uid.get((ref[0], ref[1]), [])]
        if not found:
            out.problems.append(f"{where}: {ref!r} is no input entry")
        elif single and len(found) > 1:
            out.problems.append(f"{where}: {ref!r} has {len(found)} occurrences; name one")
            return []
        return found

    for n, cluster in enumerate(labels.get(section, []), start=1):
        cid = str(cluster.get("id") or f"{section}-{n}")
        if cid in out.members:
            out.problems.append(f"{section} cluster {cid!r} is defined twice")
        out.cls[cid] = str(cluster.get("class", "plain"))
        out.members[cid] = []
        for ref in cluster.get("members", []):
            for oid in resolve(ref, f"{section} {cid!r}", single=True):
                if oid in out.cluster_of:
                    out.problems.append(f"{section} {cid!r}: {oid} already in "
                                        f"{out.cluster_of[oid]!r}")
                    continue
                out.cluster_of[oid] = cid
                out.members[cid].append(oid)
    for n, neg in enumerate(labels.get(f"{section}_apart", []), start=1):
        where = f"{section}_apart #{n} ({neg.get('class', '?')})"
        sides = []
        for side in ("a", "b"):
            spec = neg.get(side)
            if isinstance(spec, str):
                if spec not in out.members:
                    out.problems.append(f"{where}: unknown cluster {spec!r}")
                sides.append(set(out.members.get(spec, ())))
            else:
                sides.append(set(resolve(spec, where, single=False)))
        out.apart.append((str(neg.get("class", "?")), str(neg.get("note", "")), *sides))
    return out


# --- scoring ---------------------------------------------------------------------------

def pairs_of(assign: Mapping[Id, object]) -> set[frozenset[Id]]:
    groups: dict[object, list[Id]] = defaultdict(list)
    for x, c in assign.items():
        groups[c].append(x)
    return {frozenset(p) for g in groups.values() for p in combinations(sorted(g), 2)}


def scores(predicted: set, truth: set) -> dict:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": len(truth), "predicted_pairs": len(predicted), "correct_pairs": tp,
            "false_merge_pairs": len(predicted - truth), "missed_pairs": len(truth - predicted),
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def negative_pairs(lab: Labels, by_id: Mapping[Id, Entry], tz: str):
    """Declared hard-negative pairs: A × B, same local day for events (series sides would
    otherwise pair every date with every other), never a labelled positive pair."""
    out: dict[frozenset, tuple[str, str]] = {}
    for cls, note, side_a, side_b in lab.apart:
        for a in side_a:
            for b in side_b:
                if a == b or lab.cluster_of.get(a, a) == lab.cluster_of.get(b, b):
                    continue
                if len(a) == 3 and _day(a[2], tz) != _day(b[2], tz):
                    continue
                out.setdefault(frozenset((a, b)), (cls, note))
    return out


def evaluate(kind: str, universe: list[Entry], assign: Mapping[Id, tuple], lab: Labels,
             matches: Iterable, tz: str) -> dict:
    by_id = {x.id: x for x in universe}
    truth_assign = {x.id: lab.cluster_of.get(x.id, ("alone", *x.id)) for x in universe}
    truth = pairs_of({k: v for k, v in truth_assign.items() if k in lab.cluster_of})
    predicted = pairs_of(assign)
    negatives = negative_pairs(lab, by_id, tz)
    said = _explanations(matches)
    result = scores(predicted, truth)
    per_class: dict[str, dict] = {}
    for pair in truth:
        cls = lab.cls[truth_assign[next(iter(pair))]]
        row = per_class.setdefault(cls, {"kind": "positive", "pairs": 0, "found": 0})
        row["pairs"] += 1
        row["found"] += pair in predicted
    for pair, (cls, _) in negatives.items():
        row = per_class.setdefault(cls, {"kind": "negative", "pairs": 0, "merged": 0})
        if row["kind"] != "negative":
            cls = f"{cls} (negative)"
            row = per_class.setdefault(cls, {"kind": "negative", "pairs": 0, "merged": 0})
        row["pairs"] += 1
        row["merged"] += pair in predicted
    false_merges = []
    for pair in sorted(predicted - truth, key=lambda p: _pair_sort(p, by_id)):
        cls, note = negatives.get(pair, ("undeclared", ""))
        if cls == "undeclared":
            row = per_class.setdefault(cls, {"kind": "negative", "pairs": 0, "merged": 0})
            row["merged"] += 1
        false_merges.append(_pair_record(pair, by_id, cls, note, said, truth_assign))
    missed = [_pair_record(pair, by_id, lab.cls[truth_assign[next(iter(pair))]], "", said,
                           truth_assign)
              for pair in sorted(truth - predicted, key=lambda p: _pair_sort(p, by_id))]
    live = [x for x in universe if x.status != "EXDATE"]
    counts = {"entries": len(live), "labelled_clusters": len(lab.members),
              "labelled_entries": len(lab.cluster_of),
              "published": len({assign[x.id] for x in live})}
    if kind == "events":
        counts["cancelled"] = sum(x.status == "CANCELLED" for x in live)
        counts["deleted_dates"] = len(universe) - len(live)
        counts["series_occurrences"] = sum(x.series for x in live)
    return {"counts": counts, "scores": result, "per_class": dict(sorted(per_class.items())),
            "false_merges": false_merges, "missed": missed}


def sanity(universe: list[Entry], lab: Labels, assign: Mapping[Id, tuple]) -> dict:
    """Degenerate predictions (and one degenerate labelling): the measure must punish them."""
    truth = pairs_of(lab.cluster_of)
    every = {x.id: "one" for x in universe}
    alone = {x.id: x.id for x in universe}
    labels_as_output = {x.id: lab.cluster_of.get(x.id, x.id) for x in universe}
    by_day = {x.id: x.when[:13] for x in universe}  # "same day = same event"
    out = {name: scores(pairs_of(pred), truth) for name, pred in (
        ("everything_one_cluster", every), ("nothing_merged", alone),
        ("same_day_same_event", by_day), ("labels_as_prediction", labels_as_output))}
    out["matcher_vs_one_big_label"] = scores(pairs_of(assign), pairs_of(every))
    return out


# --- explanations and printing ---------------------------------------------------------

def _explanations(matches: Iterable) -> dict[frozenset[str], object]:
    said = {}
    for m in matches:
        said.setdefault(frozenset((m.a, m.b)), m)
    return said


def _pair_record(pair, by_id, cls, note, said, truth_assign) -> dict:
    a, b = sorted(pair, key=lambda x: (by_id[x].sort, x))
    match = next((said[frozenset((ra, rb))] for ra in by_id[a].refs for rb in by_id[b].refs
                  if frozenset((ra, rb)) in said), None)
    if match is None:
        verdict = "never compared"
    else:
        verdict = (f"{'merged' if match.merged else 'rejected'} at {match.score:g}: "
                   + "; ".join(match.reasons))
    return {"class": cls, "note": str(note), "verdict": verdict,
            "a": _entry_record(by_id[a], truth_assign), "b": _entry_record(by_id[b], truth_assign)}


def _entry_record(x: Entry, truth_assign) -> dict:
    label = truth_assign[x.id]
    return {"ref": list(x.id), "title": x.title, "when": x.when, "start": x.sort,
            "place": x.place, "status": x.status,
            "label": label if isinstance(label, str) else ""}


def _pair_sort(pair, by_id):
    return sorted((by_id[x].sort, x) for x in pair)


def render(report: dict, show_sanity: bool) -> str:
    lines = [f"Dedupe quality on {report['data']} (now = {report['now']}, horizon "
             f"{report['horizon'][0][:10]} … {report['horizon'][1][:10]})", ""]
    for sid, c in report["sources"].items():
        unit = "items" if c["kind"] == "feed" else "occ."
        extra = (f" ({c['series_occurrences']} from series, +{c['deleted_dates']} deleted "
                 "dates)" if c["kind"] != "feed" else "")
        lines.append(f"   {sid:<16} {c['entries']:>4} {unit:<5} {c['file']:<30} "
                     f"{c['style']}{extra}")
    lines.append("")
    for note in report["problems"]:
        lines.append(f"LABEL/INPUT PROBLEM: {note}")
    if report["problems"]:
        lines.append("")
    for kind in ("events", "news"):
        r = report[kind]
        c, s = r["counts"], r["scores"]
        extra = (f" occurrences ({c['series_occurrences']} from series, {c['cancelled']} "
                 f"cancelled) + {c['deleted_dates']} deleted series dates (EXDATE)"
                 if kind == "events" else " items")
        lines += [f"== {kind.upper()}: {c['entries']}{extra}",
                  f"   {c['labelled_clusters']} labelled clusters ({c['labelled_entries']} inputs),"
                  f" {s['true_pairs']} true pairs; dedupe publishes {c['published']} entries",
                  f"   precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
                  f"F1 {s['f1']:.3f}   ({s['correct_pairs']} correct, "
                  f"{s['false_merge_pairs']} false-merge, {s['missed_pairs']} missed pairs)", "",
                  "   class                        kind       pairs  result"]
        for cls, row in r["per_class"].items():
            if row["kind"] == "positive":
                result = f"{row['found']} found, {row['pairs'] - row['found']} missed"
            else:
                result = f"{row['merged']} wrongly merged"
            pairs = row["pairs"] if row["kind"] == "positive" or cls != "undeclared" else "-"
            lines.append(f"   {cls:<28} {row['kind']:<9} {pairs!s:>6}  {result}")
        lines += ["", f"   FALSE MERGES ({len(r['false_merges'])} pairs: published as one, "
                  "but different)"]
        lines += _grouped(r["false_merges"]) or ["     none"]
        lines += ["", f"   MISSED MERGES ({len(r['missed'])} pairs: one real "
                  f"{'event' if kind == 'events' else 'article'}, published separately)"]
        lines += _grouped(r["missed"]) or ["     none"]
        lines.append("")
    if show_sanity:
        lines.append("== SANITY (degenerate predictions; last row per kind: the matcher against a "
                     "labelling that puts everything in one cluster)")
        for kind in ("events", "news"):
            for name, s in report["sanity"][kind].items():
                lines.append(f"   {kind:<6} {name:<24} precision {s['precision']:.3f}  "
                             f"recall {s['recall']:.3f}  F1 {s['f1']:.3f}")
        lines.append("")
    return "\n".join(lines)


def _grouped(records: list[dict]) -> list[str]:
    """One block per class and pair of inputs (a series pair differs only by date)."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        sig = (r["class"], r["note"], _who(r["a"]), _who(r["b"]), _strip_times(r["verdict"]))
        groups.setdefault(sig, []).append(r)
    out = []
    for (cls, note, _, _, _), rs in sorted(groups.items(), key=lambda g: (
            g[0][0], g[1][0]["a"]["start"])):
        first = rs[0]
        head = f"     [{cls}] {len(rs)} pair{'s' if len(rs) > 1 else ''}"
        labels = sorted({r["a"]["label"] for r in rs if r["a"]["label"]})
        if note:
            head += f" – {note}"
        elif labels:
            head += " – " + ", ".join(labels[:4]) + (" …" if len(labels) > 4 else "")
        out.append(head)
        for side in ("a", "b"):
            e = first[side]
            status = f" [{e['status']}]" if e["status"] not in ("", "CONFIRMED") else ""
            out.append(f"         {e['ref'][0]:<16} {e['title'][:58]}{status}  @ {e['place'][:60]}")
        dates = [r["a"]["when"] if r["a"]["when"] == r["b"]["when"]
                 else f"{r['a']['when']} ↔ {r['b']['when']}" for r in rs]
        out.append("         when: " + ", ".join(dates[:8]) + (
            f", … ({len(dates) - 8} more)" if len(dates) > 8 else ""))
        out.append(f"         matcher: {first['verdict'][:160]}")
    return out


def _who(e: dict) -> tuple:
    return (e["ref"][0], e["ref"][1], e["title"])


def _strip_times(verdict: str) -> str:
    return verdict.split(":", 1)[0]


# --- small helpers ---------------------------------------------------------------------

def _ref(source: str, uid: str, extra: str = "") -> str:
    """The matcher's own naming of an entry (see textmatch.Match / ref)."""
    return f"{source}:{uid}@{extra}" if extra else f"{source}:{uid}"


def _aware(value, tz: str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def _instant(key: str, tz: str) -> datetime:
    """An Event instant string ('2027-01-19T15:00:00Z' or '2027-01-19') as aware datetime."""
    if "T" not in key:
        return _aware(date.fromisoformat(key), tz)
    return datetime.fromisoformat(key.replace("Z", "+00:00"))


def _day(key: str, tz: str) -> date:
    if "T" not in key:
        return date.fromisoformat(key)
    return _instant(key, tz).astimezone(ZoneInfo(tz)).date()


def _sortable(key: str, tz: str) -> str:
    return _instant(key, tz).astimezone(UTC).isoformat()


def _local(key: str, tz: str) -> str:
    when = _instant(key, tz).astimezone(ZoneInfo(tz))
    text = f"{WEEKDAYS[when.weekday()]} {when:%d.%m.%Y}"
    return text + (f" {when:%H:%M}" if "T" in key else " ganztägig")


def _key(value: str, tz: str) -> str:
    """A label's occurrence start ('2027-01-19T16:00' local, '…Z', or '2027-01-19')."""
    value = str(value).strip()
    if "T" not in value:
        return date.fromisoformat(value).isoformat()
    return _aware(value.replace("Z", "+00:00"), tz).astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# --- main ------------------------------------------------------------------------------

def build_report(data: Path = DATA, api: SimpleNamespace | None = None) -> dict:
    api = api or syncsvc_api()
    labels = load_labels(data)
    inputs = load_inputs(api, data, labels)
    events, horizon = event_universe(api, inputs)
    news = news_universe(inputs)
    result = api.dedupe_events(inputs.events, inputs.sources, api.DedupeSettings(),
                               expand=api.occurrences)
    published_news, news_matches = api.dedupe_news(inputs.items, inputs.sources,
                                                   api.DedupeSettings())
    ev_labels = read_labels(labels, "event", events, inputs.tz)
    news_labels = read_labels(labels, "news", news, inputs.tz)
    ev_assign = predicted_events(result, events, inputs.tz)
    news_assign = predicted_news(published_news, news)
    unmapped = [x for x, c in ev_assign.items() if c[0] == "unmapped"]
    problems = inputs.notes + ev_labels.problems + news_labels.problems + [
        f"event input {x} is not in the dedupe output" for x in unmapped]
    return {
        "data": str(data.relative_to(ROOT) if data.is_relative_to(ROOT) else data),
        "now": inputs.now.isoformat(),
        "horizon": [horizon.start.isoformat(), horizon.end.isoformat()],
        "sources": {sid: _source_counts(s, [x for x in (news if s["kind"] == "feed" else events)
                                            if x.source == sid])
                    for sid, s in labels["sources"].items()},
        "problems": problems,
        "events": evaluate("events", events, ev_assign, ev_labels, result.matches, inputs.tz),
        "news": evaluate("news", news, news_assign, news_labels, news_matches, inputs.tz),
        "sanity": {"events": sanity(events, ev_labels, ev_assign),
                   "news": sanity(news, news_labels, news_assign)},
    }


def _source_counts(spec: dict, entries: list[Entry]) -> dict:
    out = {"file": spec["file"], "kind": spec["kind"], "style": spec.get("style", ""),
           "entries": sum(x.status != "EXDATE" for x in entries)}
    if spec["kind"] != "feed":
        out["series_occurrences"] = sum(x.series and x.status != "EXDATE" for x in entries)
        out["deleted_dates"] = sum(x.status == "EXDATE" for x in entries)
    return out


def list_inputs(data: Path = DATA) -> str:
    api = syncsvc_api()
    labels = load_labels(data)
    inputs = load_inputs(api, data, labels)
    events, _ = event_universe(api, inputs)
    lines = []
    for x in events:
        start = _instant(x.id[2], inputs.tz).astimezone(ZoneInfo(inputs.tz))
        ref = start.strftime("%Y-%m-%dT%H:%M") if "T" in x.id[2] else x.id[2]
        status = "" if x.status == "CONFIRMED" else f"  [{x.status}]"
        lines.append(f'["{x.id[0]}", "{x.id[1]}", "{ref}"],  # {x.when} {x.title}{status}')
    lines += [f'["{x.id[0]}", "{x.id[1]}"],  # {x.when} {x.title}'
              for x in news_universe(inputs)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.dedupe_quality", description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA, help="folder with labels.toml and files")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sanity", action="store_true", help="also score degenerate predictions")
    p.add_argument("--list", action="store_true", help="list inputs in label syntax and stop")
    args = p.parse_args(argv)
    if args.list:
        print(list_inputs(args.data.resolve()))
        return 0
    report = build_report(args.data.resolve())
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=1, default=str)
        print()
    else:
        print(render(report, args.sanity))
    return 0  # a benchmark reports; it never fails the caller


if __name__ == "__main__":
    sys.exit(main())
