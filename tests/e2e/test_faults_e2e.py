"""Faults through the whole service (issue 6): one partner misbehaves next to healthy ones.

Each case syncs once with good data, then lets the partner "wackel" break and runs
``Pipeline.sync_all`` + ``republish`` again. Checked every time: the healthy sources sync
(their new event appears), the broken source keeps its last good data published, every
output file parses back, and ``source_status`` names the problem in German.
Fetch-level details (timing, caps, redirects) live in tests/fetch/test_fetch_faults.py.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest
from werkzeug import Response

from syncsvc.fetch import Fetcher
from syncsvc.service.daemon import Daemon
from syncsvc.service.republish import republish
from syncsvc.service.status import source_status
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import DATA
from faultserver import FaultServer, closed_port, never_answer

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
H = DATA / "hostile"


# --- helpers shared with the other end-to-end test files ---------------------------------

def ics_body(*events: tuple[str, str, str]) -> bytes:
    """A small valid calendar; events are (uid, summary, DTSTART in UTC basic format)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//DE"]
    for uid, summary, start in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z",
                  f"DTSTART:{start}", f"SUMMARY:{summary}", "END:VEVENT"]
    return ("\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n").encode()


def rss_body(*items: tuple[str, str]) -> bytes:
    """A small valid RSS 2.0 feed; items are (guid, title) — titles must be XML-safe."""
    entries = "".join(
        f"<item><title>{title}</title><guid>{guid}</guid>"
        f"<link>https://wackel.example/{guid}</link>"
        f"<pubDate>Mon, 16 Nov 2026 10:00:00 +0100</pubDate></item>"
        for guid, title in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Partner</title><link>https://wackel.example/</link>"
            f"<description>x</description>{entries}</channel></rss>").encode()


def parse_outputs(out: Path) -> dict[str, object]:
    """Parse every published file completely; fail on any that does not.

    Returns relative path → parsed object (icalendar.Calendar, feedparser result, JSON).
    Temp files of an interrupted write (".name.xxx.tmp") are never served and skipped.
    """
    parsed: dict[str, object] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.suffix == ".ics":
            assert data.rstrip().endswith(b"END:VCALENDAR"), rel
            parsed[rel] = icalendar.Calendar.from_ical(data)
        elif path.suffix == ".rss":
            ET.fromstring(data)
            feed = feedparser.parse(data)
            assert feed.bozo == 0, (rel, feed.get("bozo_exception"))
            parsed[rel] = feed
        elif path.suffix == ".json":
            parsed[rel] = json.loads(data.decode("utf-8"))
        elif path.suffix == ".html":  # the public pages (publish.pages): whole documents
            assert data.startswith(b"<!doctype html>") and data.rstrip().endswith(b"</html>"), rel
            parsed[rel] = data.decode("utf-8")
        else:
            raise AssertionError(f"unexpected published file {rel}")
    assert "calendar.ics" in parsed and "news.rss" in parsed, sorted(parsed)
    return parsed


def summaries(out: Path, name: str = "calendar.ics") -> set[str]:
    cal = icalendar.Calendar.from_ical((out / name).read_bytes())
    return {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}


def news_titles(out: Path) -> set[str]:
    return {e.title for e in feedparser.parse((out / "news.rss").read_bytes()).entries}


def status_of(settings, store, source_id: str, now: datetime = NOW) -> dict:
    return next(r for r in source_status(settings, store, now) if r["id"] == source_id)


# --- the network: two healthy partners and two that will break ---------------------------

GOOD_ICS = ics_body(("w1@wackel", "Wackel-Treffen eins", "20270310T170000Z"),
                    ("w2@wackel", "Wackel-Treffen zwei", "20270317T170000Z"))
GOOD_RSS = rss_body(("w-news-1", "Wackel-Nachricht eins"), ("w-news-2", "Wackel-Nachricht zwei"))
GOOD_EVENTS = {"Wackel-Treffen eins", "Wackel-Treffen zwei"}
GOOD_NEWS = {"Wackel-Nachricht eins", "Wackel-Nachricht zwei"}


