"""Hostile partner content through the whole pipeline into every published file (issue 6).

Each hostile input is one file under tests/data/hostile/ (named after the attack). All of
them are synced together as local sources, republished, and every output file is parsed
back and searched: no extra VEVENT or RSS item, no active content, no non-http(s) link,
no control characters in titles, no credentials anywhere.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import icalendar
import pytest
from test_faults_e2e import parse_outputs
from werkzeug import Response

from syncsvc.service.republish import republish
from syncsvc.service.status import source_status
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import DATA

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
H = DATA / "hostile"
HOSTILE = {  # source id → (file, kind)
    "crlf": ("ics_crlf_begin_vevent_in_summary.ics", "ics"),
    "xmlbreak": ("ics_xml_breakers_in_title.ics", "ics"),
    "aktiv": ("ics_script_iframe_urls.ics", "ics"),
    "ctrl": ("ics_control_characters.ics", "ics"),
    "news-break": ("feed_crlf_and_xml_breakers_in_title.xml", "feed"),
    "news-aktiv": ("feed_script_iframe_urls.xml", "feed"),
    "news-ctrl": ("feed_control_characters.xml", "feed"),
}
EXPECTED_EVENTS = 1 + 1 + 4 + 1  # VEVENTs in the hostile .ics files
EXPECTED_NEWS = 3 + 4 + 2  # items in the hostile feeds
# "script" alone would match DESCRIPTION; every form a tag or its escaped text takes:
FORBIDDEN = re.compile(rb"(?:<|&lt;|\\u003c)\s*/?\s*script|script\s*(?:>|&gt;)|iframe|onerror|"
                       rb"onload|onclick|onmouseover|javascript|data:|ftp:|file:|<svg|<style|"
                       rb"alert\(", re.IGNORECASE)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Sync all hostile sources once; yield (settings, store, output dir)."""
    from syncsvc import config as cfg

    root = tmp_path_factory.mktemp("hostile")
    (root / "feeds").mkdir()
    (root / "config").mkdir()
    tables = []
    for sid, (name, kind) in HOSTILE.items():
        shutil.copy(H / name, root / "feeds" / name)
        tables.append(f'[[sources]]\nid = "{sid}"\nname = "Böse Quelle {sid}"\n'
                      f'url = "../feeds/{name}"\nkind = "{kind}"\n')
    path = root / "config" / "syncsvc.toml"
    path.write_text('[service]\nname = "WIR in Idstein"\noutput_dir = "../public"\n'
                    'database = "../var/syncsvc.db"\n\n' + "\n".join(tables), encoding="utf-8")
    settings = cfg.load(path)
    store = Store(settings.database)
    reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
    assert all(r.ok for r in reports), [(r.source_id, r.error) for r in reports if not r.ok]
    republish(settings, store, NOW)
    yield settings, store, settings.output_dir
    store.close()


def outputs(out):
    return {p.relative_to(out).as_posix(): _own_markup_removed(p)
            for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")
            and p.name != "abonnieren.html"}  # the guide: our text only, no partner data


def _own_markup_removed(path):
    """A public page's own stylesheet, JSON-LD wrapper and skip link are ours, not
    partner content: the checks below apply to everything else in the page."""
    data = path.read_bytes()
    if path.suffix != ".html":
        return data
    from syncsvc.publish.pages.layout import STYLE

    data = data.replace(f"<style>{STYLE}</style>".encode(), b"", 1)
    data = data.replace(b'<script type="application/ld+json">', b"", 1)
    data = data.replace(b"</script>", b"", 1)
    data = data.replace(b'href="#inhalt"', b'href="https://self/#inhalt"', 1)
    return data.replace(b'href="webcal://', b'href="https://')  # our subscribe links


def test_every_output_parses_and_no_entry_was_injected(published):
    settings, store, out = published
    parsed = parse_outputs(out)
    raw = (out / "calendar.ics").read_bytes()
    cal = parsed["calendar.ics"]
    assert len(cal.walk("VEVENT")) == EXPECTED_EVENTS == len(store.events())
    assert raw.count(b"\r\nBEGIN:VEVENT\r\n") == EXPECTED_EVENTS
    assert raw.count(b"\r\nEND:VEVENT\r\n") == EXPECTED_EVENTS
    titles = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert not any(t.startswith(("Eingeschleust", "Auch eingeschleust", "Ort eingeschleust"))
                   for t in titles), titles
    crlf = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Harmlos"))
    assert "\n" not in str(crlf["SUMMARY"]) and "\r" not in str(crlf["SUMMARY"])
    news = ET.fromstring((out / "news.rss").read_bytes()).findall("channel/item")
    assert len(news) == EXPECTED_NEWS == len(parsed["news.rss"].entries)
    events_rss = ET.fromstring((out / "events.rss").read_bytes()).findall("channel/item")
    assert len(events_rss) == EXPECTED_EVENTS
    assert len(parsed["feed.json"]["items"]) == EXPECTED_NEWS
    assert len(parsed["events.json"]["events"]) == EXPECTED_EVENTS
    news_titles = [e.title for e in parsed["news.rss"].entries]
    assert not any(t.startswith(("Eingeschleust", "Auch eingeschleust")) for t in news_titles)
    assert any(t.startswith("Ende ]]>") for t in news_titles), news_titles
    assert any("]]>" in str(e["SUMMARY"]) for e in cal.walk("VEVENT")), titles


