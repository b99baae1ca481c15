"""Render-once paths of the publish stage give the bytes a whole-document serialization gives."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta

import pytest
from publish_records import NOW, events

from syncsvc.publish import write_atomic
from syncsvc.publish.common import Listed, group_by_uid, sort_instant
from syncsvc.publish.ics import _vevent, render_calendar
from syncsvc.publish.jsonfeed import event_json, render_events_json
from syncsvc.publish.rss import _channel, _event_item, render_events_rss
from syncsvc.publish.select import list_occurrences
from syncsvc.publish.shell import calendar_component, shell_bytes
from syncsvc.publish.vtimezone import vtimezone
from syncsvc.recur.expand import expand

START, END = NOW - timedelta(days=30), NOW + timedelta(days=120)


def edge_events():
    """Plain one-offs at the horizon's edges, zero-length, all-day, open-ended ones."""
    base = events()[3]  # a plain timed one-off
    ev = base.event
    out = []
    for i, (start, end) in enumerate([
        ("2026-01-30T12:00:00Z", "2026-01-30T13:00:00Z"),  # exactly at START
        ("2026-01-30T11:59:59Z", "2026-01-30T13:00:00Z"),  # just before, still running
        ("2026-06-29T11:59:59Z", "2026-06-29T13:00:00Z"),  # just before END
        ("2026-06-29T12:00:00Z", "2026-06-29T13:00:00Z"),  # exactly at END
        ("2026-03-03T10:00:00Z", "2026-03-03T10:00:00Z"),  # zero length
        ("2026-03-04T10:00:00Z", ""),  # no end
        ("2026-03-05", "2026-03-06"),  # all-day
        ("2026-06-29", "2026-06-30"),  # all-day at END
    ]):
        out.append(replace(base, uid=f"edge-{i}",
                           event=replace(ev, uid=f"e{i}", start=start, end=end)))
    return events() + out


def expanded(evs):
    """What list_occurrences gave before one-offs were listed directly: expand everything."""
    owner = {(pe.uid, pe.event.recurrence_id): pe for pe in evs}
    records = [replace(pe.event, uid=pe.uid,
                       source_id=owner.get((pe.uid, ""), pe).event.source_id)
               for pe in owner.values()]
    found = [Listed(o, owner[(o.event.uid, o.event.recurrence_id)])
             for o in expand(records, START, END, 100).occurrences]
    found.sort(key=lambda x: (sort_instant(x.occurrence.start), x.published.uid,
                              x.occurrence.key))
    return found


def shape(listed):
    return [(x.guid, x.occurrence.event, repr(x.occurrence.start), repr(x.occurrence.end))
            for x in listed]


def test_one_offs_listed_directly_match_the_expansion():
    evs = edge_events()
    got = list_occurrences(evs, START, END, 100)
    assert shape(got) == shape(expanded(evs))
    assert "edge-0#2026-01-30T12:00:00Z" in {x.guid for x in got}
    assert "edge-3#2026-06-29T12:00:00Z" not in {x.guid for x in got}


@pytest.mark.parametrize("title", ["WIR in Idstein – Termine", "Ü" * 120, "a;b,c\\d „x“",
                                   "مقهى WIR – Café", "", "x" * 74, "y" * 75])
@pytest.mark.parametrize("path", ["/calendar.ics", "/termine/e/" + "2026-11-11-" * 9 + ".ics"])
def test_shell_lines_are_what_icalendar_serializes_for_the_whole_calendar(title, path):
    """shell_bytes serializes only the calendar's own lines; the result must be the bytes
    of icalendar serializing the whole calendar (folding, escaping, order)."""
    for base in ("https://t.example", "http://localhost:8080/"):
        whole = calendar_component(title, base, 1800, path).to_ical()
        assert shell_bytes(title, base, 1800, path) == whole


def test_calendar_equals_one_icalendar_serialization():
    """The spliced calendar is what one Calendar.to_ical() of all VEVENTs gave."""
    evs = edge_events()
    cal = calendar_component("WIR in Idstein – Termine", "https://t.example", 1800, "/calendar.ics")
    for group in group_by_uid(evs):
        for pe in group:
            cal.add_component(_vevent(pe))
    years = [ve.decoded(k).year for ve in cal.walk("VEVENT")
             for k in ("dtstart", "dtend", "recurrence-id") if k in ve]
    first, last = date(min(years) - 1, 1, 1), max(date(2038, 1, 1), date(max(years) + 2, 1, 1))
    for tzid in sorted(cal.get_missing_tzids()):
        cal.subcomponents.insert(len(cal.timezones), vtimezone(tzid, first, last))
    got = render_calendar(sorted(evs, key=lambda p: p.uid), name="WIR in Idstein",
                          tz="Europe/Berlin", base_url="https://t.example", refresh_s=1800)
    assert got == cal.to_ical()
    assert got.count(b"BEGIN:VTIMEZONE") == 2  # Berlin and London


def test_events_json_and_rss_equal_whole_document_serialization():
    listed = list_occurrences(edge_events(), START, END, 100)
    doc = {"version": 1, "title": "T", "home_page_url": "https://t.example/",
           "feed_url": "https://t.example/events.json", "timezone": "Europe/Berlin",
           "events": [event_json(x) for x in listed]}
    whole = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert render_events_json(listed, title="T", home_page_url="https://t.example/",
                              feed_url="https://t.example/events.json") == (
        whole + "\n").encode("utf-8")
    for subset in (listed, listed[:1], []):
        channel, rss = _channel("T", "https://t.example/", "https://t.example/e.rss", "D",
                                max((x.published.dtstamp for x in subset), default=""))
        for x in subset:
            _event_item(channel, x, "https://t.example/", "Europe/Berlin")
        ET.indent(rss, space=" ")
        buf = io.BytesIO()
        ET.ElementTree(rss).write(buf, encoding="utf-8", xml_declaration=True)
        assert render_events_rss(subset, title="T", link="https://t.example/",
                                 self_url="https://t.example/e.rss",
                                 description="D") == buf.getvalue() + b"\n"


def test_write_atomic_takes_chunks(tmp_path):
    target = tmp_path / "events.json"
    assert write_atomic(target, [b"ab", b"", b"cd"]) is True
    assert target.read_bytes() == b"abcd"
    assert write_atomic(target, [b"a", b"bcd"]) is False  # same bytes, other chunking
    assert write_atomic(target, [b"ab", b"ce"]) is True
    assert target.read_bytes() == b"abce"


def test_write_atomic_streams_an_iterator_of_chunks(tmp_path):
    target = tmp_path / "termine" / "index.html"
    assert write_atomic(target, iter([b"ab", b"cd"])) is True
    assert target.read_bytes() == b"abcd"
    mtime = target.stat().st_mtime_ns
    assert write_atomic(target, (c for c in [b"a", b"bc", b"d"])) is False  # same bytes
    assert target.stat().st_mtime_ns == mtime
    assert write_atomic(target, iter([b"ab", b"c"])) is True  # a prefix is not equal
    assert target.read_bytes() == b"abc"
    assert write_atomic(target, iter([b"ab", b"cde"])) is True  # nor is a longer file
    assert target.read_bytes() == b"abcde"
    assert write_atomic(target, iter([])) is True
    assert target.read_bytes() == b""
    assert write_atomic(target, iter([])) is False
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temp file


def test_a_failing_render_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "index.html"
    write_atomic(target, b"alt")

    def chunks():
        yield b"neu, halb"
        raise ValueError("kaputt")

    with pytest.raises(ValueError, match="kaputt"):
        write_atomic(target, chunks())
    assert target.read_bytes() == b"alt"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