class Network:
    """pytest-httpserver answers per path; ``answers`` can be changed between syncs."""

    def __init__(self, httpserver, write_config):
        self.server = httpserver
        self.write_config = write_config
        self.round = 1
        self.answers: dict[str, tuple[int, bytes, dict]] = {
            "/wackel.ics": (200, GOOD_ICS, {"Content-Type": "text/calendar"}),
            "/wackel.rss": (200, GOOD_RSS, {"Content-Type": "application/rss+xml"}),
        }
        self.hits: dict[str, int] = {}
        for path in ("/gesund.ics", "/neues.rss", "/wackel.ics", "/wackel.rss"):
            httpserver.expect_request(path).respond_with_handler(self.handle)
        self.urls = {"wackel-kal": httpserver.url_for("/wackel.ics"),
                     "wackel-news": httpserver.url_for("/wackel.rss")}

    def handle(self, request):
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        if request.path == "/gesund.ics":  # a new event each round: proves it synced
            events = [("g1@gesund", "Gesund-Termin", "20270401T170000Z")]
            events += [(f"g{r}@gesund", f"Gesund-Runde {r}", f"2027040{r}T170000Z")
                       for r in range(2, self.round + 1)]
            return Response(ics_body(*events), headers={"Content-Type": "text/calendar"})
        if request.path == "/neues.rss":
            items = [(f"n{r}", f"Gesund-Nachricht {r}") for r in range(1, self.round + 1)]
            return Response(rss_body(*items), headers={"Content-Type": "application/rss+xml"})
        status, body, headers = self.answers[request.path]
        return Response(body, status=status, headers=headers)

    def settings(self):
        return self.write_config(f"""
            [[sources]]
            id = "gesund"
            name = "Gesunder Verein"
            url = "{self.server.url_for('/gesund.ics')}"
            kind = "ics"

            [[sources]]
            id = "neues"
            name = "Gesunde Nachrichten"
            url = "{self.server.url_for('/neues.rss')}"
            kind = "feed"

            [[sources]]
            id = "wackel-kal"
            name = "Wackliger Kalender"
            url = "{self.urls['wackel-kal']}"
            kind = "ics"

            [[sources]]
            id = "wackel-news"
            name = "Wacklige Nachrichten"
            url = "{self.urls['wackel-news']}"
            kind = "feed"
            """)


@pytest.fixture
def net(httpserver, write_config):
    network = Network(httpserver, write_config)
    settings = network.settings()
    store = Store(settings.database)
    yield network, store
    store.close()


def sync(network: Network, store: Store, now: datetime = NOW, sources=None):
    """One pass + republish with short fetch limits; returns (settings, reports, seconds)."""
    settings = replace(network.settings(), total_timeout_s=2.0, connect_timeout_s=1.0)
    fetcher = Fetcher(settings, backoff=(0.05, 0.05), max_retry_wait_s=1.0)
    started = time.monotonic()
    try:
        todo = [s for s in settings.sources if s.id in sources] if sources else None
        reports = Pipeline(settings, store, fetcher, clock=lambda: now).sync_all(todo)
        republish(settings, store, now)
    finally:
        fetcher.close()
    return settings, {r.source_id: r for r in reports}, time.monotonic() - started


def good_first_sync(network: Network, store: Store):
    settings, reports, _ = sync(network, store)
    assert all(r.ok for r in reports.values()), reports
    assert summaries(settings.output_dir) >= GOOD_EVENTS
    assert news_titles(settings.output_dir) >= GOOD_NEWS
    network.round = 2
    return settings


def assert_healthy_synced_and_kept(settings, reports, sid: str) -> None:
    """The healthy partners took their round-2 update; ``sid`` kept its last good data."""
    out = settings.output_dir
    assert reports["gesund"].ok and reports["neues"].ok, reports
    parse_outputs(out)
    assert "Gesund-Runde 2" in summaries(out)
    assert "Gesund-Nachricht 2" in news_titles(out)
    assert summaries(out) >= GOOD_EVENTS, "the failing source lost its published events"
    assert news_titles(out) >= GOOD_NEWS, "the failing source lost its published news"
    assert not reports[sid].ok


# --- failures of the whole source: last good data stays -----------------------------------

def _refused(network: Network, sid: str) -> None:
    network.urls[sid] = f"http://127.0.0.1:{closed_port()}/feed"


def _answer(status: int, body: bytes, headers: dict | None = None):
    def setup(network: Network, sid: str) -> None:
        path = "/wackel.ics" if sid == "wackel-kal" else "/wackel.rss"
        network.answers[path] = (status, body, headers or {})
    return setup


