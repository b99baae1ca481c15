"""embed.js in headless chromium: a partner page on one origin, syncsvc on another."""

from __future__ import annotations

import functools
import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from syncsvc.config import Settings
from syncsvc.publish.common import slugify
from syncsvc.serve import make_app, stop

from browser import chromium_page, screenshot_path
from conftest import start_server

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
XSS = '<img src=x onerror="window.__xss=1">'
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember"]
WEEKDAYS = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
TODAY = datetime.now(BERLIN).date()
TOMORROW = TODAY + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).isoformat()


def german(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"


def event(eid: str, title: str, start: str, end: str, categories: list[str], **extra) -> dict:
    return {"id": eid, "uid": f"{eid}@test", "title": title, "start": start, "end": end,
            "all_day": len(start) == 10, "timezone": "Europe/Berlin", "location": "",
            "url": "", "description": "", "categories": categories,
            "category_slugs": sorted({slugify(c) for c in categories}),
            "sources": [{"id": "ibb", "name": "Idstein bleibt bunt e.V.",
                         "url": "https://example.org/"}], "status": "confirmed", **extra}


DAY2, DAY3 = TOMORROW + timedelta(days=1), TOMORROW + timedelta(days=2)
EVENTS = [
    event("past", "Schon vorbei", at(TOMORROW - timedelta(days=3), 10),
          at(TOMORROW - timedelta(days=3), 12), ["Begegnung"]),
    event("cafe", "Sprachcafé „Deutsch & mehr“", at(TOMORROW, 18), at(TOMORROW, 20),
          ["Begegnung"], location="Löherplatz 4, Idstein", url="https://example.org/cafe"),
    event("xss", XSS, at(DAY2, 9, 30), at(DAY2, 11), ["Begegnung"],
          location="<b>Rathaus</b>", url="javascript:window.__xss=2"),
    # all-day, ended at today's start (exclusive end): shown a day too long before
    event("gestern", "Flohmarkt gestern", (TODAY - timedelta(days=1)).isoformat(),
          TODAY.isoformat(), ["Fest"]),
    event("fest", "Sommerfest der Kulturen", DAY3.isoformat(),
          (DAY3 + timedelta(days=1)).isoformat(), ["Fest"], url="https://example.org/fest"),
    *(event(f"kurs{n}", f"Deutschkurs Woche {n}", at(TOMORROW + timedelta(weeks=n), 17),
            at(TOMORROW + timedelta(weeks=n), 19), ["Kurs"]) for n in range(1, 5)),
]
# two partners' spellings of one category: calendar/fuehrung.ics lists both
SPELLINGS = [
    event("burg", "Burgführung", at(TOMORROW, 14), at(TOMORROW, 15), ["Führung"]),
    event("altstadt", "Altstadtrundgang", at(DAY2, 14), at(DAY2, 16), ["Fuehrung"]),
]


def host_page(syncsvc: str) -> str:
    return f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Partnerverein</title><style>body{{font-family:Georgia,serif;font-size:19px}}</style>
</head><body><h1>Unsere Termine</h1>
<section id="all"><div data-syncsvc-events data-limit="10"></div></section>
<section id="two"><div data-syncsvc-events></div></section>
<section id="fest"><h2>Feste</h2><div data-syncsvc-events data-category="fest"></div></section>
<section id="none"><div data-syncsvc-events data-category="Sport"></div></section>
<section id="view"><div data-syncsvc-events data-category="fuehrung"></div></section>
<script src="{syncsvc}/embed.js" async></script></body></html>"""


@pytest.fixture
def sites(tmp_path: Path):
    out, host_dir = tmp_path / "public", tmp_path / "host"
    out.mkdir()
    host_dir.mkdir()
    (out / "events.json").write_text(json.dumps(
        {"version": 1, "title": "WIR in Idstein", "events": EVENTS}, ensure_ascii=False), "utf-8")
    app = make_app(Settings(config_path=tmp_path / "x.toml", output_dir=out))
    server, thread, syncsvc = start_server(app)
    (host_dir / "index.html").write_text(host_page(syncsvc), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(host_dir))
    host = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    host_thread = threading.Thread(target=host.serve_forever, daemon=True)
    host_thread.start()
    yield {"out": out, "page": f"http://127.0.0.1:{host.server_address[1]}/index.html"}
    host.shutdown()
    host.server_close()
    stop(server, thread)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


def _open(page, url: str, boxes: int = 5) -> None:
    page.goto(url)
    page.wait_for_function(
        f"document.querySelectorAll('[data-syncsvc-state=done]').length === {boxes}",
        timeout=10_000)


def test_widget_renders_events_safely(sites):
    # an American browser: the German formatting and Berlin times must come from the widget
    with chromium_page(locale="en-US", timezone_id="America/New_York") as page:
        requests_seen: list[str] = []
        page.on("request", lambda r: requests_seen.append(r.url))
        _open(page, sites["page"])
        items = page.locator("#all li")
        assert items.count() == 7  # the past event is left out
        titles = page.locator("#all .syncsvc-title").all_inner_texts()
        assert titles[:4] == ["Sprachcafé „Deutsch & mehr“", XSS, "Sommerfest der Kulturen",
                              "Deutschkurs Woche 1"]
        times = page.locator("#all time")
        assert times.nth(0).get_attribute("datetime") == at(TOMORROW, 18)
        assert times.nth(0).inner_text() == f"{german(TOMORROW)}, 18:00–20:00 Uhr"
        assert times.nth(1).inner_text() == f"{german(DAY2)}, 09:30–11:00 Uhr"
        assert times.nth(2).get_attribute("datetime") == DAY3.isoformat()
        assert times.nth(2).inner_text() == german(DAY3)
        assert "Löherplatz 4, Idstein" in items.nth(0).inner_text()
        # hostile partner text stays text
        assert page.evaluate("window.__xss") is None
        assert page.locator("[data-syncsvc-events] img, [data-syncsvc-events] b").count() == 0
        assert "<b>Rathaus</b>" in items.nth(1).inner_text()
        hrefs = page.eval_on_selector_all("[data-syncsvc-events] a", "as => as.map(a => a.href)")
        assert hrefs and all(h.startswith("https://example.org/") for h in hrefs)
        # filters, default limit and the empty state
        assert page.locator("#two li").count() == 5
        assert page.locator("#fest .syncsvc-title").all_inner_texts() == \
            ["Sommerfest der Kulturen"]
        assert page.locator("#none").inner_text().strip() == "Keine anstehenden Termine."
        # accessible and in the host page's font
        assert page.locator("#all ul").get_attribute("aria-label") == "Anstehende Termine"
        assert page.locator("#fest ul").get_attribute("aria-label") == \
            "Anstehende Termine: fest"
        font = page.eval_on_selector("#all li", "e => getComputedStyle(e).fontFamily")
        assert font == "Georgia, serif"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == titles[0]
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == titles[2]
        # nothing but the two local origins was contacted
        assert requests_seen and all(u.startswith("http://127.0.0.1:") for u in requests_seen)
        page.screenshot(path=str(screenshot_path("embed.png")), full_page=True)


def test_widget_shows_quiet_error_when_feed_is_missing(sites):
    (sites["out"] / "events.json").unlink()
    with chromium_page() as page:
        _open(page, sites["page"])
        assert page.locator("#all").inner_text().strip() == \
            "Die Termine können gerade nicht angezeigt werden."
        assert page.locator("[data-syncsvc-events] li").count() == 0


def test_widget_filters_by_the_view_key_like_the_category_calendar(sites):
    """Finding: two spellings sharing calendar/fuehrung.ics ("Führung", "Fuehrung"); the
    widget matched the name only and showed fewer events than the calendar."""
    (sites["out"] / "events.json").write_text(json.dumps(
        {"version": 1, "title": "WIR in Idstein", "events": SPELLINGS}, ensure_ascii=False),
        "utf-8")
    with chromium_page() as page:
        _open(page, sites["page"])
        assert page.locator("#view .syncsvc-title").all_inner_texts() == \
            ["Burgführung", "Altstadtrundgang"]


# --- issue 15: what the widget downloads ------------------------------------------------

def _widget_file(out: Path, path: str, events: list[dict], complete: bool) -> None:
    target = out / "widget" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"version": 1, "complete": complete, "events": events},
                                 ensure_ascii=False), "utf-8")


def test_widget_reads_its_own_files_and_events_json_only_when_they_are_too_short(sites):
    out = sites["out"]
    upcoming = [e for e in EVENTS if e["id"] not in ("past", "gestern")]
    fest = dict(EVENTS[4], title="Sommerfest (aus der Widget-Datei)")
    _widget_file(out, "events.json", upcoming, True)
    _widget_file(out, "calendar/fest.json", [fest], True)
    _widget_file(out, "calendar/sport.json", [], True)
    _widget_file(out, "calendar/fuehrung.json", SPELLINGS, True)
    full = (out / "events.json").read_bytes()
    (out / "events.json").unlink()  # any fall-back would show the error message
    with chromium_page() as page:
        _open(page, sites["page"])
        assert page.locator("#all li").count() == 7 and page.locator("#two li").count() == 5
        assert page.locator("#fest .syncsvc-title").all_inner_texts() == [fest["title"]]
        assert page.locator("#none").inner_text().strip() == "Keine anstehenden Termine."
        assert page.locator("#view .syncsvc-title").all_inner_texts() == \
            ["Burgführung", "Altstadtrundgang"]
    # not complete and fewer than the limit (and a category without a file): events.json
    (out / "events.json").write_bytes(full)
    _widget_file(out, "events.json", upcoming[:2], False)
    (out / "widget" / "calendar" / "fest.json").unlink()
    with chromium_page() as page:
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url.split("/", 3)[3]))
        _open(page, sites["page"])
        assert page.locator("#all li").count() == 7 and page.locator("#two li").count() == 5
        assert page.locator("#fest .syncsvc-title").all_inner_texts() == \
            ["Sommerfest der Kulturen"]
        assert page.locator("#view li").count() == 2
    assert seen.count("events.json") == 1  # fetched once, for every widget that needs it
    assert "widget/calendar/fuehrung.json" in seen

@pytest.fixture(scope="module")
def default_outputs(tmp_path_factory) -> Path:
    """The outputs of the shipped default config (its partners are files: no network)."""
    import shutil

    from syncsvc import cli

    from conftest import REPO

    root = tmp_path_factory.mktemp("default-config")
    for folder in ("config", "feeds"):
        shutil.copytree(REPO / folder, root / folder)
    assert cli.main(["--config", str(root / "config" / "syncsvc.toml"), "sync"]) == 0
    return root / "public"


def counting(app, served: list):
    """The WSGI app, recording (path, body bytes sent) of every request."""
    def wrapped(environ, start_response):
        body = b"".join(app(environ, start_response))
        served.append((environ["PATH_INFO"], len(body)))
        return [body]
    return wrapped


def test_widget_downloads_only_what_it_shows(default_outputs, tmp_path):
    """Finding: the widget always downloaded the full events.json (every occurrence of
    the horizon, descriptions included) to show five. Bytes counted by the real server
    for the widget's requests, with the shipped default config's outputs; the lists must
    be the ones the full events.json gives."""
    served: list[tuple[str, int]] = []
    settings = Settings(config_path=tmp_path / "x.toml", output_dir=default_outputs)
    server, thread, base = start_server(counting(make_app(settings), served))
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    (host_dir / "index.html").write_text(f"""<!doctype html><html lang="de"><head>
<meta charset="utf-8"><title>Partner</title></head><body>
<section id="all"><div data-syncsvc-events></div></section>
<section id="cat"><div data-syncsvc-events data-category="begegnung"></div></section>
<section id="ar"><div data-syncsvc-events data-lang="ar"></div></section>
<script src="{base}/embed.js" async></script></body></html>""", encoding="utf-8")
    host = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        _QuietHandler, directory=str(host_dir)))
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        with chromium_page() as page:
            _open(page, f"http://127.0.0.1:{host.server_address[1]}/index.html", boxes=3)
            shown = {box: page.locator(f"#{box} .syncsvc-title").all_inner_texts()
                     for box in ("all", "cat", "ar")}
        widget = [(p, n) for p, n in served if p.endswith(".json")]
        widget_bytes = sum(n for _, n in widget)
        # what the widget used to load: events.json twice (once shared) and ar/events.json
        served.clear()
        for path in ("/events.json", "/ar/events.json"):
            requests.get(base + path, timeout=10, headers={"Accept-Encoding": "gzip"})
        before_bytes = sum(n for _, n in served)
        full = {p: json.loads((default_outputs / p.lstrip("/")).read_text("utf-8"))
                for p in ("/events.json", "/ar/events.json")}
    finally:
        host.shutdown()
        host.server_close()
        stop(server, thread)
    print(f"\nwidget JSON: {widget} = {widget_bytes} bytes (gzip); before: {before_bytes}")
    assert {p for p, _ in widget} == {"/widget/events.json", "/widget/calendar/begegnung.json",
                                      "/ar/widget/events.json"}  # one small file each
    assert widget_bytes * 2 <= before_bytes, (widget_bytes, before_bytes)
    def first(doc: dict, keep=lambda ev: True) -> list[str]:
        """The widget's rule (embed.js upcoming/sort) applied to the full file."""
        now, today = datetime.now(UTC), datetime.now(BERLIN).date().isoformat()

        def left(e: dict) -> bool:
            if len(e["start"]) == 10:  # all-day: the end date is exclusive
                return (e["end"] or (date.fromisoformat(e["start"]) + timedelta(days=1))
                        .isoformat()) > today
            return datetime.fromisoformat(e["end"] or e["start"]) > now

        def start(e: dict) -> datetime:
            d = datetime.fromisoformat(e["start"])
            return d if d.tzinfo else d.replace(tzinfo=UTC)

        upcoming = [e for e in doc["events"] if left(e) and keep(e)]
        return [e["title"] for e in sorted(upcoming, key=start)][:5]

    assert shown["all"] == first(full["/events.json"])
    assert shown["cat"] == first(full["/events.json"],
                                 lambda e: "begegnung" in e["category_slugs"])
    assert shown["ar"] == first(full["/ar/events.json"])
