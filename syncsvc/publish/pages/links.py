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
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit, urlunsplit

from ...i18n import SOURCE, Translator, translator
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
    lang: str = SOURCE  # the pages' language: its folder prefixes every page link

    @property
    def tr(self) -> Translator:
        return translator(self.lang)

    def url(self, path: str) -> str:
        prefix = "" if self.lang == SOURCE else f"{self.lang}/"
        return f"{self.base}/{prefix}{path}"

    def category_link(self, name: str) -> str:
        return _category_link(self, name)

    def partner_link(self, ref: SourceRef) -> str:
        return _partner_link(self, ref.source_id, ref.name)  # not by its url: per date

    def partner_line(self, ref: SourceRef) -> str:
        """The partner (its filter page) and, if given, its own page for this event."""
        line = self.partner_link(ref)
        if ref.url:
            text = self.tr.gettext("Ankündigung bei {name}").format(name=ref.name)
            line += f" – <a href=\"{escape(ref.url)}\">{escape(text)}</a>"
        return line


# A network has a few dozen categories and partners, and every listed date links to its
# own: the same links were built again for each of 100,000 dates on each listing page.
@lru_cache(maxsize=1 << 12)
def _category_link(links: Links, name: str) -> str:
    if slugify(name) not in links.categories:
        return escape(name)
    label = links.tr.gettext("Alle Termine der Kategorie")
    return (f"<a href=\"{escape(links.url(category_page(name)))}\">"
            f"<span class=\"sr\">{escape(label)} </span>{escape(name)}</a>")


@lru_cache(maxsize=1 << 12)
def _partner_link(links: Links, source_id: str, name: str) -> str:
    if source_id not in links.partners:
        return f"<bdi>{escape(name)}</bdi>"
    label = links.tr.gettext("Alle Termine von")
    return (f"<a href=\"{escape(links.url(partner_page(source_id)))}\">"
            f"<span class=\"sr\">{escape(label)} </span><bdi>{escape(name)}</bdi></a>")


def subscribe_links(url: str, label: str, tr: Translator | None = None) -> str:
    _ = (tr or translator(SOURCE)).gettext
    subscribe = _("{label} abonnieren (webcal)").format(label=label)
    https = _("{label} als https-Adresse").format(label=label)
    return (f"<li>{escape(label)}: <a href=\"{escape(webcal(url))}\">{escape(subscribe)}</a> · "
            f"<a href=\"{escape(url)}\">{escape(https)}</a></li>")


def subscribe_block(links: Links, categories: Iterable[str]) -> str:
    """Subscriptions for an event page: every calendar in the page's language, and the
    category calendars (German: they exist once, in German)."""
    tr = links.tr
    _ = tr.gettext
    rows = [subscribe_links(links.url("calendar.ics"), _("Alle Termine"), tr)]
    seen = set()
    for name in categories:
        slug = slugify(name)
        if slug not in seen:
            seen.add(slug)
            rows.append(subscribe_links(f"{links.base}/calendar/{slug}.ics",
                                        _("Kategorie „{name}“").format(name=name), tr))
    heading, why = _("Termine abonnieren"), _("Ein Abo hält den eigenen Kalender von selbst "
                                              "aktuell.")
    guide = _("Anleitung: Kalender abonnieren")
    return (f"<section aria-labelledby=\"abo\"><h2 id=\"abo\">{escape(heading)}"
            f"</h2><p>{escape(why)} "
            f"<a href=\"{escape(links.url(PAGE_DIR + '/abonnieren.html'))}\">"
            f"{escape(guide)}</a></p>"
            f"<ul>{''.join(rows)}</ul></section>")
