"""publish_all: every view on disk, filtered correctly, listed in views.json, byte-stable."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta

import feedparser
import icalendar
import pytest
from publish_records import NOW, SOURCE_NAMES, events, items, settings

from syncsvc.publish import publish_all, write_atomic
from syncsvc.publish.common import slugify

MAIN = ["calendar.ics", "events.rss", "events.json", "news.rss", "feed.json"]


def publish(tmp_path, evs=None, its=None, now=NOW, names=None, **kw):
    return publish_all(events() if evs is None else evs, items() if its is None else its,
                       settings(tmp_path, **kw), now=now,
                       source_names=SOURCE_NAMES if names is None else names)


def ics_uids(path) -> list[str]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return sorted({str(v["UID"]) for v in cal.walk("VEVENT")})


def json_uids(path) -> list[str]:
    return sorted({e["uid"] for e in json.loads(path.read_bytes())["events"]})


def rss_ids(path) -> list[str]:
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, (path, feed.get("bozo_exception"))
    return [e.id for e in feed.entries]


@pytest.fixture
def out(tmp_path):
    result = publish(tmp_path)
    return tmp_path / "public", result


def test_all_views_written_and_listed(out):
    root, result = out
    manifest = json.loads((root / "views.json").read_bytes())
    paths = [v["path"].removeprefix("/") for v in manifest]
    assert paths[:5] == MAIN
    pages = {p for p in result.written  # not views: the pages and the widget's files
             if p.startswith(("termine/", "widget/"))}
    assert set(paths) | {"views.json"} == set(result.written) - pages
    for path in paths:
        assert (root / path).is_file(), path
    cat = next(v for v in manifest if v["path"] == "/calendar/feste-maerkte.ics")
    assert cat == {"path": "/calendar/feste-maerkte.ics", "kind": "ics", "content": "events",
                   "title": "WIR in Idstein – Termine: Feste & Märkte",
                   "category": "Feste & Märkte", "category_slug": "feste-maerkte",
                   "source": None, "source_name": None, "entries": 1}
    blog = {v["path"] for v in manifest if v["source"] == "blog"}
    assert blog == {"/sources/blog/news.rss", "/sources/blog/feed.json"}  # a feed source
    ibb = next(v for v in manifest if v["path"] == "/sources/ibb/calendar.ics")
    assert ibb["source_name"] == "Idstein bleibt bunt e.V."
    assert ibb["title"] == "WIR in Idstein – Termine von Idstein bleibt bunt e.V."


def test_calendar_horizon(out):
    root, _ = out
    uids = ics_uids(root / "calendar.ics")
    assert "pub-klausur" not in uids  # one-off ended 90 days before now
    assert "pub-cafe" in uids  # series that began before the horizon stays a series
    assert "pub-klausur" not in json_uids(root / "events.json")
    rss = rss_ids(root / "events.rss")
    assert rss[0] == "pub-sprach#2026-03-05T09:30:00Z"  # upcoming only, soonest first
    assert "pub-cafe#2026-02-26T17:00:00Z" in {e["id"] for e in
                                               json.loads((root / "events.json").read_bytes())
                                               ["events"]}


def test_category_views_contain_exactly_their_events(out):
    root, _ = out
    expect = {"begegnung": ["pub-cafe", "pub-sprach"], "kultur": ["pub-evil", "pub-fest"],
              "feste-maerkte": ["pub-fest"], "sprache": ["pub-sprach"],
              "netzwerk": ["pub-london"]}
    for slug, uids in expect.items():
        assert ics_uids(root / f"calendar/{slug}.ics") == uids, slug
        assert json_uids(root / f"calendar/{slug}.json") == uids, slug
        assert sorted({i.split("#")[0] for i in rss_ids(root / f"calendar/{slug}.rss")}) == uids
    cal = icalendar.Calendar.from_ical((root / "calendar/begegnung.ics").read_bytes())
    assert len([v for v in cal.walk("VEVENT") if v["UID"] == "pub-cafe"]) == 2  # + override
    assert sorted(p.name for p in (root / "calendar").iterdir()) == sorted(
        f"{s}.{ext}" for s in expect for ext in ("ics", "json", "rss"))


def test_source_views_contain_exactly_their_entries(out):
    root, _ = out
    expect = {"ibb": ["pub-cafe"], "stadt": ["pub-cafe", "pub-fest", "pub-klausur"],
              "caritas": ["pub-fest", "pub-london", "pub-sprach"], "evil": ["pub-evil"]}
    for sid, uids in expect.items():
        assert ics_uids(root / f"sources/{sid}/calendar.ics") == [
            u for u in uids if u != "pub-klausur"], sid
        assert json_uids(root / f"sources/{sid}/events.json") == [
            u for u in uids if u != "pub-klausur"], sid
    assert rss_ids(root / "sources/blog/news.rss") == ["news-new", "https://blog.example/undated"]
    assert rss_ids(root / "sources/stadt/news.rss") == ["news-old"]
    feed = json.loads((root / "sources/evil/feed.json").read_bytes())
    assert [i["id"] for i in feed["items"]] == ["news-evil"]
    assert not (root / "sources/blog/calendar.ics").exists()


def test_republish_same_data_changes_nothing(tmp_path, out):
    root, _ = out
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    again = publish(tmp_path, now=NOW + timedelta(minutes=40))  # same selection
    assert again.written == () and again.removed == () and not again.changed
    assert {p: p.stat().st_mtime_ns for p in before} == mtimes
    assert not [p for p in root.rglob(".*")]  # no temp files left behind
    for path, data in before.items():
        assert b"2026-03-01" not in data and b"01 Mar 2026" not in data, path  # `now` absent


def test_vanished_category_and_source_views_are_removed(tmp_path, out):
    root, _ = out
    evs = [pe for pe in events() if pe.uid != "pub-evil"]
    its = [pi for pi in items() if pi.uid != "news-evil"]
    names = {k: v for k, v in SOURCE_NAMES.items() if k != "evil"}
    cfg = settings(tmp_path)
    result = publish(tmp_path, evs, its, names=names,
                     sources=tuple(s for s in cfg.sources if s.id != "evil"))
    assert not (root / "sources/evil").exists()
    assert "sources/evil/calendar.ics" in result.removed
    assert (root / "calendar/kultur.ics").exists()  # still has the Stadtfest
    assert ics_uids(root / "calendar/kultur.ics") == ["pub-fest"]
    assert "calendar.ics" in result.written and "news.rss" in result.written
    views = json.loads((root / "views.json").read_bytes())
    assert not [v for v in views if v["source"] == "evil"]


def test_category_renamed_old_view_removed(tmp_path, out):
    root, _ = out
    evs = [replace(pe, categories=("Sprachkurse",)) if pe.uid == "pub-sprach" else pe
           for pe in events()]
    result = publish(tmp_path, evs)
    assert not (root / "calendar/sprache.ics").exists()
    assert set(result.removed) == {f"calendar/sprache.{x}" for x in ("ics", "rss", "json")} | {
        "termine/kategorie/sprache.html", "widget/calendar/sprache.json"}
    assert ics_uids(root / "calendar/sprachkurse.ics") == ["pub-sprach"]


def test_slugify():
    assert slugify("Feste & Märkte") == "feste-maerkte"
    assert slugify("Öffentliche Straßenfeste") == "oeffentliche-strassenfeste"
    assert slugify("Café Crème") == "cafe-creme"
    assert slugify("„“") .startswith("kategorie-")


def test_write_atomic(tmp_path):
    target = tmp_path / "sub" / "calendar.ics"
    assert write_atomic(target, b"eins") is True
    stat = target.stat()
    assert write_atomic(target, b"eins") is False
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_ino == stat.st_ino
    assert write_atomic(target, b"zwei") is True
    assert target.read_bytes() == b"zwei"
    assert os.listdir(target.parent) == ["calendar.ics"]


def test_temp_files_of_a_killed_writer_are_cleaned_up(tmp_path, out):
    root, _ = out
    leftovers = [root / ".calendar.ics.k1ll3d.tmp", root / "calendar" / ".x.json.abc.tmp"]
    for path in leftovers:
        path.write_bytes(b"half a file")
    publish(tmp_path)
    assert not [p for p in leftovers if p.exists()]


def test_events_json_names_each_events_category_views(tmp_path):
    """The widget filters by ``category_slugs``: they must be the category views' file
    names, so two spellings sharing calendar/fuehrung.ics share the widget box too."""
    evs = events()
    evs = [replace(evs[0], categories=("Führung",)), replace(evs[2], categories=("Fuehrung",)),
           *evs[3:]]
    publish(tmp_path, evs)
    out = tmp_path / "public"
    views = {p.stem for p in (out / "calendar").glob("*.ics")}
    doc = json.loads((out / "events.json").read_text(encoding="utf-8"))
    for entry in doc["events"]:
        assert set(entry["category_slugs"]) == {slugify(c) for c in entry["categories"]}
        assert set(entry["category_slugs"]) <= views
    cal = icalendar.Calendar.from_ical((out / "calendar" / "fuehrung.ics").read_bytes())
    in_view = {str(e["UID"]) for e in cal.walk("VEVENT")}
    in_box = {e["uid"] for e in doc["events"] if "fuehrung" in e["category_slugs"]}
    assert in_box == in_view and len(in_view) == 2


def test_widget_files_hold_the_next_occurrences_of_each_view(tmp_path, monkeypatch):
    """publish.widget: per view the occurrences the widget can show, in the view's order;
    of the publish day all, then AHEAD more; only the fields embed.js reads."""
    from syncsvc.publish import widget

    monkeypatch.setattr(widget, "AHEAD", 2)
    evs = events()
    result = publish(tmp_path, evs, now=NOW)
    root = tmp_path / "public"
    manifest = {v["path"] for v in json.loads((root / "views.json").read_bytes())}
    assert not [p for p in manifest if "widget" in p]
    pairs = {"widget/events.json": "events.json", "widget/sources/stadt.json": None,
             **{f"widget/calendar/{slug}.json": f"calendar/{slug}.json" for slug in
                ("begegnung", "kultur", "feste-maerkte", "sprache", "netzwerk")}}
    for path, view in pairs.items():
        assert path in result.written, path
        doc = json.loads((root / path).read_bytes())
        if view is None:  # a partner: the merged entries it takes part in
            full = [e for e in json.loads((root / "events.json").read_bytes())["events"]
                    if "stadt" in {s["id"] for s in e["sources"]}]
        else:
            full = json.loads((root / view).read_bytes())["events"]
        upcoming = [e for e in full if (e["end"] or e["start"]) >= "2026-03-01T12"]
        assert [e["start"] for e in doc["events"]] == [e["start"] for e in upcoming][
            :len(doc["events"])], path
        assert len(doc["events"]) == min(2, len(upcoming)), path  # nothing today: AHEAD
        assert doc["complete"] is (len(upcoming) <= 2), path
        for entry in doc["events"]:
            assert set(entry) <= set(widget.FIELDS) and "description" not in entry
            assert all(set(s) == {"id"} for s in entry["sources"])
    # an occurrence on the publish day does not count against AHEAD
    first = json.loads((root / "widget/events.json").read_bytes())["events"][0]["start"]
    same_day = publish(tmp_path, evs, now=datetime.fromisoformat(first) - timedelta(hours=1))
    assert "widget/events.json" in same_day.written
    doc = json.loads((root / "widget/events.json").read_bytes())
    full = json.loads((root / "events.json").read_bytes())["events"]
    that_day = [e["start"] for e in full if e["start"][:10] == first[:10]]
    assert len(that_day) == 2  # the Sprachkurs and the WIR Café
    assert [e["start"] for e in doc["events"]][:2] == that_day
    assert len(doc["events"]) == 2 + 2  # the publish day's, then AHEAD


def test_widget_files_of_other_languages_carry_their_words(tmp_path):
    publish(tmp_path, languages=("de", "ar"))
    root = tmp_path / "public"
    doc = json.loads((root / "ar/widget/calendar/begegnung.json").read_bytes())
    assert doc["language"] == "ar" and doc["writing_direction"] == "rtl"
    assert set(doc["labels"]) == {"none", "list", "list_category", "cancelled", "failed",
                                  "time"}
    german = json.loads((root / "widget/calendar/begegnung.json").read_bytes())
    assert "labels" not in german and len(doc["events"]) == len(german["events"])
    assert (root / "ar/widget/events.json").is_file()
    assert (root / "ar/widget/sources/ibb.json").is_file()
