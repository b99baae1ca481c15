"""The city's cancel and move, as the embed widget shows them in headless chromium (issue 12).

The same network as test_city_authority_e2e (the city cancels one WIR Café date and moves
another; two partners still list both old dates) goes through sync and republish, is
served by the real app, and a partner's page on another origin embeds the widget: it
lists the cancelled date once, marked „Abgesagt:“, the moved one on its new day, and no
partner copy on either old day.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_city_authority_e2e import settings_in, sync_and_publish

from syncsvc.serve import make_app

from browser import chromium_page
from conftest import running

pytestmark = pytest.mark.browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


def widget_rows(page) -> list[tuple[str, str]]:
    page.wait_for_function(
        "document.querySelector('#w').getAttribute('data-syncsvc-state') === 'done'",
        timeout=10_000)
    return page.evaluate("""() => [...document.querySelectorAll('#w li')].map(li =>
        [li.querySelector('time').getAttribute('datetime'), li.innerText])""")


def test_widget_shows_the_cancelled_date_once_and_the_moved_one_on_its_new_day(tmp_path):
    settings = settings_in(tmp_path)
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    with running(make_app(settings)) as base:
        sync_and_publish(replace(settings, base_url=base))
        (host_dir / "index.html").write_text(
            "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Caritas"
            "</title></head><body><div id=\"w\" data-syncsvc-events data-limit=\"10\"></div>"
            f"<script src=\"{base}/embed.js\" async></script></body></html>", encoding="utf-8")
        host = ThreadingHTTPServer(("127.0.0.1", 0),
                                   functools.partial(_Quiet, directory=str(host_dir)))
        threading.Thread(target=host.serve_forever, daemon=True).start()
        try:
            with chromium_page(viewport=(800, 900), locale="de-DE") as page:
                page.goto(f"http://127.0.0.1:{host.server_address[1]}/")
                rows = widget_rows(page)
        finally:
            host.shutdown()
            host.server_close()
    days = [when[:10] for when, _ in rows]
    assert days == ["2027-01-14", "2027-01-21", "2027-01-29", "2027-02-04", "2027-02-11"], rows
    texts = dict(zip(days, (text for _, text in rows), strict=True))
    assert "Abgesagt: WIR Café" in texts["2027-01-21"], texts  # the badge before the title
    assert [d for d, t in texts.items() if "Abgesagt" in t] == ["2027-01-21"]
    assert all("WIR" in t for t in texts.values())  # the city's entry, not a partner copy
