"""The German index page at ``/``: every published view with its subscribe links.

Server-rendered, no JavaScript; every value from ``views.json`` (category names come from
partner data) goes through ``html.escape``, and URLs are built with ``urllib.parse.quote``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from ..config import Settings

log = logging.getLogger(__name__)

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}"
    "li{margin:.6rem 0}code,pre{background:#f3f3f3;border-radius:4px}"
    "pre{padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}"
    ".art{color:#555;font-size:.9em}a{color:#0645ad}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
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
        log.info("source=* views.json not readable (%s), listing standard files", e)
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


def render_index(settings: Settings, root: Path) -> str:
    """The whole index page as a string."""
    views = load_views(root)
    base = settings.base_url.rstrip("/")
    groups: dict[tuple[str, str], list[dict]] = {}
    for view in views:
        groups.setdefault((view["category"], view["source"]), []).append(view)
    sections = [_section(key, groups[key], base) for key in sorted(groups, key=_order)]
    name = html.escape(settings.name)
    body = "\n".join(sections) or "<p>Es wurden noch keine Ansichten veröffentlicht.</p>"
    return (
        "<!doctype html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{name} – Kalender und Nachrichten</title>\n<style>{_STYLE}</style>\n"
        f"</head>\n<body>\n<main>\n<h1>{name}: Kalender und Nachrichten</h1>\n"
        "<p>Termine abonnieren: Den <strong>webcal://</strong>-Link öffnen (iPhone, Mac, "
        "Outlook, Thunderbird) oder den <strong>https://</strong>-Link in Google Kalender "
        "unter „Per URL hinzufügen“ einfügen. Abonnierte Kalender aktualisieren sich "
        "von selbst.</p>\n"
        "<p>Für Websites: Den Einbau-Code in die eigene Seite kopieren; er zeigt die "
        "nächsten Termine als Liste in der Schrift der Seite.</p>\n"
        f"{body}\n</main>\n</body>\n</html>\n"
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
    return (f"<section>\n<h2>{heading}</h2>\n<ul>\n{items}\n</ul>\n"
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