HTML_PAGE = (H / "html_error_page_200.html").read_bytes()
SOURCE_FAILURES = {
    # case id: (source, setup, words the admin reads in last_error, health)
    "connection_refused": ("wackel-kal", _refused, ["Verbindung abgelehnt"], "failing"),
    "503_retry_after": ("wackel-kal", _answer(503, b"busy", {"Retry-After": "3600"}),
                        ["HTTP 503", "vorübergehend nicht verfügbar", "3600 s"], "failing"),
    "500": ("wackel-news", _answer(500, b"oops"), ["HTTP 500", "Server des Partners"],
            "failing"),
    "404": ("wackel-kal", _answer(404, b"nope"), ["HTTP 404", "nicht gefunden"], "failing"),
    "410_gone": ("wackel-kal", _answer(410, b"weg"), ["HTTP 410", "dauerhaft entfernt"],
                 "gone"),
    "html_page_as_ics": ("wackel-kal", _answer(200, HTML_PAGE, {"Content-Type": "text/html"}),
                         ["kein iCalendar", "HTML-Seite"], "failing"),
    "html_page_as_feed": ("wackel-news", _answer(200, HTML_PAGE),
                          ["kein RSS/Atom-Feed", "HTML-Seite"], "failing"),
    "empty_200_ics": ("wackel-kal", _answer(200, b""), ["leere Antwort"], "failing"),
    "empty_200_feed": ("wackel-news", _answer(200, b""), ["leere Antwort"], "failing"),
    "whitespace_200_ics": ("wackel-kal", _answer(200, b"  \r\n\r\n "), ["leer"], "failing"),
    "ics_missing_end_vcalendar": ("wackel-kal", _answer(200, (
        H / "ics_missing_end_vcalendar.ics").read_bytes()), ["Antwort unvollständig"], "failing"),
    "billion_laughs": ("wackel-news", _answer(200, (H / "feed_billion_laughs.xml").read_bytes()),
                       ["Entity", "Sicherheitsgründen abgelehnt"], "failing"),
}


@pytest.mark.parametrize("case", sorted(SOURCE_FAILURES))
def test_failing_source_keeps_last_good_data_and_others_sync(net, case):
    network, store = net
    good_first_sync(network, store)
    sid, setup, words, health = SOURCE_FAILURES[case]
    setup(network, sid)
    settings, reports, took = sync(network, store)
    assert took < 15, f"{case}: sync took {took:.1f} s"
    assert_healthy_synced_and_kept(settings, reports, sid)
    row = status_of(settings, store, sid)
    assert row["health"] == health, row
    for word in words:
        assert word in row["last_error"], (word, row["last_error"])
    assert row["count"] == 2, "the held count must still describe the published data"
    assert status_of(settings, store, "gesund")["health"] == "ok"


def test_server_that_never_answers_is_cut_off(net):
    network, store = net
    good_first_sync(network, store)
    with FaultServer(never_answer, lifetime=30) as hang:
        network.urls["wackel-kal"] = hang.url
        settings, reports, took = sync(network, store)
    assert took < 10, f"the 2 s total limit did not fire ({took:.1f} s)"
    assert_healthy_synced_and_kept(settings, reports, "wackel-kal")
    row = status_of(settings, store, "wackel-kal")
    assert row["health"] == "failing" and "Zeitüberschreitung" in row["last_error"], row


def test_xxe_payload_leaks_nothing(net, tmp_path):
    network, store = net
    good_first_sync(network, store)
    secret = tmp_path / "geheim.txt"
    secret.write_text("STRENG-GEHEIM-4711\n", encoding="utf-8")
    body = (H / "feed_xxe_external_entity.xml").read_text().replace("{SECRET_PATH}", str(secret))
    _answer(200, body.encode())(network, "wackel-news")
    settings, reports, _ = sync(network, store)
    assert_healthy_synced_and_kept(settings, reports, "wackel-news")
    row = status_of(settings, store, "wackel-news")
    assert "Sicherheitsgründen abgelehnt" in row["last_error"], row
    for path in settings.output_dir.rglob("*"):
        if path.is_file():
            assert b"STRENG-GEHEIM" not in path.read_bytes(), path
    assert "STRENG-GEHEIM" not in json.dumps(source_status(settings, store, NOW))


# --- Retry-After: status says until when, the daemon waits --------------------------------

