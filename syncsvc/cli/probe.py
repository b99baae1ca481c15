"""`syncsvc add-source URL`: probe a partner URL and print the TOML block to paste.

It never edits the admin's file: the admin reads what was found and decides.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import tomli_w

from ..config import Settings
from ..errors import SourceError, UserError
from ..models import Parsed
from ..normalize.sanitize import one_line
from ..service.probe import detect_kind, fetch_and_parse

__all__ = ["detect_kind", "probe", "suggest_id"]


def suggest_id(url: str, taken: set[str]) -> str:
    host = (urlsplit(url).hostname or "quelle").removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host.split(".")[0].lower()).strip("-") or "quelle"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def probe(settings: Settings, url: str, source_id: str = "") -> str:
    if not url.startswith(("http://", "https://")):
        raise UserError("add-source erwartet eine http(s)-Adresse.")
    taken = {s.id for s in settings.sources}
    sid = source_id or suggest_id(url, taken)
    try:
        kind, parsed = fetch_and_parse(settings, url, sid)
    except SourceError as e:
        raise UserError(f"{url}: {e.message}") from e
    return _report(url, sid, kind, parsed)


def _report(url: str, sid: str, kind: str, parsed: Parsed) -> str:
    label = "Termine" if kind == "ics" else "Nachrichten"
    # Titles as plain text: feed titles may carry markup or entities, and an item's
    # summary is its (HTML) description, not its title.
    raw_titles = ([e.summary for e in parsed.events] if kind == "ics"
                  else [i.title for i in parsed.items])
    count = len(raw_titles)
    titles = [one_line(t, 100) or "(ohne Titel)" for t in raw_titles[:5]]
    lines = [f"{url}", f"  erkannt als: {'iCalendar' if kind == 'ics' else 'RSS/Atom'}",
             f"  {count} {label}" + (f", {len(parsed.skipped)} übersprungen"
                                     if parsed.skipped else "")]
    lines += [f"    · {t}" for t in titles]
    lines += [f"  Problem: {p}" for p in parsed.skipped[:5]]
    block = {"id": sid, "name": one_line(parsed.title) or sid, "url": url, "kind": kind}
    lines += ["", "In config/syncsvc.toml einfügen:", "", "[[sources]]",
              tomli_w.dumps(block).rstrip()]
    return "\n".join(lines)
