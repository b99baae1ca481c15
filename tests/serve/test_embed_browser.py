"""embed.js in headless chromium: a partner page on one origin, syncsvc on another."""

from __future__ import annotations

import functools
import json
import threading
from datetime import date, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

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
