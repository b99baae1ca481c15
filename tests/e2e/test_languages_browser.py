"""Arabic and Ukrainian pages and the Arabic widget in headless chromium (issue 17).

Published by publish_all with the café translated, served by the real app with its CSP.
/ar/termine/ and a widget with data-lang="ar" on a partner's page (another origin) must
lay out right-to-left (computed ``direction``) and name months in Arabic — the names
expected here come from Babel's CLDR data, the widget's from the browser's own Intl; axe-core
finds no serious or critical WCAG violation on /ar/termine/ and /uk/termine/. Screenshots
go to artifacts/.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from babel.dates import get_month_names
from test_pages_browser import AXE, IBB, TAFEL, published

from syncsvc.config import Settings
from syncsvc.publish import publish_all
from syncsvc.serve import make_app

from browser import chromium_page, screenshot_path
from conftest import running

pytestmark = pytest.mark.browser

ARABIC_MONTHS = set(get_month_names("wide", locale="ar").values())
CAFE_AR = "مقهى WIR – ملتقى للجميع"
TRANSLATIONS = (("ar", CAFE_AR, "ملتقى مفتوح للجميع مع القهوة والكعك."),
                ("uk", "Кафе WIR – місце зустрічей для всіх", ""))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


def translated(now: datetime):
    out = []
    for pe in published(now):
        if pe.uid == "pub-cafe":
            pe = replace(pe, event=replace(pe.event, translations=TRANSLATIONS))
        out.append(pe)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("lang-pages")
    settings = Settings(config_path=tmp / "x.toml", output_dir=tmp / "public",
                        base_url="http://127.0.0.1:1", languages=("de", "ar", "uk"),
                        impressum_url="https://idstein.example/i")
    now = datetime.now(UTC)
    host_dir = tmp / "host"
    host_dir.mkdir()
    with running(make_app(settings)) as base:
        publish_all(translated(now), [], replace(settings, base_url=base), now=now,
                    source_names={"ibb": IBB.name, "tafel": TAFEL.name})
        (host_dir / "index.html").write_text(
            "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Verein"
            "</title></head><body><h1>Termine</h1><div id=\"w\" data-syncsvc-events "
            f"data-lang=\"ar\" data-limit=\"4\"></div><script src=\"{base}/embed.js\" async>"
            "</script></body></html>", encoding="utf-8")
        host = ThreadingHTTPServer(("127.0.0.1", 0),
                                   functools.partial(_QuietHandler, directory=str(host_dir)))
        threading.Thread(target=host.serve_forever, daemon=True).start()
        try:
            yield {"base": base, "host": f"http://127.0.0.1:{host.server_address[1]}/"}
        finally:
            host.shutdown()
            host.server_close()


def test_arabic_pages_are_right_to_left_with_arabic_months(site):
    with chromium_page(viewport=(360, 800)) as page:
        assert page.goto(site["base"] + "/ar/termine/").status == 200
        direction = page.evaluate("() => getComputedStyle(document.body).direction")
        headings = page.locator("main section h2").all_inner_texts()  # the day headings
        titles = page.locator(".ev-title a").all_inner_texts()
        over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(screenshot_path("lang-ar-termine-360.png")), full_page=True)
    assert direction == "rtl"
    assert headings and all(any(m in h for m in ARABIC_MONTHS) for h in headings[:3]), headings
    assert CAFE_AR in titles
    assert over <= 0  # nothing sticks out on the left of an RTL page either


def test_widget_in_arabic_is_right_to_left_with_arabic_months(site):
    with chromium_page(viewport=(800, 600), locale="de-DE") as page:
        page.goto(site["host"])
        page.wait_for_function(
            "document.querySelector('#w').getAttribute('data-syncsvc-state') === 'done'",
            timeout=10_000)
        direction = page.evaluate(
            "() => getComputedStyle(document.querySelector('#w li')).direction")
        times = page.locator("#w time").all_inner_texts()
        titles = page.locator("#w .syncsvc-title").all_inner_texts()
        label = page.locator("#w ul").get_attribute("aria-label")
        page.screenshot(path=str(screenshot_path("lang-ar-widget.png")), full_page=True)
    assert direction == "rtl"
    assert times and all(any(m in t for m in ARABIC_MONTHS) for t in times), times
    assert CAFE_AR in titles
    assert label == "المواعيد القادمة"  # the catalog's „Anstehende Termine“


@pytest.mark.parametrize("lang", ["ar", "uk"])
def test_axe_finds_no_serious_violation_in_translated_listing(site, lang):
    if not AXE.is_file():
        pytest.fail("axe-core missing: run `npm ci --prefix tests/js`")
    for scheme in ("light", "dark"):
        with chromium_page(viewport=(360, 800), color_scheme=scheme) as page:
            assert page.goto(f"{site['base']}/{lang}/termine/").status == 200
            page.evaluate(AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',"
                " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
            page.screenshot(path=str(screenshot_path(f"lang-{lang}-termine-{scheme}.png")),
                            full_page=True)
        bad = [{"id": v["id"], "impact": v["impact"],
                "nodes": [n["target"] for n in v["nodes"]][:3]}
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{lang} ({scheme}): {json.dumps(bad, ensure_ascii=False)}"


def test_start_of_window_still_lists_the_moved_and_cancelled_dates(site):
    """The translated listing shows the same dates as the German one (one selection)."""
    with chromium_page(viewport=(1280, 800)) as page:
        page.goto(site["base"] + "/termine/")
        german = page.locator("main li time").count()
        page.goto(site["base"] + "/ar/termine/")
        arabic = page.locator("main li time").count()
        badges = page.locator(".badge").all_inner_texts()
    assert german == arabic > 0
    assert "أُلغي" in badges  # „Abgesagt“ from the catalog


