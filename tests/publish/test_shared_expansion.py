"""Publish expands a series once per pass (``expand(memo=…)``) and binds the result again.

publish_all lists the published series and, for each source's views, that source's own
records, which mostly recur alike under other UIDs: at 300 partners the second listing
expanded 910 series again through recurring-ical-events (3 s of a 1 %-changed pass).
These tests pin that an expansion taken from the memo is what a fresh one returns,
record for record, on the real calendar files of tests/data/ics and the labelled set.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc.config import SourceConfig
from syncsvc.models import Event, PublishedEvent
from syncsvc.normalize import normalize_events
from syncsvc.parse.ics import parse_ics
from syncsvc.publish.select import list_occurrences
from syncsvc.recur.expand import expand

DATA = Path(__file__).parents[1] / "data"
FILES = sorted([*DATA.joinpath("ics").glob("*.ics"), *DATA.joinpath("dedupe").glob("*.ics")])
START, END = datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)


def records(path: Path) -> list[Event]:
    src = SourceConfig("p", "Partner", "https://p.example/a.ics", "ics", 5)
    try:
        raw = parse_ics(path.read_bytes(), "p", "Europe/Berlin").events
    except Exception:  # noqa: BLE001 - the broken-input files are refused at parse
        return []
    return normalize_events(raw, src, "Europe/Berlin")


def as_other_source(events: list[Event]) -> list[Event]:
    """The same records as another source's copy: other ids, other texts, same times."""
    return [replace(e, source_id="q", uid="copy-" + e.uid, summary=e.summary + " (Kopie)")
            for e in reversed(events)]


def seen(expansion) -> list[tuple]:
    return [(o.event, o.start, o.end, o.key) for o in expansion.occurrences]


READABLE = [p for p in FILES if records(p)]  # the broken-input files are refused at parse


def test_the_readable_files_hold_series_with_overrides_and_exdates():
    events = [e for p in READABLE for e in records(p)]
    assert len(READABLE) >= 20
    assert any(e.recurrence_id for e in events) and any(e.exdates for e in events)


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_an_expansion_from_the_memo_is_a_fresh_expansion(path):
    events = records(path)
    memo: dict = {}
    first = expand(events, START, END, 500, memo=memo)
    assert seen(first) == seen(expand(events, START, END, 500))
    copies = as_other_source(events)
    again = expand(copies, START, END, 500, memo=memo)
    fresh = expand(copies, START, END, 500)
    assert seen(again) == seen(fresh)
    assert again.truncated == fresh.truncated


def test_the_memo_is_used_and_binds_overrides_to_their_own_records():
    body = (DATA / "ics" / "recurring_series_with_overrides.ics").read_bytes()
    events = normalize_events(parse_ics(body, "p", "Europe/Berlin").events,
                              SourceConfig("p", "P", "https://p.example/a.ics", "ics", 5),
                              "Europe/Berlin")
    assert any(e.recurrence_id for e in events)
    memo: dict = {}
    expand(events, START, END, 500, memo=memo)
    filled = len(memo)
    assert filled > 0
    again = expand(as_other_source(events), START, END, 500, memo=memo)
    assert len(memo) == filled  # nothing expanded twice
    overridden = [o for o in again.occurrences if o.event.recurrence_id]
    assert overridden and all(o.event.source_id == "q" and o.event.summary.endswith("(Kopie)")
                              for o in again.occurrences)
    moved = {e.recurrence_id: e.start for e in events if e.recurrence_id}
    for o in overridden:
        assert o.event.recurrence_id in moved


def test_a_series_that_recurs_otherwise_is_expanded_again():
    # another EXDATE, another start, another zone: never the other series' dates
    weekly = Event("p", "w", "Sprachcafé", "2027-01-07T17:00:00Z", "2027-01-07T19:00:00Z",
                   tzid="Europe/Berlin", rrule="FREQ=WEEKLY;COUNT=6")
    variants = [replace(weekly, exdates=("2027-01-14T17:00:00Z",)),
                replace(weekly, start="2027-01-07T18:00:00Z", end="2027-01-07T20:00:00Z"),
                replace(weekly, tzid="America/New_York", utc_anchor=False),
                replace(weekly, rrule="FREQ=WEEKLY;COUNT=3")]
    memo: dict = {}
    expand([weekly], START, END, 500, memo=memo)
    for v in variants:
        assert seen(expand([v], START, END, 500, memo=memo)) == seen(expand([v], START, END, 500))
    assert len(memo) == 1 + len(variants)


def published(events: list[Event]) -> list[PublishedEvent]:
    return [PublishedEvent(uid="pub-" + e.uid, event=e, sources=(), categories=())
            for e in events]


def listing(listed) -> list[tuple]:
    return [(x.published, x.occurrence.event, x.occurrence.start, x.occurrence.end,
             x.occurrence.key) for x in listed]


def test_the_same_records_share_their_listed_occurrences():
    pes = published([replace(e, uid=f"{i}-{e.uid}") for i, p in enumerate(READABLE)
                     for e in records(p)])  # one UID per series, not per file's naming
    memo: dict = {}
    first = list_occurrences(pes, START, END, 500, memo)
    assert listing(first) == listing(list_occurrences(pes, START, END, 500))
    again = list_occurrences(list(reversed(pes)), START, END, 500, memo)
    assert len(again) == len(first) > 100
    assert all(a is b for a, b in zip(again, first, strict=True))  # the very objects


def test_a_series_with_another_record_is_listed_again():
    pes = published(records(DATA / "ics" / "recurring_series_with_overrides.ics"))
    memo: dict = {}
    first = list_occurrences(pes, START, END, 500, memo)
    i = next(i for i, pe in enumerate(pes) if pe.event.recurrence_id)
    own = list(pes)  # a partner's own copy of one override: another record of that UID
    own[i] = replace(pes[i], event=replace(pes[i].event, summary="Eigene Fassung"))
    again = list_occurrences(own, START, END, 500, memo)
    assert listing(again) == listing(list_occurrences(own, START, END, 500))
    assert any(x.occurrence.event.summary == "Eigene Fassung" for x in again)
    assert not any(x.occurrence.event.summary == "Eigene Fassung" for x in first)
    later = datetime(2026, 6, 1, tzinfo=UTC)  # another window is another listing
    assert listing(list_occurrences(pes, later, END, 500, memo)) == listing(
        list_occurrences(pes, later, END, 500))
