"""Links between the pages and to the subscriptions, built once per publish run.

A filter page is linked only when it is written (a category or partner with upcoming
dates), so an event page never links to a 404. Subscription URLs point at the views
``publish_all`` writes (calendar.ics, calendar/<slug>.ics) in both spellings: ``webcal://``
opens the subscribe dialog on phones, ``https://`` is what Google Kalender accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit, urlunsplit

from ...models import SourceRef
from ..common import slugify
from .model import PAGE_DIR

SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def category_page(name: str) -> str:
    return f"{PAGE_DIR}/kategorie/{slugify(name)}.html"


def partner_page(source_id: str) -> str:
    return f"{PAGE_DIR}/partner/{source_id}.html"


def month_page(key: str) -> str:
    return f"{PAGE_DIR}/monat/{key}.html"


def webcal(url: str) -> str:
    return urlunsplit(("webcal", *urlsplit(url)[1:]))


@dataclass(frozen=True)
class Links:
    base: str
    categories: frozenset[str] = field(default_factory=frozenset)  # slugs with a page
    partners: frozenset[str] = field(default_factory=frozenset)  # source ids with a page

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def category_link(self, name: str) -> str:
        if slugify(name) not in self.categories:
            return escape(name)
        return (f"<a href=\"{escape(self.url(category_page(name)))}\">"
                f"<span class=\"sr\">Alle Termine der Kategorie </span>{escape(name)}</a>")

    def partner_link(self, ref: SourceRef) -> str:
        if ref.source_id not in self.partners:
            return escape(ref.name)
        return (f"<a href=\"{escape(self.url(partner_page(ref.source_id)))}\">"
                f"<span class=\"sr\">Alle Termine von </span>{escape(ref.name)}</a>")

    def partner_line(self, ref: SourceRef) -> str:
        """The partner (its filter page) and, if given, its own page for this event."""
        line = self.partner_link(ref)
        if ref.url:
            line += (f" – <a href=\"{escape(ref.url)}\">Ankündigung bei "
                     f"{escape(ref.name)}</a>")
        return line


def subscribe_links(url: str, label: str) -> str:
    return (f"<li>{escape(label)}: <a href=\"{escape(webcal(url))}\">{escape(label)} "
            f"abonnieren (webcal)</a> · <a href=\"{escape(url)}\">{escape(label)} als "
            "https-Adresse</a></li>")


def subscribe_block(links: Links, categories: Iterable[str]) -> str:
    rows = [subscribe_links(links.url("calendar.ics"), "Alle Termine")]
    seen = set()
    for name in categories:
        slug = slugify(name)
        if slug not in seen:
            seen.add(slug)
            rows.append(subscribe_links(links.url(f"calendar/{slug}.ics"),
                                        f"Kategorie „{name}“"))
    return ("<section aria-labelledby=\"abo\"><h2 id=\"abo\">Termine abonnieren</h2>"
            "<p>Ein Abo hält den eigenen Kalender von selbst aktuell. "
            f"<a href=\"{escape(links.url(PAGE_DIR + '/abonnieren.html'))}\">Anleitung: "
            "Kalender abonnieren</a></p>"
            f"<ul>{''.join(rows)}</ul></section>")
