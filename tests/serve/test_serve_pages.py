"""The German index page at ``/`` over real HTTP: views, subscribe links, escaping, CSP."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from test_serve import BASE_URL, HOSTILE, write_outputs

from syncsvc.config import Settings
from syncsvc.serve import make_app, stop

from conftest import start_server


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    out.mkdir()
    write_outputs(out)
    return out


@pytest.fixture
def base(out: Path, tmp_path: Path):
    app = make_app(Settings(config_path=tmp_path / "x.toml", output_dir=out, base_url=BASE_URL))
    server, thread, url = start_server(app)
    yield url
    stop(server, thread)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]

    def handle_data(self, data):
        self.text += data


def test_index_lists_views_with_subscribe_links(base):
    r = requests.get(base + "/", timeout=5)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    page = _Tags()
    page.feed(r.text)
    assert "webcal://termine.example.org/calendar/begegnung.ics" in page.hrefs
    assert "https://termine.example.org/calendar/begegnung.ics" in page.hrefs
    assert "webcal://termine.example.org/sources/ibb/calendar.ics" in page.hrefs
    assert "https://termine.example.org/news.rss" in page.hrefs
    assert not any(h.startswith("webcal:") and h.endswith(".rss") for h in page.hrefs)
    assert not any("javascript" in h for h in page.hrefs)
    # the snippet names the view's key, so every spelling sharing calendar/begegnung.ics
    # shows in the widget too
    assert '<div data-syncsvc-events data-category="begegnung" data-limit="5"></div>' in page.text
    assert '<script src="https://termine.example.org/embed.js" async></script>' in page.text
    assert "Begegnung – Termine" in page.text and "Idstein bleibt bunt" in page.text


def test_index_escapes_hostile_category(base):
    html_text = requests.get(base + "/", timeout=5).text
    page = _Tags()
    page.feed(html_text)
    assert "h1" in page.tags and "script" not in page.tags  # the page runs no JavaScript
    assert HOSTILE not in html_text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html_text
    assert HOSTILE in page.text  # shown to the reader as text


def test_index_without_views_json_lists_standard_files(base, out):
    (out / "views.json").unlink()
    page = _Tags()
    page.feed(requests.get(base + "/", timeout=5).text)
    assert "webcal://termine.example.org/calendar.ics" in page.hrefs
    assert "https://termine.example.org/feed.json" in page.hrefs


def test_index_does_not_offer_empty_category_or_partner_views(base, out):
    """A view with no occurrence in the horizon (all its events are past) stays published
    for existing subscribers but is not offered to new ones."""
    import json

    views = json.loads((out / "views.json").read_text(encoding="utf-8"))
    views += [{"path": "/calendar/sommer.ics", "title": "Sommer – Termine", "kind": "ics",
               "category": "Sommer", "source": "", "entries": 0},
              {"path": "/calendar/kurs.ics", "title": "Kurs – Termine", "kind": "ics",
               "category": "Kurs", "source": "", "entries": 4},
              {"path": "/calendar.ics", "title": "Alle Termine (leer)", "kind": "ics",
               "category": "", "source": "", "entries": 0}]
    (out / "views.json").write_text(json.dumps(views), encoding="utf-8")
    text = requests.get(base + "/", timeout=5).text
    assert "calendar/kurs.ics" in text
    assert "calendar/sommer.ics" not in text and "Sommer" not in text
    assert "Alle Termine (leer)" in text  # the main calendar is always offered
