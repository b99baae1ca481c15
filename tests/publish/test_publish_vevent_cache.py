"""VEVENTs persisted across runs: a cached block is reused only under its exact key."""

from __future__ import annotations

from dataclasses import replace

from publish_records import NOW, SOURCE_NAMES, events, items, settings

from syncsvc.publish import publish_all
from syncsvc.publish.ics import block_key

FILES = ["calendar.ics", "events.rss", "events.json"]


def publish(out, evs, cache=None):
    return publish_all(evs, items(), settings(out), now=NOW, source_names=SOURCE_NAMES,
                       vevent_cache=cache)


def read(out) -> dict[str, bytes]:
    root = out / "public"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def blocks(data: bytes) -> list[bytes]:
    return [b"BEGIN:VEVENT" + part.split(b"END:VEVENT")[0]
            for part in data.split(b"BEGIN:VEVENT")[1:]]


def test_second_run_with_cache_is_byte_identical_and_renders_nothing(tmp_path):
    cold = publish(tmp_path / "a", events(), cache={})
    assert cold.vevents  # every calendar event was rendered and is handed back
    warm = publish(tmp_path / "b", events(), cache=cold.vevents)
    assert warm.vevents == {}
    assert read(tmp_path / "b") == read(tmp_path / "a")
    plain = publish(tmp_path / "c", events())  # no cache at all: today's bytes
    assert read(tmp_path / "c") == read(tmp_path / "a")
    assert plain.vevents.keys() == cold.vevents.keys()


def test_changing_one_event_rerenders_exactly_that_block(tmp_path):
    cold = publish(tmp_path / "a", events(), cache={})
    before = blocks(read(tmp_path / "a")["calendar.ics"])
    evs = events()
    i = next(i for i, pe in enumerate(evs) if pe.uid == "pub-cafe")
    evs[i] = replace(evs[i], event=replace(evs[i].event, summary="WIR Café (verlegt)"),
                     sequence=evs[i].sequence + 1)
    warm = publish(tmp_path / "b", evs, cache=cold.vevents)
    assert list(warm.vevents) == [block_key(evs[i])]
    after = blocks(read(tmp_path / "b")["calendar.ics"])
    diff = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(diff) == 1 and b"verlegt" in diff[0][1]
    publish(tmp_path / "c", evs)  # uncached rendering of the changed data
    assert read(tmp_path / "b") == read(tmp_path / "c")


def test_stale_entry_under_another_key_is_not_used(tmp_path):
    evs = events()
    cafe = next(pe for pe in evs if pe.uid == "pub-cafe")
    poison = (b"BEGIN:VEVENT\r\nSUMMARY:VERALTET\r\nEND:VEVENT\r\n", "[[2026, 2026], []]")
    uid, rid, key = block_key(cafe)
    moved = block_key(replace(cafe, dtstamp="2026-02-01T00:00:00Z"))  # DTSTAMP is keyed
    assert moved != (uid, rid, key)
    stale = {(uid, rid, "0" * 16): poison, moved: poison}
    result = publish(tmp_path / "a", evs, cache=stale)
    assert b"VERALTET" not in read(tmp_path / "a")["calendar.ics"]
    assert block_key(cafe) in result.vevents
    # the same bytes under the current key are taken as they are (the cache is used)
    publish(tmp_path / "b", evs, cache={(uid, rid, key): poison})
    assert b"SUMMARY:VERALTET" in read(tmp_path / "b")["calendar.ics"]


def test_fresh_blocks_are_handed_over_once_the_calendars_are_written(tmp_path):
    root, handed = tmp_path / "a" / "public", []

    def save(fresh):  # what the output folder holds at the moment of the hand-over
        handed.append((dict(fresh), {p.relative_to(root).as_posix() for p in root.rglob("*")
                                     if p.is_file()}))

    result = publish_all(events(), items(), settings(tmp_path / "a"), now=NOW,
                         source_names=SOURCE_NAMES, vevent_cache={}, save_vevents=save)
    ((fresh, files),) = handed
    assert fresh.keys() == publish(tmp_path / "b", events(), cache={}).vevents.keys()
    assert "calendar.ics" in files and not files & {"events.rss", "events.json", "news.rss"}
    assert result.vevents == {}  # nothing is kept until the end
    assert read(tmp_path / "a") == read(tmp_path / "b")
