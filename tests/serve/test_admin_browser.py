"""/admin in headless chromium: log in through the form, read the badges, keep a screenshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncsvc.config import Settings, SourceConfig
from syncsvc.models import Event
from syncsvc.serve import make_app
from syncsvc.serve.admin import make_admin
from syncsvc.service.status import read_status, stored_events
from syncsvc.store import Store

from browser import chromium_page, screenshot_path
from conftest import running

pytestmark = pytest.mark.browser

TOKEN = "browser-test-token"
NOW = datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def series(source_id: str, weeks: int, start_in_days: int = 1) -> Event:
    start = NOW + timedelta(days=start_in_days)
    return Event(source_id=source_id, uid=f"serie@{source_id}", summary="Sprachcafé",
                 start=iso(start), end=iso(start + timedelta(hours=2)),
                 rrule=f"FREQ=WEEKLY;COUNT={weeks}")


@pytest.fixture
def base(tmp_path: Path):
    sources = (
        SourceConfig(id="fluechtlingshilfe", name="Flüchtlingshilfe Idstein e.V.",
                     url="https://example.org/a.ics", kind="ics"),
        SourceConfig(id="kirche", name="Ev. Kirchengemeinde Idstein",
                     url="https://example.org/b.ics", kind="ics"),
        SourceConfig(id="sportverein", name="TV Idstein 1844",
                     url="https://example.org/c.ics", kind="ics"),
        SourceConfig(id="tafel", name="Idsteiner Tafel", url="https://example.org/t.rss",
                     kind="feed"),
    )
    settings = Settings(config_path=tmp_path / "syncsvc.toml", database=tmp_path / "s.db",
                        output_dir=tmp_path / "public", admin_token=TOKEN, sources=sources)
    settings.output_dir.mkdir()
    store = Store(settings.database)
    store.sync_sources(sources)
    ok = {"last_attempt": iso(NOW), "last_success": iso(NOW), "http_status": 200}
    store.replace_events("fluechtlingshilfe", [series("fluechtlingshilfe", 20)], **ok)
    store.replace_events("kirche", [series("kirche", 6, 3)],
                         last_success=iso(NOW - timedelta(days=1)))
    store.update_source("kirche", last_attempt=iso(NOW), http_status=404,
                        consecutive_failures=4,
                        last_error='HTTP 404 <img src=x onerror="document.title=1">')
    store.replace_events("sportverein", [series("sportverein", 26)], **ok)
    store.update_source("sportverein", held_reason="Der neue Stand hätte 24 von 26 "
                                                   "kommenden Terminen entfernt.")
    store.update_source("tafel", count=3, **ok)
    store.close()

    def status() -> dict:
        return read_status(settings)

    app = make_app(settings, status=status, admin=make_admin(
        lambda: settings, status, lambda known: stored_events(settings, known)))
    with running(app) as base:
        yield base


def test_admin_page_in_chromium(base: str) -> None:
    with chromium_page((1200, 900), java_script_enabled=False) as page:
        page.goto(f"{base}/admin")
        assert page.locator("h1").inner_text() == "Status – WIR in Idstein"
        page.fill("#token", "falsch")
        page.click("button[type=submit]")
        assert page.get_by_text("Das Admin-Token stimmt nicht.").is_visible()
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin")
        table = page.locator("table.overview")
        for cls, text in (("ok", "in Ordnung"), ("failing", "fehlerhaft"),
                          ("shrink-held", "zurückgehalten")):
            badge = table.locator(f".badge.health-{cls}").first
            assert badge.is_visible()
            assert text in badge.inner_text()
            # colour and text: the badge has a background that is not the page's
            assert badge.evaluate("e => getComputedStyle(e).backgroundColor") not in (
                "rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        assert table.locator("svg.chart").count() == 3
        assert page.title() != "1"  # the partner's markup stayed text
        assert page.get_by_text('HTTP 404 <img src=x onerror="document.title=1">').count() == 1
        assert page.locator("img").count() == 0
        page.screenshot(path=str(screenshot_path("admin.png")), full_page=True)
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["syncsvc_admin"]["httpOnly"] is True
        assert cookies["syncsvc_admin"]["sameSite"] == "Strict"
        assert cookies["syncsvc_admin"]["value"] != TOKEN