def test_503_retry_after_is_shown_and_the_daemon_waits(net):
    network, store = net
    settings = network.settings()
    daemon = Daemon(settings)
    daemon.store = store
    daemon.pipeline = Pipeline(settings, store, Fetcher(settings, backoff=(0.05,)))
    daemon._sync_one("wackel-kal")
    assert summaries(settings.output_dir) >= GOOD_EVENTS
    _answer(503, b"busy", {"Retry-After": "3600"})(network, "wackel-kal")
    daemon._sync_one("wackel-kal")
    hits = network.hits["/wackel.ics"]
    row = status_of(settings, store, "wackel-kal", datetime.now(UTC))
    until = datetime.fromisoformat(row["retry_after_until"].replace("Z", "+00:00"))
    assert timedelta(minutes=55) < until - datetime.now(UTC) <= timedelta(hours=1), row
    assert "erneut versuchen in 3600 s" in row["last_error"]
    daemon._sync_one("wackel-kal")
    daemon._sync_one("wackel-kal")
    assert network.hits["/wackel.ics"] == hits, "the daemon fetched before Retry-After"
    store.update_source("wackel-kal", retry_after_until="2000-01-01T00:00:00Z")
    daemon._sync_one("wackel-kal")
    assert network.hits["/wackel.ics"] > hits, "the daemon never tried again"
    assert summaries(settings.output_dir) >= GOOD_EVENTS
    daemon.pipeline.fetcher.close()


# --- staleness ---------------------------------------------------------------------------

def test_source_not_refreshed_for_stale_after_is_stale_and_keeps_its_events(net):
    network, store = net
    good_first_sync(network, store)
    later = NOW + timedelta(days=2)  # stale_after defaults to one day
    settings, reports, _ = sync(network, store, later, sources={"gesund", "neues"})
    assert set(reports) == {"gesund", "neues"}
    row = status_of(settings, store, "wackel-kal", later)
    assert row["health"] == "stale" and row["health_label"] == "veraltet" and row["stale"]
    assert status_of(settings, store, "gesund", later)["health"] == "ok"
    assert summaries(settings.output_dir) >= GOOD_EVENTS
    assert "Gesund-Runde 2" in summaries(settings.output_dir)


# --- ICS that breaks in known ways: good events kept, bad ones named ---------------------

ICS_QUIRKS = {
    # file: (summaries that must be published, words expected in skipped_sample or "")
    "ics_broken_line_folding.ics": ({"Infoabend Falten"}, ""),
    "ics_bad_dates.ics": ({"Gültiger Termin neben kaputten"}, "übersprungen"),
    "ics_dtend_before_dtstart.ics": ({"Ende vor Beginn"}, ""),
    "ics_year_9999.ics": ({"Gültiger Termin mit Ende 9999"}, "übersprungen"),
    "ics_rrule_without_end.ics": ({"Sprachcafé jede Woche"}, ""),
    "ics_rrule_secondly.ics": ({"Normaler Termin neben Sekundentakt"},
                               "Serie „Sekundentakt“ hätte mehr als"),
    "ics_rrule_secondly_starting_2030.ics": ({"Normaler Termin neben Sekundentakt ab 2030"},
                                             "Serie „Sekundentakt ab 2030“ hätte mehr als"),
    "ics_rrule_minutely.ics": ({"Normaler Termin neben Minutentakt"},
                               "Serie „Minutentakt“ hätte mehr als"),
}


@pytest.mark.parametrize("name", sorted(ICS_QUIRKS))
def test_broken_ics_publishes_what_is_usable_within_bounds(net, name):
    network, store = net
    good_first_sync(network, store)
    expected, skipped_words = ICS_QUIRKS[name]
    _answer(200, (H / name).read_bytes(), {"Content-Type": "text/calendar"})(network, "wackel-kal")
    cpu = time.process_time()
    settings, reports, took = sync(network, store)
    cpu = time.process_time() - cpu
    assert took < 10 and cpu < 10, f"{name}: {took:.1f} s wall, {cpu:.1f} s CPU"
    out = settings.output_dir
    parsed = parse_outputs(out)
    assert reports["wackel-kal"].ok, reports["wackel-kal"]
    assert "Gesund-Runde 2" in summaries(out)
    published = summaries(out, "sources/wackel-kal/calendar.ics")
    assert expected == published, published
    row = status_of(settings, store, "wackel-kal")
    assert row["health"] == "ok", row
    if skipped_words:
        assert row["skipped"] >= 1 and skipped_words in row["skipped_sample"], row
    cal = parsed["calendar.ics"]
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("DTSTART"), ev.get("DTEND")
        assert start.year < 2100, ev.to_ical()
        if end is not None:
            assert ev.decoded("DTEND") >= start, ev.to_ical()
    listed = parsed["sources/wackel-kal/events.json"]
    assert len(json.dumps(listed)) < 2_000_000
    assert b"FREQ=SECONDLY" not in (out / "calendar.ics").read_bytes()
    assert b"FREQ=MINUTELY" not in (out / "calendar.ics").read_bytes()