def test_no_active_content_or_foreign_scheme_in_any_file(published):
    _, _, out = published
    files = outputs(out)
    assert len(files) > 20  # main outputs, per-source views, views.json
    for rel, data in files.items():
        hit = FORBIDDEN.search(data)
        assert hit is None, (rel, data[max(0, hit.start() - 80): hit.end() + 80])


def test_only_http_links_are_published(published):
    _, _, out = published
    for rel, data in outputs(out).items():
        text = data.decode("utf-8")
        for href in re.findall(r'href=(?:"|&quot;|\\")([^"&\\]*)', text):
            assert href.startswith(("https://", "http://", "mailto:")), (rel, href)
    cal = icalendar.Calendar.from_ical((out / "calendar.ics").read_bytes())
    for ev in cal.walk("VEVENT"):
        if "URL" in ev:
            assert str(ev["URL"]).startswith(("https://", "http://")), ev["URL"]
    for entry in feedparser.parse((out / "news.rss").read_bytes()).entries:
        for link in [entry.get("link", "")] + [x.get("href", "") for x in entry.get("links", [])]:
            assert not link or link.startswith(("https://", "http://")), link
    for item in json.loads((out / "feed.json").read_bytes())["items"]:
        for key in ("url", "external_url"):
            assert item.get(key, "https://").startswith(("https://", "http://")), item


def test_titles_carry_no_markup_or_control_characters(published):
    _, _, out = published
    parsed = parse_outputs(out)
    titles = [str(e["SUMMARY"]) for e in parsed["calendar.ics"].walk("VEVENT")]
    titles += [str(e["LOCATION"]) for e in parsed["calendar.ics"].walk("VEVENT")
               if "LOCATION" in e]
    titles += [e.title for e in parsed["news.rss"].entries]
    titles += [e["title"] for e in parsed["events.json"]["events"]]
    titles += [i["title"] for i in parsed["feed.json"]["items"]]
    for t in titles:
        assert not CONTROL.search(t), repr(t)
        assert "<img" not in t and "<script" not in t, t
    assert any(t.startswith("Glocke") and "rot" in t for t in titles), titles
    assert "Kochabend" in titles and "Sommerfest" in titles, titles


# --- credentials from the environment never leak ------------------------------------------

SECRET_USER, SECRET_PASS = "idstein-partner", "Pa55-GEHEIM-w0rt"
TOKEN = "tok-GEHEIM-0815"


def _leaks(text: str) -> list[str]:
    basic = base64.b64encode(f"{SECRET_USER}:{SECRET_PASS}".encode()).decode()
    return [s for s in (SECRET_PASS, TOKEN, basic, "GEHEIM") if s in text]


