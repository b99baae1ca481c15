"""Pairwise precision/recall of dedupe on a labelled set of realistic German partner feeds.

The feeds in tests/data/dedupe/ come from five differently produced ICS styles (Google
export with UTC Z, Outlook with Windows zone names, a WordPress plugin with HTML, a
hand-written floating-time file, an all-day planner) plus RSS and Atom news with reposts.
labels.toml holds the true groups. They go through the real parse + normalize stages.
"""

from __future__ import annotations

import tomllib
from itertools import combinations
from pathlib import Path

import pytest

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_events, dedupe_news
from syncsvc.normalize import normalize_events, normalize_items
from syncsvc.parse.feed import parse_feed
from syncsvc.parse.ics import parse_ics

DATA = Path(__file__).parents[1] / "data" / "dedupe"
LABELS = tomllib.loads((DATA / "labels.toml").read_text(encoding="utf-8"))
SOURCES = {sid: SourceConfig(sid, s["name"], f"https://partner.example/{s['file']}",
                             "feed" if s["file"].endswith(".xml") else "ics", s["priority"])
           for sid, s in LABELS["sources"].items()}


def load_events():
    events = []
    for sid, src in SOURCES.items():
        if src.kind == "ics":
            body = (DATA / LABELS["sources"][sid]["file"]).read_bytes()
            raw = parse_ics(body, sid, "Europe/Berlin").events
            events += normalize_events(raw, src, "Europe/Berlin")
    return events


def load_items():
    items = []
    for sid, src in SOURCES.items():
        if src.kind == "feed":
            body = (DATA / LABELS["sources"][sid]["file"]).read_bytes()
            items += normalize_items(parse_feed(body, sid, src.url).items, src)
    return items


def pairs(groups) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in combinations(sorted(set(g)), 2)}


def precision_recall(predicted: set, truth: set) -> tuple[float, float]:
    hit = len(predicted & truth)
    precision = hit / len(predicted) if predicted else 1.0
    recall = hit / len(truth) if truth else 1.0
    return precision, recall


def test_labelled_set_is_big_and_varied_enough():
    events = load_events()
    assert len(events) >= 40
    assert len({e.source_id for e in events}) >= 5
    labelled = {r for g in LABELS["events"]["groups"] for r in g}
    refs = {f"{e.source_id}:{e.uid}" for e in events}
    assert labelled <= refs, labelled - refs  # every label names a real record
    assert sum(e.all_day for e in events) >= 5 and any(e.rrule for e in events)


def test_event_merges_have_full_precision_and_high_recall():
    result = dedupe_events(load_events(), SOURCES, DedupeSettings())
    predicted = pairs([[f"{s}:{u}" for s, u, _ in p.members] for p in result.published])
    truth = pairs(LABELS["events"]["groups"])
    precision, recall = precision_recall(predicted, truth)
    print(f"events: {len(truth)} true pairs, {len(predicted)} merged pairs, "
          f"precision={precision:.3f} recall={recall:.3f}")
    assert precision == 1.0, sorted(map(sorted, predicted - truth))
    assert recall >= 0.95, sorted(map(sorted, truth - predicted))


def test_news_merges_have_full_precision_and_high_recall():
    published, _ = dedupe_news(load_items(), SOURCES, DedupeSettings())
    predicted = pairs([[f"{s}:{g}" for s, g in p.members] for p in published])
    truth = pairs(LABELS["news"]["groups"])
    precision, recall = precision_recall(predicted, truth)
    print(f"news: {len(truth)} true pairs, precision={precision:.3f} recall={recall:.3f}")
    assert precision == 1.0, sorted(map(sorted, predicted - truth))
    assert recall >= 0.95, sorted(map(sorted, truth - predicted))


def test_partner_dates_of_the_wir_cafe_fold_into_the_series():
    result = dedupe_events(load_events(), SOURCES, DedupeSettings())
    series = [p for p in result.published if p.event.rrule]
    assert len(series) == 1
    cafe = series[0]
    assert [s.source_id for s in cafe.sources] == ["stadt", "verein", "bibliothek"]
    assert not any(p.event.summary in ("WIR-Café", "WIR Café – Treffpunkt für alle")
                   for p in result.published)
    evening = [p for p in result.published if p.event.summary.startswith("WIR Café am Abend")]
    assert len(evening) == 1  # same day, other time: not folded


def test_winner_is_the_priority_source_and_partners_are_named():
    result = dedupe_events(load_events(), SOURCES, DedupeSettings())
    fest = next(p for p in result.published if "Sommerfest" in p.event.summary)
    assert fest.event.source_id == "stadt"
    assert [s.source_id for s in fest.sources] == ["stadt", "kirche", "familienzentrum"]
    assert fest.sources[1].name == "Ev. Kirchengemeinde Idstein"
    assert fest.sources[1].url.startswith("https://www.ev-kirche-idstein.de/veranstaltung/")
    assert fest.categories[:1] == ("Fest",) and "Familie" in fest.categories


@pytest.mark.parametrize("summary", ["Asylberatung (Caritas)", "Bilderbuchkino",
                                     "Deutschkurs A1 – Modul 2", "Trauercafé", "Elterncafé"])
def test_tricky_non_duplicates_stay_alone(summary):
    result = dedupe_events(load_events(), SOURCES, DedupeSettings())
    entry = next(p for p in result.published if p.event.summary == summary)
    assert len(entry.members) == 1
