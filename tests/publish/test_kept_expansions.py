"""Series expansions kept between runs (recur.memo): the occurrences a pass takes from a
kept wide expansion are the ones a fresh expansion of its own window gives, object for
object, on every readable calendar of tests/data and on the edges (DST folds, the cap)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from test_shared_expansion import READABLE, as_other_source, records

from syncsvc.models import Event
from syncsvc.recur.expand import expand
from syncsvc.recur.memo import KeptExpansions, decode, encode
from syncsvc.store import Store

START, END = datetime(2020, 3, 1, 9, 15, tzinfo=UTC), datetime(2030, 3, 1, 9, 15, tzinfo=UTC)
LATER = timedelta(hours=5)  # a pass later the same day: another window, the same kept one


def stored(store: Store) -> dict[str, str]:
    return dict(store.db.execute("SELECT key, times FROM expansions").fetchall())


def exact(expansion) -> list[tuple]:
    """What expand gives, with the repr of every time (zone and fold included)."""
    return [(o.event, repr(o.start), repr(o.end), o.key) for o in expansion.occurrences]


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_a_kept_expansion_gives_what_a_fresh_one_gives(path, tmp_path):
    events = records(path)
    store = Store(tmp_path / "s.db")
    memo = KeptExpansions(store)
    assert exact(expand(events, START, END, 500, memo=memo)) == exact(
        expand(events, START, END, 500))
    memo.save()
    later = KeptExpansions(store)
    copies = as_other_source(events)
    got = expand(copies, START + LATER, END + LATER, 500, memo=later)
    assert exact(got) == exact(expand(copies, START + LATER, END + LATER, 500))
    assert later.fresh == {}  # nothing expanded again: all from the store


def test_the_store_is_read_and_what_it_holds_is_what_a_pass_sees(tmp_path):
    ev = Event("p", "w", "Sprachcafé", "2026-10-04T00:30:00Z", "2026-10-04T01:30:00Z",
               tzid="Europe/Berlin", rrule="FREQ=WEEKLY;COUNT=6")  # 02:30 on 25 Oct: a fold
    store = Store(tmp_path / "s.db")
    memo = KeptExpansions(store)
    expand([ev], START, END, 500, memo=memo)
    memo.save()
    ((key, times),) = stored(store).items()
    shifted = [[rid, s[:1] + [s[1].replace("T02:30", "T03:30")] + s[2:], e, k]
               for rid, s, e, k in json.loads(times)]
    with store.db.conn:  # edit the kept times: a pass must show the edit (it reads them)
        store.db.execute("UPDATE expansions SET times = ? WHERE key = ?",
                         [json.dumps(shifted), key])
    got = expand([ev], START + LATER, END + LATER, 500, memo=KeptExpansions(store))
    assert {o.start.hour for o in got.occurrences} == {3}


def test_wall_times_come_back_with_their_zone_and_fold():
    ev = Event("p", "w", "Nachtcafé", "2026-10-18T00:30:00Z", "2026-10-18T01:30:00Z",
               tzid="Europe/Berlin", rrule="FREQ=DAILY;COUNT=14")
    fresh = expand([ev], START, END, 500)
    times = [(o.event.recurrence_id or None, o.start, o.end, o.key) for o in fresh.occurrences]
    text = encode(times)
    assert text is not None
    back = decode(text)
    assert [repr(t) for t in back] == [repr(t) for t in times]
    assert [t[1].utcoffset() for t in back] == [t[1].utcoffset() for t in times]


def test_a_series_cut_at_the_cap_is_expanded_for_the_window_and_not_kept(tmp_path):
    hourly = Event("p", "h", "Dauerlauf", "2026-02-20T00:00:00Z", "2026-02-20T00:30:00Z",
                   tzid="Europe/Berlin", rrule="FREQ=HOURLY")
    store = Store(tmp_path / "s.db")
    memo = KeptExpansions(store)
    got = expand([hourly], START, END, 50, memo=memo)
    fresh = expand([hourly], START, END, 50)
    assert exact(got) == exact(fresh) and got.truncated == fresh.truncated != ()
    assert memo.fresh == {}


def test_expansions_no_pass_asked_for_are_dropped(tmp_path):
    events = records(READABLE[0])
    store = Store(tmp_path / "s.db")
    memo = KeptExpansions(store)
    expand(events, START, END, 500, memo=memo)
    memo.save()
    first = set(stored(store))
    assert first
    tomorrow = KeptExpansions(store)
    expand(events, START + timedelta(days=1), END + timedelta(days=1), 500, memo=tomorrow)
    tomorrow.save()
    assert not first & set(stored(store)) and stored(store)


def test_the_files_hold_occurrences_in_the_window():
    counts = [len(expand(records(p), START, END, 500).occurrences) for p in READABLE]
    assert sum(1 for n in counts if n) >= 20 and sum(counts) > 100


def test_a_pass_takes_only_its_own_window_from_the_wider_kept_one(tmp_path):
    daily = Event("p", "d", "Frühstück", "2020-02-20T06:00:00Z", "2020-02-20T07:00:00Z",
                  tzid="Europe/Berlin", rrule="FREQ=DAILY;COUNT=40")
    store = Store(tmp_path / "s.db")
    memo = KeptExpansions(store)
    got = expand([daily], START, END, 500, memo=memo)  # 06:00 on START's day is before it
    assert exact(got) == exact(expand([daily], START, END, 500))
    assert got.occurrences[0].key == "2020-03-02T06:00:00Z"
    assert memo.fresh  # kept: the wide window held 1 March 06:00 too
