"""/, /termine/, a category page and an event page in headless chromium.

Served by the real app (with its CSP, so a stylesheet the policy rejects would show as
overflow and as a console violation). At 360 px and 1280 px no page scrolls sideways;
axe-core (tests/js/node_modules, evaluated through the DevTools protocol, so the page's
own script ban stays in force) reports no serious or critical WCAG violation.
Screenshots go to artifacts/.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncsvc.models import Event, PublishedEvent, SourceRef
from syncsvc.publish import publish_all
from syncsvc.serve import make_app

from browser import chromium_page, screenshot_path
from conftest import running

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
IBB = SourceRef("ibb", "Idstein bleibt bunt e.V.", "https://ibb.example/cafe")
TAFEL = SourceRef("tafel", "Idsteiner Tafel", "")


def utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def published(now: datetime) -> list[PublishedEvent]:
    """A weekly café with one date cancelled and one moved, and long partner texts."""
    first = (now - timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    cafe = Event("ibb", "cafe@ibb", "WIR Café", utc(first), utc(first + timedelta(hours=2)),
                 rrule="FREQ=WEEKLY;COUNT=12",
                 location="Café Löwenzahn, Obergasse 3, 65510 Idstein",
                 description="Offener Treff für alle – mit Kaffee & Kuchen.")
    cancel_at, move_at = first + timedelta(weeks=2), first + timedelta(weeks=3)
    cancelled = replace(cafe, rrule="", start=utc(cancel_at),
                        end=utc(cancel_at + timedelta(hours=2)), recurrence_id=utc(cancel_at),
                        status="CANCELLED")
    moved = replace(cafe, rrule="", start=utc(move_at + timedelta(days=1)),
                    end=utc(move_at + timedelta(days=1, hours=2)), recurrence_id=utc(move_at),
                    location="Bürgerhaus, Löherplatz 1")
    beratung = Event("tafel", "b@tafel",
                     "Sozialberatung und Lebensmittelausgabe für Familien mit Kindern – "
                     "Anmeldung_nicht_erforderlich_Donaudampfschifffahrtsgesellschaft",
                     utc(now + timedelta(days=3)), utc(now + timedelta(days=3, hours=3)),
                     location="Gemeindehaus der Evangelischen Kirchengemeinde, Himmelsbornweg 12",
                     description_html="<p>Bitte <strong>Ausweis</strong> mitbringen.</p>")
    day = (now + timedelta(days=10)).date()
    fest = Event("ibb", "fest@ibb", "Fest der Kulturen", day.isoformat(),
                 (day + timedelta(days=2)).isoformat(), all_day=True, location="König-Adolf-Platz")
    pe = PublishedEvent
    return [pe("pub-cafe", cafe, (IBB, TAFEL), ("Begegnung",)),
            pe("pub-cafe", cancelled, (IBB,), ("Begegnung",), 1),
            pe("pub-cafe", moved, (IBB,), ("Begegnung",), 1),
            pe("pub-b", beratung, (TAFEL,), ("Beratung", "Familie")),
            pe("pub-fest", fest, (IBB,), ("Feste & Märkte",))]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from syncsvc.config import Settings

    tmp = tmp_path_factory.mktemp("pages")
    settings = Settings(config_path=tmp / "x.toml", output_dir=tmp / "public",
                        base_url="http://127.0.0.1:1", impressum_url="https://idstein.example/i",
                        datenschutz_url="https://idstein.example/d")
    now = datetime.now(UTC)
    with running(make_app(settings)) as base:
        settings = replace(settings, base_url=base)
        publish_all(published(now), [], settings, now=now,
                    source_names={"ibb": IBB.name, "tafel": TAFEL.name})
        root = tmp / "public"
        event = next(p for p in sorted((root / "termine/e").glob("*.html"))
                     if "Verlegt" in p.read_text(encoding="utf-8"))
        yield {"base": base, "paths": {
            "start": "/", "termine": "/termine/",
            "kategorie": "/termine/kategorie/feste-maerkte.html",
            "event": f"/termine/e/{event.name}"}}


def load(page, url: str) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(url.split("/", 3)[0] + "//"
                                                           + url.split("/", 3)[2])
            else problems.append(f"third-party request {r.url}"))
    response = page.goto(url)
    assert response is not None and response.status == 200
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["start", "termine", "kategorie", "event"])
def test_no_horizontal_overflow(site, name, width):
    with chromium_page(viewport=(width, 800)) as page:
        problems = load(page, site["base"] + site["paths"][name])
        over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        styled = page.evaluate(
            "() => getComputedStyle(document.querySelector('.skip')).position")
        page.screenshot(path=str(screenshot_path(f"pages-{name}-{width}.png")), full_page=True)
    assert styled == "absolute"  # the inline stylesheet passed the CSP
    assert over <= 0, f"{name} at {width}px scrolls sideways by {over}px"
    assert not problems  # no CSP violation, no request to anyone else


@pytest.mark.parametrize("name", ["start", "termine", "kategorie", "event"])
def test_axe_finds_no_serious_violation(site, name):
    if not AXE.is_file():
        pytest.fail("axe-core missing: run `npm ci --prefix tests/js`")
    for scheme in ("light", "dark"):
        with chromium_page(viewport=(360, 800), color_scheme=scheme) as page:
            load(page, site["base"] + site["paths"][name])
            page.evaluate(AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "() => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',"
                " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})")
        bad = [{"id": v["id"], "impact": v["impact"],
                "nodes": [n["target"] for n in v["nodes"]][:3]}
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name} ({scheme}): {json.dumps(bad, ensure_ascii=False)}"


def test_event_page_json_ld_is_not_blocked_and_not_run(site):
    with chromium_page(viewport=(1280, 800)) as page:
        problems = load(page, site["base"] + site["paths"]["event"])
        ld = page.evaluate(
            "() => JSON.parse(document.querySelector('script[type=\"application/ld+json\"]')"
            ".textContent)")
    assert ld["eventStatus"] == "https://schema.org/EventRescheduled"
    assert not problems
