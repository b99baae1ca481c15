"""The resident's start page at ``/`` (and ``/<lang>/``): next dates, how to subscribe,
then the partner part.

Order by who reads it: residents first (the next dates from ``termine/upcoming.json``,
written by publish with the pages; those over by now are dropped per request), then
„Abonnieren“ with webcal/https links and a short help that links the full guide, then
feeds and embed code for partners and webmasters. Empty category/partner views are not
offered (views.json ``entries`` = 0). Server-rendered in the pages' shell (same inline
stylesheet, same CSP), no JavaScript; every value from a file goes through
``html.escape``, and URLs are built with ``urllib.parse.quote``. In another language
(``/ar/``) it reads that language's next dates and offers that language's views; the
words come from the i18n catalogs.
"""

from __future__ import annotations

import html
import json
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from ..config import Settings
from ..i18n import N_, SOURCE, Translator
from ..logs import fields
from ..publish.common import slugify
from ..publish.pages.layout import CSP, lang_attrs, page, site_of

__all__ = ["CSP", "embed_snippet", "load_views", "render_index", "to_webcal"]
NEXT_SHOWN = 5

log = logging.getLogger(__name__)

KIND_LABELS = {"ics": N_("Kalender (iCalendar)"), "rss": N_("RSS-Feed"), "json": N_("JSON")}
DEFAULT_VIEWS = (
    ("/calendar.ics", "Alle Termine", "ics"),
    ("/events.rss", "Anstehende Termine", "rss"),
    ("/events.json", "Anstehende Termine", "json"),
    ("/news.rss", "Nachrichten", "rss"),
    ("/feed.json", "Nachrichten (JSON Feed)", "json"),
)
_PATH = re.compile(r"^(/[\w-][\w.-]*){1,3}$")


