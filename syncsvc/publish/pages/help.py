"""/termine/abonnieren.html: the subscription guide (subscribe.de.md) as a page.

The guide is written once, in Markdown, for people (docs/subscribe.de.md links here, so
it is also readable on GitHub); this module renders it with markdown-it (CommonMark plus
tables, raw HTML off) and replaces the placeholder host ``termine.example.org`` with the
service's own address, so the examples are addresses a reader can copy.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from .layout import Site, page
from .links import webcal

GUIDE = Path(__file__).resolve().parent / "subscribe.de.md"
PLACEHOLDER = "termine.example.org"


@lru_cache(maxsize=1)
def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def guide_markdown(base: str) -> str:
    """The guide with the service's address in every example."""
    host = urlsplit(base).netloc or PLACEHOLDER
    text = _guide().replace(f"https://{PLACEHOLDER}", base)
    text = text.replace(f"webcal://{PLACEHOLDER}", webcal(base))
    return text.replace(PLACEHOLDER, host)


def guide_html(base: str) -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = md.render(guide_markdown(base))
    return html.replace("<table>", "<div class=\"table\"><table>").replace(
        "</table>", "</table></div>")


def render_guide(site: Site) -> str:
    """The guide is written in German only so far: on another language's page it says so
    in that language and is marked as German text."""
    _ = site.tr.gettext
    body = guide_html(site.base)
    if not site.tr.is_source:
        note = _("Diese Anleitung gibt es bisher nur auf Deutsch.")
        body = f"<p class=\"box\">{escape(note)}</p>\n<div lang=\"de\" dir=\"ltr\">{body}</div>"
    return page(site, _("Kalender abonnieren – {name}").format(name=site.name), body,
                canonical=f"{site.base}/{site.prefix}termine/abonnieren.html")
