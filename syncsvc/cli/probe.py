"""`syncsvc add-source URL`: probe a partner URL and print the TOML block to paste.

It never edits the admin's file: the admin reads what was found and decides.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import tomli_w

from ..config import SOURCE_ID, Settings
from ..errors import SourceError, UserError
from ..models import Parsed
from ..normalize.sanitize import one_line
from ..service.probe import detect_kind, fetch_and_parse

__all__ = ["detect_kind", "probe", "suggest_id"]

FALLBACK_ID = "quelle"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_UMLAUTS)).strip("-")


def _free(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def suggest_id(url: str, taken: set[str]) -> str:
    """A free id for ``url``: the host's first label ("verein-idstein" for
    www.verein-idstein.de); for an IP address or localhost the path's file name
    ("termine" for http://127.0.0.1:8000/termine.ics), else "quelle" (never a bare
    number such as "127")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host and not _is_address(host):
        base = _slug(host.split(".")[0])
    else:
        base = _slug(PurePosixPath(unquote(parts.path)).stem)
    return _free(base if base and not base.isdigit() else FALLBACK_ID, taken)


def _checked_id(source_id: str, url: str, taken: set[str]) -> str:
    """``--id`` as given, if it is valid and free; else a UserError saying why, with a
    free id to use instead."""
    if not SOURCE_ID.match(source_id):
        proposal = _free(_slug(source_id) or suggest_id(url, taken), taken)
        raise UserError(
            f"Die Kennung „{source_id}“ ist nicht erlaubt: Sie darf nur Kleinbuchstaben "
            "a–z, Ziffern 0–9 und Bindestriche enthalten und muss mit einem Buchstaben oder "
            f"einer Ziffer beginnen. Vorschlag: --id {proposal}")
    if source_id in taken:
        raise UserError(
            f"Die Kennung „{source_id}“ hat schon eine Quelle in der Konfiguration; jede "
            f"Quelle braucht eine eigene. Vorschlag: --id {_free(source_id, taken)}")
    return source_id


def probe(settings: Settings, url: str, source_id: str = "") -> str:
    if not url.startswith(("http://", "https://")):
        raise UserError("add-source erwartet eine http(s)-Adresse.")
    taken = {s.id for s in settings.sources}
    sid = _checked_id(source_id, url, taken) if source_id else suggest_id(url, taken)
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
