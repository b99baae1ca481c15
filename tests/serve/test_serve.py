"""The serve stage over real HTTP: waitress on 127.0.0.1, files in tmp_path."""

from __future__ import annotations

import gzip
import http.client
import json
import os
from pathlib import Path

import pytest
import requests

from syncsvc.config import Settings
from syncsvc.serve import STATIC_DIR, FileCache, make_app, stop

from conftest import start_server

BASE_URL = "https://termine.example.org"
HOSTILE = '<script>alert("x")</script>'
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//syncsvc test//DE\r\n"
       + "".join(f"BEGIN:VEVENT\r\nUID:e{i}@test\r\nDTSTAMP:20250101T000000Z\r\n"
                 f"DTSTART:2030010{i}T180000Z\r\nSUMMARY:Begegnungscafé {i}\r\nEND:VEVENT\r\n"
                 for i in range(1, 6))
       + "END:VCALENDAR\r\n")
RSS = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
       "<title>WIR in Idstein</title><link>https://example.org/</link>"
       "<description>Nachrichten für Idstein</description>"
       + "".join(f"<item><title>Nachricht {i}</title><guid>n{i}</guid></item>" for i in range(5))
       + "</channel></rss>")
EVENTS = {"version": 1, "title": "WIR in Idstein", "events": [
    {"id": f"e{i}", "uid": f"e{i}@test", "title": f"Sprachcafé {i}",
     "start": f"2030-01-0{i}T19:00:00+01:00", "end": f"2030-01-0{i}T21:00:00+01:00",
     "all_day": False, "timezone": "Europe/Berlin", "location": "Löherplatz", "url": "",
     "description": "", "categories": ["Begegnung"], "sources": [], "status": "confirmed"}
    for i in range(1, 6)]}
FILES = {
    "calendar.ics": ICS, "news.rss": RSS, "events.rss": RSS,
    "feed.json": json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Nachrichten",
                             "items": [{"id": str(i), "content_text": "ü" * 50}
                                       for i in range(5)]}, ensure_ascii=False),
    "events.json": json.dumps(EVENTS, ensure_ascii=False),
    "calendar/begegnung.ics": ICS, "sources/ibb/calendar.ics": ICS, "sources/ibb/news.rss": RSS,
    "calendar/bühne.ics": ICS,
}
VIEWS = [
    {"path": "/calendar.ics", "title": "Alle Termine", "kind": "ics", "category": "", "source": ""},
    {"path": "/news.rss", "title": "Nachrichten", "kind": "rss", "category": "", "source": ""},
    {"path": "/calendar/begegnung.ics", "title": "Begegnung – Termine", "kind": "ics",
     "category": "Begegnung", "source": ""},
    {"path": "/calendar/evil.ics", "title": HOSTILE, "kind": "ics", "category": HOSTILE,
     "source": ""},
    {"path": "javascript:alert(1)", "title": "kaputt", "kind": "ics", "category": "x",
     "source": ""},
    {"path": "/sources/ibb/calendar.ics", "title": "Idstein bleibt bunt", "kind": "ics",
     "category": "", "source": "ibb"},
]
TYPES = {
    "/calendar.ics": "text/calendar; charset=utf-8",
    "/news.rss": "application/rss+xml; charset=utf-8",
    "/events.rss": "application/rss+xml; charset=utf-8",
    "/feed.json": "application/feed+json; charset=utf-8",
    "/events.json": "application/json; charset=utf-8",
    "/views.json": "application/json; charset=utf-8",
    "/calendar/begegnung.ics": "text/calendar; charset=utf-8",
    "/sources/ibb/news.rss": "application/rss+xml; charset=utf-8",
    "/embed.js": "application/javascript; charset=utf-8",
}


def write_outputs(out: Path) -> None:
    for name, text in FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    (out / "views.json").write_text(json.dumps(VIEWS, ensure_ascii=False), encoding="utf-8")
    (out / "notes.txt").write_text("not an output", encoding="utf-8")
    (out / ".calendar.ics.tmp").write_text(ICS, encoding="utf-8")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    out.mkdir()
    write_outputs(out)
    (tmp_path / "secret.ics").write_text("BEGIN:VCALENDAR\r\nSECRET\r\n", encoding="utf-8")
    return out


@pytest.fixture
def state() -> dict:
    return {"healthy": True}


