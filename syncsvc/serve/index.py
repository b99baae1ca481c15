"""The resident's start page at ``/``: next dates, how to subscribe, then the partner part.

Order by who reads it: residents first (the next dates from ``termine/upcoming.json``,
written by publish with the pages; those over by now are dropped per request), then
„Abonnieren“ with webcal/https links and a short help that links the full guide, then
feeds and embed code for partners and webmasters. Empty category/partner views are not
offered (views.json ``entries`` = 0). Server-rendered in the pages' shell (same inline
stylesheet, same CSP), no JavaScript; every value from a file goes through
``html.escape``, and URLs are built with ``urllib.parse.quote``.
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
from ..logs import fields
from ..publish.pages.layout import CSP, page, site_of

__all__ = ["CSP", "embed_snippet", "load_views", "render_index", "to_webcal"]
NEXT_SHOWN = 5

log = logging.getLogger(__name__)

KIND_LABELS = {"ics": "Kalender (iCalendar)", "rss": "RSS-Feed", "json": "JSON"}
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
                                                     "source")}
        if not (view["category"] or view["source"]) or item.get("entries") != 0:
            views.append(view)  # an empty category or partner view is not offered
    return views


def render_index(settings: Settings, root: Path, now: datetime | None = None) -> str:
    """The whole start page as a string."""
    views = load_views(root)
    base = settings.base_url.rstrip("/")
    groups: dict[tuple[str, str], list[dict]] = {}
    for view in views:
        groups.setdefault((view["category"], view["source"]), []).append(view)
    sections = [_section(key, groups[key], base) for key in sorted(groups, key=_order)]
    name = html.escape(settings.name)
    feeds = "\n".join(sections) or "<p>Es wurden noch keine Ansichten veröffentlicht.</p>"
    soon = next_dates(root, now or datetime.now(UTC), settings.timezone)
    body = (
        f"<h1>{name}: Termine im Netzwerk</h1>\n"
        "<p>Veranstaltungen, Treffen und Beratung der Partner in Idstein – an einem Ort.</p>\n"
        f"{_next_section(soon, base)}\n{_subscribe_section(groups, base)}"
        "\n<section aria-labelledby=\"partner\">\n"
        "<h2 id=\"partner\">Für Partner und Webmaster: Feeds und Einbau-Code</h2>\n"
        "<p>Für Websites: Den Einbau-Code in die eigene Seite kopieren; er zeigt die "
        "nächsten Termine als Liste in der Schrift der Seite.</p>\n"
        f"{feeds}\n</section>"
    )
    return page(site_of(settings), f"{settings.name} – Termine, Kalender und Nachrichten",
                body, canonical=base + "/")


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
                                                           "status")})
    return out[:NEXT_SHOWN]


def _not_over(row: dict, now: datetime, tz: str) -> bool:
    end = str(row.get("end") or "")
    try:
        if "T" in end:
            return datetime.fromisoformat(end) > now
        return date.fromisoformat(end) > now.astimezone(ZoneInfo(tz)).date()
    except ValueError:
        return False


def _next_section(soon: list[dict], base: str) -> str:
    items = []
    for row in soon:
        note = f"<span class=\"badge {'no' if row['status'] == 'Abgesagt' else 'mv'}\">" \
            f"{html.escape(row['status'])}</span> " if row["status"] else ""
        place = f" · {html.escape(row['place'])}" if row["place"] else ""
        link = html.escape(row["page"]) if row["page"].startswith(base + "/") else ""
        title = f"<a href=\"{link}\">{html.escape(row['title'])}</a>" if link \
            else html.escape(row["title"])
        items.append(f"<li><p class=\"ev-title\">{note}{title}</p><p class=\"meta\">"
                     f"{html.escape(row['when'])}{place}</p></li>")
    listing = (f"<ul class=\"events\">{''.join(items)}</ul>" if items
               else "<p>Zurzeit sind keine Termine angekündigt.</p>")
    return ("<section aria-labelledby=\"naechste\">\n<h2 id=\"naechste\">Nächste Termine</h2>\n"
            f"{listing}\n<p><a href=\"{html.escape(base)}/termine/\">Alle Termine ansehen, nach "
            "Kategorie, Partner oder Monat</a></p>\n</section>")


def _subscribe_section(groups: dict, base: str) -> str:
    rows = []
    for key in sorted(groups, key=_order):
        for view in groups[key]:
            if view["kind"] == "ics":
                url = base + quote(view["path"])
                label = html.escape(view["title"] or view["path"])
                rows.append(f"<li>{label}: <a href=\"{html.escape(to_webcal(url))}\">{label} "
                            f"abonnieren (webcal)</a> · <a href=\"{html.escape(url)}\">"
                            f"{html.escape(url)}</a></li>")
    return (
        "<section aria-labelledby=\"abonnieren\">\n<h2 id=\"abonnieren\">Abonnieren</h2>\n"
        "<p>Mit einem Abo stehen alle Termine im eigenen Kalender und bleiben von selbst "
        "aktuell. Auf dem Handy (iPhone, Android mit Kalender-App) und in Outlook oder "
        "Thunderbird: den Link „abonnieren (webcal)“ antippen. In Google Kalender: die "
        "<strong>https://</strong>-Adresse kopieren und am Computer unter „Weitere Kalender“ "
        "→ „Per URL“ einfügen. Wichtig: abonnieren, nicht importieren.</p>\n"
        f"<p><a href=\"{html.escape(base)}/termine/abonnieren.html\">Schritt für Schritt: "
        "Kalender abonnieren auf iPhone, Android, Outlook und Thunderbird</a></p>\n"
        f"<ul>{''.join(rows)}</ul>\n</section>"
    )


def _order(key: tuple[str, str]) -> tuple[int, str]:
    """All-views group first, then categories, then partners, each alphabetically."""
    category, source = key
    if category:
        return 1, category.casefold()
    return (2, source.casefold()) if source else (0, "")


def _section(key: tuple[str, str], views: list[dict], base: str) -> str:
    category, source = key
    if category:
        heading = f"Kategorie „{html.escape(category)}“"
    elif source:
        heading = f"Partner „{html.escape(source)}“"
    else:
        heading = "Alle Termine und Nachrichten"
    items = "\n".join(_item(v, base) for v in views)
    snippet = html.escape(embed_snippet(base, category, source))
    return (f"<section>\n<h3>{heading}</h3>\n<ul>\n{items}\n</ul>\n"
            f"<p>Einbau-Code für Websites:</p>\n<pre><code>{snippet}</code></pre>\n</section>")


def _item(view: dict, base: str) -> str:
    url = base + quote(view["path"])
    title = html.escape(view["title"] or view["path"])
    kind = html.escape(KIND_LABELS.get(view["kind"], view["kind"]))
    links = [f"<a href=\"{html.escape(url)}\">{html.escape(url)}</a>"]
    if view["kind"] == "ics":
        webcal = to_webcal(url)
        links.insert(0, f"<a href=\"{html.escape(webcal)}\">Abonnieren (webcal)</a>")
    return f"<li><strong>{title}</strong> <span class=\"art\">{kind}</span><br>" + \
        " · ".join(links) + "</li>"


def to_webcal(url: str) -> str:
    """``https://host/x.ics`` → ``webcal://host/x.ics`` (what calendar apps subscribe to)."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


def embed_snippet(base: str, category: str = "", source: str = "") -> str:
    """The HTML a partner pastes into their page to show upcoming events."""
    attrs = ""
    if category:
        attrs += f" data-category=\"{html.escape(category)}\""
    if source:
        attrs += f" data-source=\"{html.escape(source)}\""
    return (f"<div data-syncsvc-events{attrs} data-limit=\"5\"></div>\n"
            f"<script src=\"{html.escape(base)}/embed.js\" async></script>")
