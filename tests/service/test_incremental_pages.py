"""Incremental pages (publish.memo): a page is rendered only when its inputs changed.

Before: every publish rendered every occurrence's HTML page and single-event .ics in
every language, so one partner editing one event re-rendered tens of thousands of pages
(most of a "1 % changed" pass). Now each page carries the key of its inputs; the test
pins that an unchanged page is not rendered, a changed one is, and that the tree an
incremental publish leaves is byte for byte the tree of a full publish.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncsvc.publish import memo
from syncsvc.publish import pages as pages_mod
from syncsvc.service import republish as rp
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(one_partner):
    settings, feed = one_partner('languages = ["de", "en", "ar"]')
    with Store(settings.database) as store:
        yield settings, store, feed


@pytest.fixture
def rendered(monkeypatch):
    """The events whose HTML page was rendered (summary per call)."""
    calls: list[str] = []
    real = pages_mod.render_page

    def counting(e, site, links):
        calls.append(e.listed.published.event.summary)
        return real(e, site, links)

    monkeypatch.setattr(pages_mod, "render_page", counting)
    return calls


def _pass(settings, store) -> tuple[str, ...]:
    Pipeline(settings, store, clock=lambda: NOW).sync_all()
    return rp.republish(settings, store, NOW).changed_files


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_unchanged_pages_are_not_rendered_again(env, rendered):
    settings, store, _ = env
    _pass(settings, store)
    assert len(rendered) == 2 * 3  # two events, three languages
    rendered.clear()
    changed = _pass(settings, store)
    assert rendered == []
    assert not [p for p in changed if "/e/" in p]


def test_one_edited_event_renders_only_its_own_pages(env, rendered):
    settings, store, feed = env
    _pass(settings, store)
    grill = [p for p in _tree(settings.output_dir) if p.endswith(".html") and
             "Grillfest" in (settings.output_dir / p).read_text(encoding="utf-8")
             and "/e/" in p]
    stamps = {p: (settings.output_dir / p).stat().st_mtime_ns for p in grill}
    rendered.clear()
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "Lesung: Märchen aus Syrien", "Lesung: Märchen aus Syrien und Eritrea"),
        encoding="utf-8")
    changed = _pass(settings, store)
    assert set(rendered) == {"Lesung: Märchen aus Syrien und Eritrea"}
    assert len(rendered) == 3  # its page in each language
    assert grill and all((settings.output_dir / p).stat().st_mtime_ns == stamps[p]
                         for p in grill)
    assert any("/e/" in p and p.endswith(".ics") for p in changed)


def test_incremental_tree_equals_a_full_publish(env, tmp_path):
    settings, store, feed = env
    _pass(settings, store)
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "Bürgerhaus Idstein", "Stadthalle Idstein", 1), encoding="utf-8")
    _pass(settings, store)
    incremental = _tree(settings.output_dir)
    store.save_page_keys({})  # forget every key: the next publish renders every page
    kept = {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("fragments", "expansions")}
    assert kept["fragments"], kept  # the incremental passes used kept fragments (no series)
    with store.db.conn:  # and the full one renders and expands everything itself
        store.db.execute("DELETE FROM fragments")
        store.db.execute("DELETE FROM expansions")
    full_dir = tmp_path / "full"
    full = rp.republish(replace(settings, output_dir=full_dir), store, NOW)
    assert full.events
    assert _tree(full_dir) == incremental


def test_a_deleted_page_file_is_written_again(env, rendered):
    settings, store, _ = env
    _pass(settings, store)
    page = next(p for p in _tree(settings.output_dir) if "/e/" in p and p.endswith(".html"))
    (settings.output_dir / page).unlink()
    rendered.clear()
    _pass(settings, store)
    assert (settings.output_dir / page).is_file()
    assert len(rendered) == 1


def test_new_rendering_code_renders_every_page(env, rendered, monkeypatch):
    settings, store, _ = env
    _pass(settings, store)
    rendered.clear()
    monkeypatch.setattr(memo, "code_version", lambda: "another version")
    _pass(settings, store)
    assert len(rendered) == 2 * 3


def test_listing_pages_without_the_edited_event_are_not_rendered(env, monkeypatch):
    from syncsvc.publish.pages import listing as listing_mod

    settings, store, feed = env
    feed.write_text(feed.read_text(encoding="utf-8").replace("20270612", "20270712"),
                    encoding="utf-8")  # the Grillfest in July, the Lesung in June
    paths: list[str] = []
    real = listing_mod.listing

    def counting(site, links, title, intro, entries, path, nav=""):
        paths.append(f"{links.lang}:{path}")
        return real(site, links, title, intro, entries, path, nav)

    monkeypatch.setattr(listing_mod, "listing", counting)
    _pass(settings, store)
    first = set(paths)
    assert any("2027-07" in p for p in first) and any("2027-06" in p for p in first)
    paths.clear()
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "Lesung: Märchen aus Syrien", "Lesung: Märchen aus Eritrea"), encoding="utf-8")
    _pass(settings, store)
    assert paths and not [p for p in paths if "2027-07" in p]  # July lists no Lesung
    assert {p for p in first if "2027-06" in p} <= set(paths)


def test_views_without_the_edited_event_are_not_rendered_again(env, tmp_path, monkeypatch):
    """Views are keyed too: an edit re-renders the views listing the event (the main and
    language calendars), not a category view it is not in; the bytes equal a full run."""
    from syncsvc.publish import views as views_mod

    settings, store, feed = env
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "SUMMARY:Grillfest", "CATEGORIES:Feste\nSUMMARY:Grillfest"), encoding="utf-8")
    titles: list[str] = []
    real = views_mod.calendar_chunks

    def counting(ordered, blocks, **kw):
        titles.append(kw["self_path"])
        return real(ordered, blocks, **kw)

    monkeypatch.setattr(views_mod, "calendar_chunks", counting)
    _pass(settings, store)
    assert "/calendar/feste.ics" in titles and "/calendar.ics" in titles
    titles.clear()
    _pass(settings, store)
    assert titles == []  # nothing changed: no view rendered
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "Lesung: Märchen aus Syrien", "Lesung: Märchen aus Eritrea"), encoding="utf-8")
    changed = _pass(settings, store)
    assert "/calendar.ics" in titles and "/calendar/feste.ics" not in titles
    assert {"calendar.ics", "en/calendar.ics", "ar/calendar.ics", "events.json"} <= set(changed)
    incremental = _tree(settings.output_dir)
    store.save_page_keys({})
    rp.republish(replace(settings, output_dir=tmp_path / "full"), store, NOW)
    assert _tree(tmp_path / "full") == incremental


SERIES = """BEGIN:VEVENT
UID:cafe@verein
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261203T170000
DTEND;TZID=Europe/Berlin:20261203T190000
RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=30
EXDATE;TZID=Europe/Berlin:20261224T170000
SUMMARY:Sprachcafé „Deutsch für alle“
LOCATION:Café Löwenzahn
END:VEVENT
BEGIN:VEVENT
UID:cafe@verein
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20261210T170000
DTSTART;TZID=Europe/Berlin:20261211T180000
DTEND;TZID=Europe/Berlin:20261211T200000
SUMMARY:Sprachcafé „Deutsch für alle“ (Freitag)
LOCATION:Bürgerhaus Idstein
END:VEVENT
END:VCALENDAR"""


def test_a_series_from_kept_expansions_equals_a_cold_publish(env, tmp_path):
    """The second pass takes the series' dates and the views' items from the store; a
    publish that renders and expands everything itself leaves the same bytes."""
    settings, store, feed = env
    feed.write_text(feed.read_text(encoding="utf-8").replace("END:VCALENDAR", SERIES),
                    encoding="utf-8")
    _pass(settings, store)
    assert store.db.execute("SELECT count(*) FROM expansions").fetchone()[0] > 0
    feed.write_text(feed.read_text(encoding="utf-8").replace(
        "Lesung: Märchen aus Syrien", "Lesung: Märchen aus Eritrea"), encoding="utf-8")
    Pipeline(settings, store, clock=lambda: NOW).sync_all()
    rp.republish(settings, store, NOW.replace(hour=15))  # three hours later: the same day
    incremental = _tree(settings.output_dir)
    assert b"Freitag" in incremental["calendar.ics"] and b"EXDATE" in incremental[
        "calendar.ics"]
    store.save_page_keys({})
    with store.db.conn:
        store.db.execute("DELETE FROM fragments")
        store.db.execute("DELETE FROM expansions")
    full_dir = tmp_path / "full"
    rp.republish(replace(settings, output_dir=full_dir), store, NOW.replace(hour=15))
    assert _tree(full_dir) == incremental


def test_recorded_keys_are_the_run_s_whether_or_not_the_old_ones_are_passed(env):
    """The republish hands ``save_page_keys`` the keys it read before publishing instead
    of reading 200,000 rows again; either way the table ends as this run's keys."""
    _, store, _ = env
    store.save_page_keys({"a/index.html": "1", "b/index.html": "2"})
    before = store.page_keys()
    store.save_page_keys({"a/index.html": "1", "c/index.html": "3"}, before)
    assert store.page_keys() == {"a/index.html": "1", "c/index.html": "3"}
    store.save_page_keys({"c/index.html": "4"})
    assert store.page_keys() == {"c/index.html": "4"}