def test_endless_weekly_series_stays_a_series_and_is_listed_bounded(net):
    network, store = net
    good_first_sync(network, store)
    body = (H / "ics_rrule_without_end.ics").read_bytes()
    _answer(200, body, {"Content-Type": "text/calendar"})(network, "wackel-kal")
    settings, _, _ = sync(network, store)
    cal = parse_outputs(settings.output_dir)["sources/wackel-kal/calendar.ics"]
    (series,) = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Sprachcafé jede Woche"]
    assert "RRULE" in series and "UNTIL" not in series["RRULE"] and "COUNT" not in series["RRULE"]
    listed = json.loads((settings.output_dir / "sources/wackel-kal/events.json").read_bytes())
    n = sum(1 for e in listed["events"] if e["title"] == "Sprachcafé jede Woche")
    weeks = (settings.future_months * 30.44 + settings.past_days) / 7
    assert 10 < n <= weeks + 2, f"{n} listed occurrences of a weekly series"


# --- charset mislabel: umlauts survive into news.rss -------------------------------------

def test_latin1_feed_labelled_utf8_keeps_its_umlauts(net):
    network, store = net
    good_first_sync(network, store)
    body = (H / "feed_latin1_labelled_utf8.xml").read_bytes()
    _answer(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"})(
        network, "wackel-news")
    settings, reports, _ = sync(network, store)
    assert reports["wackel-news"].ok, reports["wackel-news"]
    parse_outputs(settings.output_dir)
    assert "Straßenfest für Groß und Klein in Idstein" in news_titles(settings.output_dir)
    rss = (settings.output_dir / "news.rss").read_text(encoding="utf-8")
    assert "Bürgerinnen und Bürger" in rss and "präsentieren" in rss
    assert "\ufffd" not in rss


# --- issue 15: a hostile RRULE costs bounded CPU -----------------------------------------

def _series_file(rule: str, n: int, dtstart: str = "20200101T100000Z") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//DE",
             "BEGIN:VEVENT", "UID:normal@wackel", "DTSTAMP:20261101T000000Z",
             "DTSTART:20270310T170000Z", "SUMMARY:Normaler Termin neben Endlos-Suche",
             "END:VEVENT"]
    for i in range(n):
        lines += ["BEGIN:VEVENT", f"UID:nie{i}@wackel", "DTSTAMP:20261101T000000Z",
                  f"DTSTART:{dtstart}", f"SUMMARY:Nie {i}", f"RRULE:{rule}", "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def _sync_series(net, body: bytes):
    network, store = net
    good_first_sync(network, store)
    _answer(200, body, {"Content-Type": "text/calendar"})(network, "wackel-kal")
    cpu = time.process_time()
    settings, reports, took = sync(network, store)
    cpu = time.process_time() - cpu
    cpu_again = time.process_time()
    republish(settings, store, NOW)
    return settings, store, reports, took, cpu, time.process_time() - cpu_again


def test_hostile_rrule_that_never_matches_costs_no_cpu(net):
    """30 events with FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 (4 KB) made one sync take 572 s:
    dateutil searched day by day up to the year 9999 for a 30 February."""
    body = _series_file("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", 30)
    settings, store, reports, took, cpu, republish_cpu = _sync_series(net, body)
    assert took < 5 and cpu < 5 and republish_cpu < 5, (took, cpu, republish_cpu)
    assert reports["wackel-kal"].ok
    assert summaries(settings.output_dir, "sources/wackel-kal/calendar.ics") == {
        "Normaler Termin neben Endlos-Suche"}
    row = status_of(settings, store, "wackel-kal")
    assert row["skipped"] == 30, row
    assert "Serie „Nie 0“ übersprungen: Wiederholungsregel ergibt nie einen Termin" in \
        row["skipped_sample"], row


def test_hostile_rrule_over_the_cpu_budget_is_refused_at_sync(net, monkeypatch):
    """A rule the static check lets through (leap day, every 4 years from an odd year:
    never a leap year) is stopped by the per-series CPU budget and named."""
    from syncsvc.recur import expand as expand_mod

    monkeypatch.setattr(expand_mod, "SERIES_BUDGET_S", 0.05)
    body = _series_file("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", 3,
                        dtstart="20210228T100000Z")
    settings, store, reports, took, cpu, _ = _sync_series(net, body)
    assert took < 5 and cpu < 3, (took, cpu)
    assert reports["wackel-kal"].ok
    assert summaries(settings.output_dir, "sources/wackel-kal/calendar.ics") == {
        "Normaler Termin neben Endlos-Suche"}
    row = status_of(settings, store, "wackel-kal")
    assert "Serie „Nie 0“ übersprungen: Wiederholungsregel zu aufwendig" in \
        row["skipped_sample"], row


def test_cpu_budget_stops_one_expansion_without_touching_the_others():
    from syncsvc.models import Event
    from syncsvc.recur.expand import expand

    base = Event(source_id="s", uid="u", summary="x", start="2021-02-28T10:00:00",
                 tzid="UTC", rrule="FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29")
    weekly = replace(base, uid="w", rrule="FREQ=WEEKLY", start="2026-11-02T10:00:00")
    begun = time.thread_time()
    exp = expand([base, weekly], NOW, NOW + timedelta(days=60), series_budget_s=0.05)
    assert time.thread_time() - begun < 0.5
    assert exp.over_budget == (("s", "u"),)
    assert len(exp.occurrences) == 8 and all(o.event.uid == "w" for o in exp.occurrences)


# --- issue 15: truncated or empty bodies never delete data --------------------------------

FORTY = ics_body(*[(f"v{i}@viele", f"Vierzig-Termin {i}", f"202704{1 + i % 28:02d}T1{i % 10}0000Z")
                   for i in range(40)])
FORTY_NEWS = rss_body(*[(f"viel-{i}", f"Viel-Nachricht {i}") for i in range(40)])


def _close_delimited(body: bytes, ctype: bytes):
    """200 without Content-Length: the body ends where the server closes the socket."""
    def handler(conn, server) -> None:
        server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype +
                    b"\r\nConnection: close\r\n\r\n" + body)
    return handler