def load_views(root: Path) -> list[dict]:
    """Read ``views.json``; fall back to the standard files present when it is missing."""
    try:
        raw = json.loads((root / "views.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        log.info("views.json not readable (%s), listing standard files", e,
                 extra=fields(source="*"))
        return [{"path": p, "title": t, "kind": k, "category": "", "source": ""}
                for p, t, k in DEFAULT_VIEWS if (root / p[1:]).is_file()]
    views = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not _PATH.match(str(item.get("path", ""))):
            continue
        view = {k: str(item.get(k) or "") for k in ("path", "title", "kind", "category",
                                                     "source", "language")}
        if not (view["category"] or view["source"]) or item.get("entries") != 0:
            views.append(view)  # an empty category or partner view is not offered
    return views


def render_index(settings: Settings, root: Path, now: datetime | None = None,
                 lang: str = SOURCE) -> str:
    """The whole start page (in ``lang``) as a string."""
    site = site_of(settings, lang)
    tr = site.tr
    _ = tr.gettext
    views = [v for v in load_views(root) if v.get("language", "") == ("" if lang == SOURCE
                                                                        else lang)]
    base = settings.base_url.rstrip("/")
    groups: dict[tuple[str, str], list[dict]] = {}
    for view in views:
        groups.setdefault((view["category"], view["source"]), []).append(view)
    embed = "" if lang == SOURCE else lang
    sections = [_section(key, groups[key], base, tr, embed) for key in sorted(groups, key=_order)]
    nothing = _("Es wurden noch keine Ansichten veröffentlicht.")
    feeds = "\n".join(sections) or f"<p>{html.escape(nothing)}</p>"
    soon = next_dates(root / site.prefix, now or datetime.now(UTC), settings.timezone)
    heading = _("{name}: Termine im Netzwerk").format(name=settings.name)
    intro = _("Veranstaltungen, Treffen und Beratung der Partner in Idstein – an einem Ort.")
    partner = _("Für Partner und Webmaster: Feeds und Einbau-Code")
    partner_intro = _("Für Websites: Den Einbau-Code in die eigene Seite kopieren; er zeigt "
                      "die nächsten Termine als Liste in der Schrift der Seite.")
    body = (
        f"<h1>{html.escape(heading)}</h1>\n<p>{html.escape(intro)}</p>\n"
        f"{_next_section(soon, base, site.prefix, tr)}\n"
        f"{_subscribe_section(groups, base, site.prefix, tr)}"
        "\n<section aria-labelledby=\"partner\">\n"
        f"<h2 id=\"partner\">{html.escape(partner)}</h2>\n<p>{html.escape(partner_intro)}</p>\n"
        f"{feeds}\n</section>"
    )
    return page(site, _("{name} – Termine, Kalender und Nachrichten").format(
        name=settings.name), body, canonical=f"{base}/{site.prefix}", here="")


def next_dates(root: Path, now: datetime, tz: str) -> list[dict]:
    """The next dates from termine/upcoming.json that are not over at ``now``."""
    try:
        rows = json.loads((root / "termine" / "upcoming.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and _not_over(row, now, tz):
            out.append({k: str(row.get(k) or "") for k in ("title", "when", "place", "page",
                                                           "status", "title_lang",
                                                           "cancelled")})
    return out[:NEXT_SHOWN]


def _not_over(row: dict, now: datetime, tz: str) -> bool:
    end = str(row.get("end") or "")
    try:
        if "T" in end:
            return datetime.fromisoformat(end) > now
        return date.fromisoformat(end) > now.astimezone(ZoneInfo(tz)).date()
    except ValueError:
        return False


def _next_section(soon: list[dict], base: str, prefix: str, tr: Translator) -> str:
    _ = tr.gettext
    items = []
    for row in soon:
        cancelled = row["cancelled"] == "True" or row["status"] == "Abgesagt"
        note = f"<span class=\"badge {'no' if cancelled else 'mv'}\">" \
            f"{html.escape(row['status'])}</span> " if row["status"] else ""
        place = f" · <bdi>{html.escape(row['place'])}</bdi>" if row["place"] else ""
        link = html.escape(row["page"]) if row["page"].startswith(base + "/") else ""
        attrs = lang_attrs(row["title_lang"], tr.lang) if row["title_lang"] else ""
        title = f"<a href=\"{link}\"{attrs}>{html.escape(row['title'])}</a>" if link \
            else html.escape(row["title"])
        items.append(f"<li><p class=\"ev-title\">{note}{title}</p><p class=\"meta\">"
                     f"{html.escape(row['when'])}{place}</p></li>")
    none = _("Zurzeit sind keine Termine angekündigt.")
    heading, more = _("Nächste Termine"), _("Alle Termine ansehen, nach Kategorie, Partner "
                                              "oder Monat")
    listing = (f"<ul class=\"events\">{''.join(items)}</ul>" if items
               else f"<p>{html.escape(none)}</p>")
    return (f"<section aria-labelledby=\"naechste\">\n<h2 id=\"naechste\">"
            f"{html.escape(heading)}</h2>\n"
            f"{listing}\n<p><a href=\"{html.escape(base)}/{prefix}termine/\">"
            f"{html.escape(more)}</a></p>\n</section>")


def _subscribe_section(groups: dict, base: str, prefix: str, tr: Translator) -> str:
    _ = tr.gettext
    rows = []
    for key in sorted(groups, key=_order):
        for view in groups[key]:
            if view["kind"] == "ics":
                url = base + quote(view["path"])
                label = view["title"] or view["path"]
                link = _("{label} abonnieren (webcal)").format(label=label)
                rows.append(f"<li>{html.escape(label)}: <a href=\"{html.escape(to_webcal(url))}\">"
                            f"{html.escape(link)}</a> · <a href=\"{html.escape(url)}\">"
                            f"{html.escape(url)}</a></li>")
    help_text = _("Mit einem Abo stehen alle Termine im eigenen Kalender und bleiben von selbst "
                  "aktuell. Auf dem Handy (iPhone, Android mit Kalender-App) und in Outlook "
                  "oder Thunderbird: den Link „abonnieren (webcal)“ antippen. In Google "
                  "Kalender: die https://-Adresse kopieren und am Computer unter „Weitere "
                  "Kalender“ → „Per URL“ einfügen. Wichtig: abonnieren, nicht importieren.")
    heading = _("Abonnieren")
    steps = _("Schritt für Schritt: Kalender abonnieren auf iPhone, Android, Outlook und "
              "Thunderbird")
    return (
        f"<section aria-labelledby=\"abonnieren\">\n<h2 id=\"abonnieren\">"
        f"{html.escape(heading)}</h2>\n<p>{html.escape(help_text)}</p>\n"
        f"<p><a href=\"{html.escape(base)}/{prefix}termine/abonnieren.html\">"
        f"{html.escape(steps)}</a></p>\n<ul>{''.join(rows)}</ul>\n</section>"
    )


def _order(key: tuple[str, str]) -> tuple[int, str]:
    """All-views group first, then categories, then partners, each alphabetically."""
    category, source = key
    if category:
        return 1, category.casefold()
    return (2, source.casefold()) if source else (0, "")


def _section(key: tuple[str, str], views: list[dict], base: str, tr: Translator,
             lang: str = "") -> str:
    _ = tr.gettext
    category, source = key
    if category:
        heading = html.escape(_("Kategorie „{name}“").format(name=category))
    elif source:
        heading = html.escape(_("Partner „{name}“").format(name=source))
    else:
        heading = html.escape(_("Alle Termine und Nachrichten"))
    items = "\n".join(_item(v, base, tr) for v in views)
    # the view's key, not its display name: every spelling that shares the view matches
    snippet = html.escape(embed_snippet(base, slugify(category) if category else "", source,
                                        lang))
    code = _("Einbau-Code für Websites:")
    return (f"<section>\n<h3>{heading}</h3>\n<ul>\n{items}\n</ul>\n"
            f"<p>{html.escape(code)}</p>\n<pre><code>{snippet}</code></pre>\n</section>")


def _item(view: dict, base: str, tr: Translator) -> str:
    url = base + quote(view["path"])
    title = html.escape(view["title"] or view["path"])
    kind = html.escape(tr.gettext(KIND_LABELS[view["kind"]]) if view["kind"] in KIND_LABELS
                       else view["kind"])
    links = [f"<a href=\"{html.escape(url)}\">{html.escape(url)}</a>"]
    if view["kind"] == "ics":
        webcal = to_webcal(url)
        label = tr.gettext("Abonnieren (webcal)")
        links.insert(0, f"<a href=\"{html.escape(webcal)}\">{html.escape(label)}</a>")
    return f"<li><strong>{title}</strong> <span class=\"art\">{kind}</span><br>" + \
        " · ".join(links) + "</li>"


def to_webcal(url: str) -> str:
    """``https://host/x.ics`` → ``webcal://host/x.ics`` (what calendar apps subscribe to)."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


def embed_snippet(base: str, category: str = "", source: str = "", lang: str = "") -> str:
    """The HTML a partner pastes into their page to show upcoming events."""
    attrs = f" data-lang=\"{html.escape(lang)}\"" if lang else ""
    if category:
        attrs += f" data-category=\"{html.escape(category)}\""
    if source:
        attrs += f" data-source=\"{html.escape(source)}\""
    return (f"<div data-syncsvc-events{attrs} data-limit=\"5\"></div>\n"
            f"<script src=\"{html.escape(base)}/embed.js\" async></script>")
