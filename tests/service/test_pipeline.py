"""The whole path over real HTTP on 127.0.0.1 with a real SQLite file.

fetch → parse → normalize → store → dedupe → publish, then every output parsed back.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import feedparser
import icalendar
import pytest
from werkzeug import Response

from syncsvc import logs
from syncsvc.service.republish import republish
from syncsvc.service.status import source_status
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import DATA

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
P = DATA / "pipeline"


def sources(httpserver) -> str:
    return f"""
    [[sources]]
    id = "verein"
    name = "Verein für Begegnung e.V."
    url = "{httpserver.url_for('/events.ics')}"
    kind = "ics"
    categories = ["Begegnung"]

    [[sources]]
    id = "news"
    name = "Verein Neuigkeiten"
    url = "{httpserver.url_for('/news.rss')}"
    kind = "feed"
    """


class Upstream:
    """What the partner server currently answers, with ETag-based conditional GET."""

    def __init__(self, httpserver):
        self.files = {"/events.ics": P / "partner_two_events.ics",
                      "/news.rss": P / "news_two_items.rss"}
        self.status = 200
        self.conditional_hits = 0
        httpserver.expect_request("/events.ics").respond_with_handler(self.handle)
        httpserver.expect_request("/news.rss").respond_with_handler(self.handle)

    def handle(self, request):
        if self.status != 200:
            return Response("kaputt", status=self.status)
        body = self.files[request.path].read_bytes()
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            self.conditional_hits += 1
            return Response(status=304, headers={"ETag": etag})
        ctype = "text/calendar" if request.path.endswith(".ics") else "application/rss+xml"
        return Response(body, headers={"ETag": etag, "Content-Type": ctype})


@pytest.fixture
def env(httpserver, write_config):
    upstream = Upstream(httpserver)
    settings = write_config(sources(httpserver))
    store = Store(settings.database)
    yield settings, store, upstream
    store.close()


def sync(settings, store):
    reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
    republish(settings, store, NOW)
    return {r.source_id: r for r in reports}


def calendar(settings) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical((settings.output_dir / "calendar.ics").read_bytes())


def summaries(settings) -> set[str]:
    return {str(e["SUMMARY"]) for e in calendar(settings).walk("VEVENT")}


def test_sync_publishes_calendar_and_news_that_parse_back(env):
    settings, store, _ = env
    reports = sync(settings, store)
    assert all(r.ok for r in reports.values()), reports
    cal = calendar(settings)
    assert summaries(settings) == {"Grillfest „Über den Tellerrand“", "Lesung: Märchen aus Syrien"}
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Berlin"}
    assert str(cal["X-WR-CALNAME"]).startswith("WIR in Idstein")
    grill = next(e for e in cal.walk("VEVENT") if "Grillfest" in str(e["SUMMARY"]))
    assert grill.decoded("dtstart") == datetime(2027, 6, 12, 16, 0, tzinfo=UTC)
    assert "Begegnung" in [str(c) for c in grill.get("categories").cats]
    assert "Verein für Begegnung e.V." in str(grill["DESCRIPTION"])
    feed = feedparser.parse((settings.output_dir / "news.rss").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == ["Schöne Grüße aus der Kleiderkammer",
                                              "Helfer*innen für das Sommerfest gesucht"]


def test_unchanged_upstream_answers_304_and_nothing_is_rewritten(env):
    settings, store, upstream = env
    sync(settings, store)
    out = settings.output_dir / "calendar.ics"
    before = (out.read_bytes(), out.stat().st_mtime_ns)
    reports = sync(settings, store)
    assert upstream.conditional_hits == 2
    assert all(r.not_modified and not r.changed for r in reports.values())
    assert (out.read_bytes(), out.stat().st_mtime_ns) == before


def test_failing_source_keeps_its_last_good_events(env):
    settings, store, upstream = env
    sync(settings, store)
    upstream.status = 500
    reports = sync(settings, store)
    assert not reports["verein"].ok and "500" in reports["verein"].error
    assert len(summaries(settings)) == 2
    row = next(r for r in source_status(settings, store, NOW) if r["id"] == "verein")
    assert row["health"] == "failing" and row["count"] == 2 and "500" in row["last_error"]


def test_vanished_events_leave_the_calendar(env):
    settings, store, upstream = env
    sync(settings, store)
    upstream.files["/events.ics"] = P / "partner_one_event_left.ics"
    assert sync(settings, store)["verein"].changed
    assert summaries(settings) == {"Grillfest „Über den Tellerrand“"}
    assert len(store.events("verein")) == 1


def test_sudden_shrink_is_held_until_it_persists(env):
    settings, store, upstream = env
    upstream.files["/events.ics"] = P / "partner_ten_upcoming.ics"
    sync(settings, store)
    assert len(store.events("verein")) == 10
    upstream.files["/events.ics"] = P / "partner_one_event_left.ics"
    for _ in range(settings.shrink_confirmations - 1):
        sync(settings, store)
        row = next(r for r in source_status(settings, store, NOW) if r["id"] == "verein")
        assert row["health"] == "shrink-held" and "nur noch 1 statt 10" in row["held"]
        assert len(summaries(settings)) == 10
    sync(settings, store)  # the small set persisted: now it applies
    assert summaries(settings) == {"Grillfest „Über den Tellerrand“"}


def test_admin_accepts_a_held_set(env):
    settings, store, upstream = env
    upstream.files["/events.ics"] = P / "partner_ten_upcoming.ics"
    sync(settings, store)
    upstream.files["/events.ics"] = P / "partner_one_event_left.ics"
    sync(settings, store)
    assert len(store.events("verein")) == 10
    assert Pipeline(settings, store, clock=lambda: NOW).accept("verein")
    republish(settings, store, NOW)
    assert summaries(settings) == {"Grillfest „Über den Tellerrand“"}


def test_same_data_gives_the_same_bytes_across_restarts(env):
    settings, store, _ = env
    sync(settings, store)
    first = {p.name: p.read_bytes() for p in settings.output_dir.glob("*.*")}
    store.close()
    (settings.output_dir / "calendar.ics").unlink()
    again = Store(settings.database)
    republish(settings, again, datetime(2026, 11, 25, tzinfo=UTC))
    again.close()
    second = {p.name: p.read_bytes() for p in settings.output_dir.glob("*.*")}
    assert second["calendar.ics"] == first["calendar.ics"]
    assert second["news.rss"] == first["news.rss"]


def test_json_log_lines_of_a_sync_carry_source_as_a_field(env):
    settings, store, _ = env
    stream = io.StringIO()
    logs.setup("json", stream=stream)
    sync(settings, store)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    synced = [d for d in lines if d["msg"].startswith("synced:")]
    assert {d["source"] for d in synced} == {"verein", "news"}
    assert all(d["stage"] == "sync" and isinstance(d["duration_ms"], int) for d in synced)
    assert not any(d["msg"].startswith("source=") for d in lines if "source" in d)


def test_text_log_lines_keep_showing_source_equals_id(env):
    settings, store, _ = env
    stream = io.StringIO()
    logs.setup("text", stream=stream)
    sync(settings, store)
    synced = [line for line in stream.getvalue().splitlines() if "msg='synced:" in line]
    assert len(synced) == 2 and all(" source=verein " in line or " source=news " in line
                                    for line in synced)
