"""Dedupe expands series only through syncsvc.recur.expand: its fast path for bare RRULEs
(``starts``) must give exactly the occurrences of the full expander (``occurrences``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncsvc.dedupe import series
from syncsvc.models import Event
from syncsvc.recur import expand as recur

LO, HI = datetime(2026, 10, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC)
RULES = [
    ("2027-03-03T17:00:00Z", "FREQ=WEEKLY;COUNT=40", False),  # across both DST changes
    ("2027-01-07T14:00:00Z", "FREQ=MONTHLY;BYDAY=1TH;COUNT=12", False),
    ("2026-09-01T06:30:00Z", "FREQ=DAILY;INTERVAL=3;UNTIL=20270401T063000Z", False),
    ("2027-10-30T23:30:00Z", "FREQ=DAILY;COUNT=5", False),  # local midnight at the DST end
    ("2027-02-01T09:00:00Z", "FREQ=WEEKLY;BYDAY=MO,WE,FR;INTERVAL=2", False),  # no end: cap
    ("2026-01-15T18:00:00Z", "FREQ=YEARLY", False),  # DTSTART before the window
    ("2027-01-05T10:00:00Z", "FREQ=MONTHLY;BYMONTHDAY=31", False),  # months without a 31st
    ("2027-03-03T17:00:00Z", "FREQ=WEEKLY;COUNT=30", True),  # UTC-anchored (Google export)
    ("2027-03-03T17:00:00Z", "FREQ=WEEKLY;UNTIL=20270601", False),  # date UNTIL: full path
    ("2027-03-04T17:00:00Z", "FREQ=WEEKLY;BYDAY=WE;COUNT=5", False),  # DTSTART off the rule
]


def full_keys(events: list[Event], cap: int) -> list[tuple[str, str, str]]:
    return sorted((o.event.source_id, o.event.uid, o.key)
                  for o in recur.occurrences(events, LO, HI, cap))


def fast_keys(events: list[Event], cap: int) -> list[tuple[str, str, str]]:
    return sorted((e.source_id, e.uid, k) for e, k in recur.starts(events, LO, HI, cap))


@pytest.mark.parametrize("start, rule, anchored", RULES)
def test_the_fast_path_yields_what_the_full_expander_yields(start, rule, anchored):
    ev = Event(source_id="s", uid="u", summary="Sprachcafé", start=start, rrule=rule,
               tzid="Europe/Berlin", utc_anchor=anchored)
    for cap in (2000, 7):
        assert fast_keys([ev], cap) == full_keys([ev], cap)
    assert fast_keys([ev], 2000)  # a non-empty window: the comparison says something


def test_series_with_exdates_rdates_or_overrides_take_the_full_expander():
    master = Event(source_id="s", uid="u", summary="WIR Café", start="2027-01-07T14:00:00Z",
                   rrule="FREQ=WEEKLY;COUNT=6", tzid="Europe/Berlin",
                   exdates=("2027-01-14T14:00:00Z",), rdates=("2027-03-01T10:00:00Z",))
    moved = Event(source_id="s", uid="u", summary="WIR Café", start="2027-01-22T14:00:00Z",
                  recurrence_id="2027-01-21T14:00:00Z", tzid="Europe/Berlin")
    asked: list[int] = []

    def full(events, lo, hi, cap):
        asked.append(len(events))
        return recur.occurrences(events, lo, hi, cap)

    got = recur.starts([master, moved], LO, HI, full=full)
    assert asked == [2]
    assert sorted(k for _, k in got) == sorted(k for _, k in [
        (o.event, o.key) for o in recur.occurrences([master, moved], LO, HI)])
    assert "2027-01-14T14:00:00Z" not in {k for _, k in got}


def test_dedupe_has_no_expander_of_its_own():
    assert not hasattr(series, "_fallback_expand") and not hasattr(series, "rrulestr")