@pytest.mark.parametrize("wrong", [False, True], ids=["accepted", "rejected"])
def test_credentials_from_env_never_reach_outputs_logs_or_status(
        httpserver, write_config, monkeypatch, caplog, wrong):
    good_basic = "Basic " + base64.b64encode(f"{SECRET_USER}:{SECRET_PASS}".encode()).decode()
    monkeypatch.setenv("PARTNER_AUTH", f"{SECRET_USER}:{SECRET_PASS}")
    monkeypatch.setenv("PARTNER_TOKEN", TOKEN)
    seen: list[str] = []

    def guarded(expected: str, body: bytes, ctype: str):
        def handle(request):
            seen.append(request.headers.get("Authorization", ""))
            if wrong or request.headers.get("Authorization") != expected:
                return Response("Anmeldung nötig", status=401,
                                headers={"WWW-Authenticate": 'Basic realm="p"'})
            return Response(body, headers={"Content-Type": ctype})
        return handle

    ics = (DATA / "pipeline" / "partner_two_events.ics").read_bytes()
    rss = (DATA / "pipeline" / "news_two_items.rss").read_bytes()
    httpserver.expect_request("/geschuetzt.ics").respond_with_handler(
        guarded(good_basic, ics, "text/calendar"))
    httpserver.expect_request("/geschuetzt.rss").respond_with_handler(
        guarded(f"Bearer {TOKEN}", rss, "application/rss+xml"))
    settings = write_config(f"""
        [[sources]]
        id = "basic"
        name = "Geschützter Kalender"
        url = "{httpserver.url_for('/geschuetzt.ics')}"
        kind = "ics"
        auth_env = "PARTNER_AUTH"

        [[sources]]
        id = "bearer"
        name = "Geschützte Nachrichten"
        url = "{httpserver.url_for('/geschuetzt.rss')}"
        kind = "feed"
        token_env = "PARTNER_TOKEN"
        """)
    assert "GEHEIM" not in settings.config_path.read_text()
    caplog.set_level(logging.DEBUG)
    store = Store(settings.database)
    try:
        reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
        republish(settings, store, NOW)
        status = json.dumps(source_status(settings, store, NOW), ensure_ascii=False)
        db_dump = "\n".join(store.db.conn.iterdump())
    finally:
        store.close()
    assert good_basic in seen and f"Bearer {TOKEN}" in seen  # the secrets were really used
    assert all(r.ok != wrong for r in reports), reports
    if wrong:
        assert "HTTP 401" in status and "Anmeldung erforderlich" in status
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert not _leaks(logs), _leaks(logs)
    assert not _leaks(status), status
    assert not _leaks(db_dump)
    for rel, data in outputs(settings.output_dir).items():
        assert not _leaks(data.decode("utf-8")), rel


# --- issue 15: secrets in a source URL are never republished -------------------------------

URL_USER, URL_PASS, URL_TOKEN = "nutzer", "PW-GEHEIM-URL", "TOKEN-GEHEIM-URL"
RELATIVE_FEED = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Partner</title><link>#start</link><description>x</description>
<item><title>Anker</title><link>#anker</link><guid isPermaLink="false">a1</guid>
<description>&lt;p&gt;&lt;a href=""&gt;leer&lt;/a&gt; &lt;a href="?page=2"&gt;Seite 2&lt;/a&gt;
&lt;a href="#oben"&gt;oben&lt;/a&gt;&lt;/p&gt;</description></item>
<item><title>Ohne Link</title><guid isPermaLink="false">a2</guid>
<description>&lt;a href=""&gt;hier&lt;/a&gt; und &lt;a href="?x=1"&gt;da&lt;/a&gt;
</description></item>
<item><title>Abfrage</title><link>?page=3</link><guid isPermaLink="false">a3</guid></item>
</channel></rss>"""
RELATIVE_ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//DE\r\nBEGIN:VEVENT\r\n"
                b"UID:rel1@p\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20270310T170000Z\r\n"
                b"SUMMARY:Relativ\r\nURL:?page=2\r\nDESCRIPTION:<a href=\"\">leer</a> "
                b"<a href=\"#x\">x</a>\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_source_url_secrets_never_reach_any_output(httpserver, write_config):
    """Relative links resolved against ``https://user:pass@host/feed?token=…`` once
    republished the password and the token in news.rss and feed.json."""
    httpserver.expect_request("/feed").respond_with_data(
        RELATIVE_FEED, content_type="application/rss+xml")
    httpserver.expect_request("/kal").respond_with_data(RELATIVE_ICS, content_type="text/calendar")
    host = f"{URL_USER}:{URL_PASS}@127.0.0.1:{httpserver.port}"
    settings = write_config(f"""
        [[sources]]
        id = "geheim-news"
        name = "Nachrichten mit Token"
        url = "http://{host}/feed?token={URL_TOKEN}"
        kind = "feed"

        [[sources]]
        id = "geheim-kal"
        name = "Kalender mit Token"
        url = "http://{host}/kal?token={URL_TOKEN}&x=1"
        kind = "ics"
        """)
    store = Store(settings.database)
    try:
        reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
        assert all(r.ok for r in reports), [(r.source_id, r.error) for r in reports]
        republish(settings, store, NOW)
        status = json.dumps(source_status(settings, store, NOW), ensure_ascii=False)
    finally:
        store.close()
    files = outputs(settings.output_dir)
    assert "news.rss" in files and "feed.json" in files
    assert b"Anker" in files["news.rss"]
    for rel, data in files.items():
        for secret in (URL_PASS, URL_TOKEN, URL_USER + ":"):
            assert secret.encode() not in data, (rel, secret)
    assert URL_PASS not in status and URL_TOKEN not in status
