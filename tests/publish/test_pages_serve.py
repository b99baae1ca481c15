"""The published pages over real HTTP: /termine/ address, HTML headers, ETag and 304."""

from __future__ import annotations

import requests
from test_pages import publish

from syncsvc.publish.pages.layout import STYLE
from syncsvc.serve import make_app

from conftest import running


def test_termine_served_with_csp_and_revalidates(tmp_path):
    publish(tmp_path)
    app = make_app(__import__("publish_records").settings(tmp_path))
    with running(app) as base:
        r = requests.get(base + "/termine", allow_redirects=False, timeout=5)
        assert r.status_code == 301 and r.headers["Location"] == "/termine/"
        r = requests.get(base + "/termine/", timeout=5)
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert f"<style>{STYLE}</style>" in r.text  # the one stylesheet the CSP hashes
        again = requests.get(base + "/termine/", headers={"If-None-Match": r.headers["ETag"]},
                             timeout=5)
        assert again.status_code == 304
        page = next((tmp_path / "public/termine/e").glob("*.html")).name
        ev = requests.get(f"{base}/termine/e/{page}", timeout=5)
        assert ev.status_code == 200 and "application/ld+json" in ev.text
        ics = requests.get(f"{base}/termine/e/{page[:-5]}.ics", timeout=5)
        assert ics.headers["Content-Type"].startswith("text/calendar")
        start = requests.get(base + "/", timeout=5)
        assert "Nächste Termine" in start.text  # the dates: see the test below (clock)
        assert requests.get(base + "/termine/upcoming.html", timeout=5).status_code == 404


def test_start_page_shows_next_dates_not_over_then_subscriptions(tmp_path):
    from datetime import timedelta

    from publish_records import NOW, settings

    from syncsvc.serve.index import render_index

    publish(tmp_path, impressum_url="https://www.idstein.de/impressum")
    root = tmp_path / "public"
    text = render_index(settings(tmp_path, impressum_url="https://www.idstein.de/impressum"),
                        root, now=NOW)
    assert text.index("Nächste Termine") < text.index("Abonnieren") < text.index(
        "Für Partner und Webmaster")
    assert text.count("https://termine.example/termine/e/") == 5
    assert "Donnerstag, 5. März 2026, 10:30–12:00 Uhr" in text
    assert "webcal://termine.example/calendar.ics" in text
    assert "https://termine.example/termine/abonnieren.html" in text
    assert "https://www.idstein.de/impressum" in text
    later = render_index(settings(tmp_path), root, now=NOW + timedelta(days=5))
    assert "Donnerstag, 5. März 2026" not in later  # over by then: dropped per request