def _first_sync_with(network, store, sid: str, body: bytes, ctype: str):
    path = "/wackel.ics" if sid == "wackel-kal" else "/wackel.rss"
    network.answers[path] = (200, body, {"Content-Type": ctype})
    settings, reports, _ = sync(network, store)
    assert reports[sid].ok, reports[sid]
    network.round = 2
    return settings


@pytest.mark.parametrize("kind", ["ics", "feed"])
def test_truncated_body_without_content_length_deletes_nothing(net, kind):
    """A 200 without Content-Length cut at 60 % was accepted: 16 of 40 events deleted."""
    network, store = net
    sid, body, ctype = (("wackel-kal", FORTY, b"text/calendar") if kind == "ics"
                        else ("wackel-news", FORTY_NEWS, b"application/rss+xml"))
    settings = _first_sync_with(network, store, sid, body, ctype.decode())
    with FaultServer(_close_delimited(body[: len(body) * 6 // 10], ctype), lifetime=20) as cut:
        network.urls[sid] = cut.url
        settings, reports, _ = sync(network, store)
    assert not reports[sid].ok and "unvollständig" in reports[sid].error, reports[sid]
    if kind == "ics":
        assert len(store.events(sid)) == 40
        assert len(summaries(settings.output_dir, f"sources/{sid}/calendar.ics")) == 40
    else:
        assert len(store.news(sid)) == 40
    assert reports["gesund"].ok and reports["neues"].ok
    parse_outputs(settings.output_dir)


@pytest.mark.parametrize("served", ["empty", "half"])
def test_news_shrink_guard_holds_an_empty_or_halved_feed(net, served):
    """News had no shrink guard: a valid empty RSS deleted all items, a short one half."""
    network, store = net
    settings = _first_sync_with(network, store, "wackel-news", FORTY_NEWS, "application/rss+xml")
    smaller = rss_body() if served == "empty" else rss_body(
        *[(f"viel-{i}", f"Viel-Nachricht {i}") for i in range(15)])
    _answer(200, smaller, {"Content-Type": "application/rss+xml"})(network, "wackel-news")
    settings, reports, _ = sync(network, store)
    assert len(store.news("wackel-news")) == 40
    assert sum(t.startswith("Viel-Nachricht") for t in news_titles(settings.output_dir)) == 40
    row = status_of(settings, store, "wackel-news")
    assert "Nachrichten" in row.get("held_reason", "") or "Nachrichten" in json.dumps(
        row, ensure_ascii=False), row
    for _ in range(settings.shrink_confirmations - 1):  # the smaller set persists: it applies
        sync(network, store)
    assert len(store.news("wackel-news")) == (0 if served == "empty" else 15)
