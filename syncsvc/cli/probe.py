"""`syncsvc add-source URL`: probe a partner URL and print the TOML block to paste.

It never edits the admin's file: the admin reads what was found and decides.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import tomli_w

from ..config import Settings, SourceConfig
from ..errors import SourceError, UserError
from ..fetch import Fetcher
from ..models import Fetched, Parsed, Validators
from ..parse.feed import parse_feed
from ..parse.ics import parse_ics


def detect_kind(body: bytes) -> str:
    head = body[:4096].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    return "ics" if head.startswith(b"BEGIN:VCALENDAR") or b"BEGIN:VEVENT" in head else "feed"


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
    fetcher = Fetcher(settings)
    try:
        fetched = fetcher.fetch(SourceConfig(id=sid, name=sid, url=url, kind="ics"),
                                Validators(), force=True)
        assert isinstance(fetched, Fetched)  # force=True sends no validators: never a 304
        kind = detect_kind(fetched.body)
        parsed = (parse_ics(fetched.body, sid, settings.timezone) if kind == "ics"
                  else parse_feed(fetched.body, sid, url))
    except SourceError as e:
        raise UserError(f"{url}: {e.message}") from e
    finally:
        fetcher.close()
    return _report(url, sid, kind, parsed)


def _report(url: str, sid: str, kind: str, parsed: Parsed) -> str:
    entries = parsed.events if kind == "ics" else parsed.items
    label = "Termine" if kind == "ics" else "Nachrichten"
    titles = [getattr(e, "summary", None) or getattr(e, "title", "") for e in entries[:5]]
    lines = [f"{url}", f"  erkannt als: {'iCalendar' if kind == 'ics' else 'RSS/Atom'}",
             f"  {len(entries)} {label}" + (f", {len(parsed.skipped)} übersprungen"
                                            if parsed.skipped else "")]
    lines += [f"    · {t}" for t in titles]
    lines += [f"  Problem: {p}" for p in parsed.skipped[:5]]
    block = {"id": sid, "name": parsed.title or sid, "url": url, "kind": kind}
    lines += ["", "In config/syncsvc.toml einfügen:", "", "[[sources]]",
              tomli_w.dumps(block).rstrip()]
    return "\n".join(lines)