@pytest.fixture
def base(out: Path, tmp_path: Path, state: dict):
    settings = Settings(config_path=tmp_path / "syncsvc.toml", output_dir=out,
                        base_url=BASE_URL, interval_s=900)
    app = make_app(
        settings,
        status=lambda: {"sources": {"ibb": {"last_error": "Zeitüberschreitung „x“"}}},
        metrics=lambda: "# TYPE syncsvc_events_published gauge\nsyncsvc_events_published 5\n",
        healthy=lambda: state["healthy"],
        admin=lambda environ: (200, [("Content-Type", "text/plain; charset=utf-8")], b"admin"),
    )
    server, thread, url = start_server(app)
    yield url
    stop(server, thread)
    assert not thread.is_alive(), "server loop did not stop"


def raw_get(base: str, target: str) -> int:
    """Send the request target exactly as given (requests would normalize dot segments)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        assert b"SECRET" not in body and b"root:" not in body
        return resp.status
    finally:
        conn.close()


@pytest.mark.parametrize("path", sorted(TYPES))
def test_content_type_cors_and_cache_control(base, out, path):
    r = requests.get(base + path, timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TYPES[path]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"] == "public, max-age=900"
    src = STATIC_DIR / "embed.js" if path == "/embed.js" else out / path[1:]
    assert r.content == src.read_bytes()


def test_published_files_parse_back_after_serving(base):
    import feedparser
    import icalendar
    cal = icalendar.Calendar.from_ical(requests.get(base + "/calendar.ics", timeout=5).content)
    assert len(cal.walk("VEVENT")) == 5
    feed = feedparser.parse(requests.get(base + "/news.rss", timeout=5).content)
    assert not feed.bozo and len(feed.entries) == 5
    assert requests.get(base + "/events.json", timeout=5).json()["events"][0]["title"] == \
        "Sprachcafé 1"


def test_unicode_file_name(base):
    assert requests.get(base + "/calendar/b%C3%BChne.ics", timeout=5).status_code == 200


def test_etag_and_if_none_match(base, out):
    r = requests.get(base + "/calendar.ics", headers={"Accept-Encoding": "identity"}, timeout=5)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = requests.get(base + "/calendar.ics", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert again.headers["ETag"] == etag  # stable for the same bytes
    r304 = requests.get(base + "/calendar.ics", headers={"If-None-Match": etag}, timeout=5)
    assert r304.status_code == 304 and r304.content == b""
    assert r304.headers["ETag"]
    other = requests.get(base + "/calendar.ics", headers={"If-None-Match": '"nope"'}, timeout=5)
    assert other.status_code == 200
    (out / "calendar.ics").write_text(ICS.replace("Begegnungscafé", "Sprachcafé"), "utf-8")
    changed = requests.get(base + "/calendar.ics", headers={"If-None-Match": etag}, timeout=5)
    assert changed.status_code == 200 and b"Sprachcaf" in changed.content
    assert changed.headers["ETag"] != etag


def test_if_modified_since(base, out):
    os.utime(out / "news.rss", (1_700_000_000, 1_700_000_000))
    r = requests.get(base + "/news.rss", timeout=5)
    lm = r.headers["Last-Modified"]
    assert lm == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert requests.get(base + "/news.rss", headers={"If-Modified-Since": lm},
                        timeout=5).status_code == 304
    older = "Tue, 14 Nov 2023 22:13:19 GMT"
    assert requests.get(base + "/news.rss", headers={"If-Modified-Since": older},
                        timeout=5).status_code == 200
    assert requests.get(base + "/news.rss", headers={"If-Modified-Since": "kaputt"},
                        timeout=5).status_code == 200


def test_gzip_when_accepted(base, out):
    r = requests.get(base + "/calendar.ics", headers={"Accept-Encoding": "gzip"}, timeout=5,
                     stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert len(raw) < len(ICS.encode())
    assert gzip.decompress(raw) == (out / "calendar.ics").read_bytes()
    gz_etag = r.headers["ETag"]
    plain = requests.get(base + "/calendar.ics", headers={"Accept-Encoding": "identity"},
                         timeout=5)
    assert "Content-Encoding" not in plain.headers and plain.headers["ETag"] != gz_etag
    refused = requests.get(base + "/calendar.ics", headers={"Accept-Encoding": "gzip;q=0"},
                           timeout=5)
    assert "Content-Encoding" not in refused.headers
    cond = requests.get(base + "/calendar.ics", timeout=5,
                        headers={"Accept-Encoding": "gzip", "If-None-Match": gz_etag})
    assert cond.status_code == 304


def test_head_has_headers_but_no_body(base, out):
    r = requests.head(base + "/calendar.ics", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) == (out / "calendar.ics").stat().st_size
    assert r.headers["ETag"] == requests.get(
        base + "/calendar.ics", headers={"Accept-Encoding": "identity"}, timeout=5
    ).headers["ETag"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405(base, method):
    r = requests.request(method, base + "/calendar.ics", timeout=5)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", [
    "/nope.ics", "/calendar", "/calendar/", "/sources/", "/sources/ibb", "/notes.txt",
    "/.calendar.ics.tmp", "/calendar.ics/", "/a/b/c/d.ics", "/index.html", "/status.json",
])
def test_unknown_paths_are_404(base, path):
    r = requests.get(base + path, timeout=5)
    assert r.status_code == 404
    assert "Index of" not in r.text


@pytest.mark.parametrize("target", [
    "/../secret.ics", "/%2e%2e/secret.ics", "/%2E%2E/secret.ics", "/calendar/../../secret.ics",
    "/calendar/..%2f..%2fsecret.ics", "/calendar/..%2f..%2f..%2f..%2fetc/passwd",
    "/..%5csecret.ics", "/calendar\\..\\..\\secret.ics", "/%252e%252e/secret.ics",
    "/etc/passwd", "//etc/passwd", "/calendar.ics%00.json", "/calendar.ics%00",
    "/%c0%ae%c0%ae/secret.ics", "http://127.0.0.1/../secret.ics",
])
def test_traversal_attempts_are_404(base, out, target):
    assert raw_get(base, target) in (400, 404)


def test_symlink_leaving_output_dir_is_404(base, out, tmp_path):
    (out / "leak.ics").symlink_to(tmp_path / "secret.ics")
    (out / "calendar" / "up").symlink_to(tmp_path)
    (out / "alias.ics").symlink_to(out / "calendar.ics")
    assert raw_get(base, "/leak.ics") == 404
    assert raw_get(base, "/calendar/up/secret.ics") == 404
    assert requests.get(base + "/alias.ics", timeout=5).status_code == 200


def test_healthz_follows_callable(base, state):
    r = requests.get(base + "/healthz", timeout=5)
    assert (r.status_code, r.text.strip()) == (200, "ok")
    state["healthy"] = False
    assert requests.get(base + "/healthz", timeout=5).status_code == 503


def test_status_is_utf8_json(base):
    r = requests.get(base + "/status", timeout=5)
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Zeitüberschreitung „x“".encode() in r.content  # ensure_ascii=False
    assert r.json()["sources"]["ibb"]["last_error"] == "Zeitüberschreitung „x“"


def test_metrics_prometheus_text(base):
    r = requests.get(base + "/metrics", timeout=5)
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "syncsvc_events_published 5" in r.text


def test_admin_is_delegated_or_404(base, out, tmp_path):
    r = requests.post(base + "/admin/login", timeout=5)
    assert (r.status_code, r.text) == (200, "admin")
    bare = make_app(Settings(config_path=tmp_path / "x.toml", output_dir=out))
    server, thread, url = start_server(bare)
    try:
        assert requests.get(url + "/admin", timeout=5).status_code == 404
        assert requests.get(url + "/status", timeout=5).status_code == 404
        assert requests.get(url + "/healthz", timeout=5).status_code == 200
    finally:
        stop(server, thread)


def test_embed_js_is_small():
    body = (STATIC_DIR / "embed.js").read_bytes()
    assert len(body) < 10 * 1024, f"embed.js is {len(body)} bytes"
    assert b"innerHTML" not in body and b"http://" not in body.split(b"*/", 1)[1]


def test_file_cache_does_not_rehash_unchanged_files(tmp_path):
    f = tmp_path / "calendar.ics"
    f.write_text(ICS, encoding="utf-8")
    cache = FileCache()
    first = cache.get(f)
    assert cache.get(f) is first  # same (mtime_ns, size): served from the cache
    f.write_text(ICS + "X", encoding="utf-8")
    second = cache.get(f)
    assert second is not first and second.etag != first.etag
    f.unlink()
    assert cache.get(f) is None


def test_x_content_type_options_is_sent_once(tmp_path):
    """The admin pages set it themselves and the app added it a second time."""
    from syncsvc.config import Settings
    from syncsvc.serve import make_app

    def admin(environ):
        return 200, [("Content-Type", "text/html"), ("X-Content-Type-Options", "nosniff")], b"x"

    app = make_app(Settings(config_path=tmp_path / "x.toml", output_dir=tmp_path), admin=admin)
    seen = []
    app({"PATH_INFO": "/admin", "REQUEST_METHOD": "GET"}, lambda s, h: seen.extend(h))
    assert [k.lower() for k, _ in seen].count("x-content-type-options") == 1
