"""RSS 0.9x/1.0/2.0 and Atom body → ``Parsed`` (RawItem records) with feedparser.

Before feedparser sees a document that declares a DOCTYPE (or is UTF-16/32), expat via
defusedxml checks it for entity declarations ("billion laughs") and external entities
(XXE); either makes the whole body a ParseError. feedparser then runs with
``sanitize_html=False``: summaries stay "HTML as found" and are sanitized once, with
nh3, in normalize. ``resolve_relative_uris`` stays on, so links and links inside HTML
resolve against xml:base or the feed URL (passed as Content-Location) — stripped of user
info and query first, which may carry the partner's credentials (``link_base``).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
from datetime import UTC, datetime

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from ..config.urls import link_base
from ..errors import ParseError
from ..logs import fields
from ..models import Parsed, RawItem
from .complete import feed_truncated

log = logging.getLogger(__name__)

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html\s*>|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_ANYWHERE = re.compile(rb"<html[\s>]", re.IGNORECASE)


def parse_feed(body: bytes, source_id: str, url: str) -> Parsed:
    """Parse a feed body. Raises ParseError when the body is no usable feed."""
    _reject_unusable(body, source_id)
    result = feedparser.parse(
        io.BytesIO(body),  # never a str: feedparser would fetch URLs or open paths
        response_headers={"content-location": link_base(url), "content-type": "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    entries = result.get("entries", [])
    if result.get("bozo") and feed_truncated(body):
        raise ParseError(source_id, "Antwort unvollständig: der Feed bricht vor seinem "
                         "schließenden Element ab (vermutlich abgebrochene Übertragung) – "
                         "der letzte Stand bleibt erhalten.")
    if not entries:
        _raise_if_broken(result, body, source_id)
    elif result.get("bozo"):
        log.warning("feed is not well-formed (%s); using the %d entries found", _reason(result),
                    len(entries), extra=fields(source=source_id, stage="parse"))
    items: list[RawItem] = []
    skipped: list[str] = []
    for index, entry in enumerate(entries, start=1):
        try:
            items.append(_to_raw(entry, source_id))
        except Exception as e:  # noqa: BLE001 - one bad entry never stops the feed
            reason = f"Eintrag Nr. {index} übersprungen: unlesbar ({type(e).__name__})."
            skipped.append(reason)
            log.warning("%s", reason, extra=fields(source=source_id, stage="parse"))
    title = str(result.get("feed", {}).get("title", ""))
    return Parsed(items=tuple(items), skipped=tuple(skipped), title=title)


def _reject_unusable(body: bytes, source_id: str) -> None:
    if not body or not body.strip():
        raise ParseError(source_id, "Antwort ist leer (kein Feed-Inhalt).")
    if _HTML_START.match(body[:4096]):
        raise ParseError(source_id, "Antwort ist kein RSS/Atom-Feed (HTML-Seite erhalten).")
    if b"\x00" in body[:4] or _DOCTYPE.search(body):
        _reject_entities(body, source_id)


def _reject_entities(body: bytes, source_id: str) -> None:
    """Refuse entity declarations and external references (XML bombs, XXE)."""
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise ParseError(
            source_id,
            "Feed enthält XML-Entity-Deklarationen oder externe Verweise "
            "und wird aus Sicherheitsgründen abgelehnt.",
        ) from e
    except Exception:  # noqa: BLE001 - ill-formed XML is feedparser's job, not a threat
        if _ENTITY_DECL.search(body):  # expat gave up before it reached the declarations
            raise ParseError(
                source_id,
                "Feed enthält XML-Entity-Deklarationen und wird aus Sicherheitsgründen abgelehnt.",
            ) from None


def _raise_if_broken(result, body: bytes, source_id: str) -> None:
    """No entries: fine for a well-formed empty feed, an error for anything else."""
    if result.get("bozo"):
        log.warning("feedparser: %s", _reason(result),
                    extra=fields(source=source_id, stage="parse"))
    if not result.get("version"):
        detail = " (kein lesbares XML)" if result.get("bozo") else ""
        if _HTML_ANYWHERE.search(body[:4096]):
            detail = " (HTML-Seite erhalten)"
        raise ParseError(source_id, f"Antwort ist kein RSS/Atom-Feed{detail}.")
    if result.get("bozo"):
        raise ParseError(source_id, "Feed ist fehlerhaft (kein wohlgeformtes XML) "
                         "und enthält keine lesbaren Einträge.")


def _reason(result) -> str:
    exc = result.get("bozo_exception")
    text = str(getattr(exc, "getMessage", lambda: exc)()) if exc is not None else ""
    return text[:160] or "unbekannter Fehler"


def _to_raw(entry, source_id: str) -> RawItem:
    title = str(entry.get("title", ""))
    link = str(entry.get("link", ""))
    published = _published(entry)
    guid = str(entry.get("id", "")).strip() or link.strip()
    if not guid:
        stamp = published.isoformat() if published else ""
        digest = hashlib.sha256(f"{source_id}\x1f{title}\x1f{stamp}".encode()).hexdigest()
        guid = f"derived-{digest[:24]}@{source_id}"
    return RawItem(
        guid=guid, title=title, link=link, summary=_summary(entry), published=published,
        author=str(entry.get("author", "")),
        categories=tuple(str(t.get("term")) for t in entry.get("tags", []) if t.get("term")),
    )


def _summary(entry) -> str:
    """The richest HTML body: full content if there is any, else the summary."""
    summary = str(entry.get("summary", ""))
    for content in entry.get("content", []):
        value = str(content.get("value", ""))
        if len(value) > len(summary):
            summary = value
    return summary


def _published(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
