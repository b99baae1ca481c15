"""Every language at its own stable URL over real HTTP; Accept-Language only picks ``/``.

Published by publish_all with three languages, served by the real app: ``/`` redirects a
browser that prefers Arabic or Ukrainian to ``/ar/`` or ``/uk/`` and stays German
otherwise; ``/de/``, ``/ar/`` … never redirect; every public page links every language,
and the Arabic pages are right-to-left.
"""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from publish_records import NOW, SOURCE_NAMES, events, items

from syncsvc.config import Settings
from syncsvc.publish import publish_all
from syncsvc.serve import make_app

from conftest import running

LANGS = ("de", "ar", "uk")


class Doc(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def first(self, tag: str) -> dict:
        return next(a for t, a in self.tags if t == tag)

    def language_links(self) -> dict[str, str]:
        return {a["hreflang"]: a["href"] for t, a in self.tags if t == "a" and "hreflang" in a}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("langs")
    settings = Settings(config_path=tmp / "x.toml", output_dir=tmp / "public",
                        base_url="http://127.0.0.1:1", languages=LANGS)
    with running(make_app(settings)) as url:
        publish_all(events(), items(), replace(settings, base_url=url), now=NOW,
                    source_names=SOURCE_NAMES)
        yield url


def fetch(url: str, **headers) -> requests.Response:
    return requests.get(url, headers=headers, allow_redirects=False, timeout=10)


@pytest.mark.parametrize(("accept", "where"), [
    ("ar,de;q=0.5", "/ar/"), ("uk-UA,uk;q=0.9,en;q=0.5", "/uk/"), ("de-DE,ar;q=0.9", None),
    ("fr-FR,fr;q=0.9", None), ("", None), ("ar;q=0,de", None)])
def test_start_page_follows_accept_language_only_at_slash(base, accept, where):
    r = fetch(base + "/", **({"Accept-Language": accept} if accept else {}))
    if where is None:
        assert r.status_code == 200 and Doc(r.text).first("html")["lang"] == "de"
    else:
        assert r.status_code == 302 and r.headers["Location"] == where
    assert "Accept-Language" in r.headers["Vary"]


@pytest.mark.parametrize("lang", LANGS)
def test_each_start_page_is_stable_whatever_the_browser_prefers(base, lang):
    r = fetch(f"{base}/{lang}/", **{"Accept-Language": "ar" if lang != "ar" else "uk"})
    assert r.status_code == 200
    html = Doc(r.text).first("html")
    assert html["lang"] == lang and r.headers["Content-Language"] == lang
    assert html.get("dir") == ("rtl" if lang == "ar" else None)


def test_arabic_pages_are_right_to_left_and_reached_by_stable_urls(base):
    assert fetch(base + "/ar/termine").headers["Location"] == "/ar/termine/"
    r = fetch(base + "/ar/termine/")
    assert r.status_code == 200
    doc = Doc(r.text)
    assert doc.first("html") == {"lang": "ar", "dir": "rtl"}
    event = next(a["href"] for t, a in doc.tags if t == "a" and "/ar/termine/e/" in
                 a.get("href", ""))
    page = fetch(event)
    assert page.status_code == 200 and "أضِف إلى تقويمي" in page.text  # „In meinen Kalender“
    assert fetch(base + "/xx/termine/").status_code == 404
    assert fetch(base + "/xx/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/ar/", "/termine/", "/ar/termine/", "/uk/termine/",
                                  "/uk/termine/abonnieren.html"])
def test_every_public_page_links_every_language(base, path):
    links = Doc(fetch(base + path).text).language_links()
    assert set(links) == set(LANGS)
    for lang, href in links.items():
        where = urlsplit(href).path  # the start page is rendered with the app's base_url
        assert fetch(base + where).status_code == 200, href
        assert where.startswith(f"/{lang}/") or (lang == "de" and where.startswith("/termine/"))
