"""Raw parser records → normalized ``Event`` / ``NewsItem`` records.

Instants become strings ("YYYY-MM-DD" for all-day, UTC "YYYY-MM-DDTHH:MM:SSZ" for timed),
text becomes one-line plain text (titles, locations, authors, categories) or plain text
plus sanitized HTML (descriptions, summaries), links are http(s) or "". Categories are
the source's followed by the entry's own (deduplicated case-insensitively, first
spelling and order kept). Duplicate keys within one source keep the highest SEQUENCE
(events) or the first entry (news).
"""

from __future__ import annotations

import html
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..config import SourceConfig
from ..instants import DEFAULT_ZONE, zone_or_none
from ..logs import fields
from ..models import DateOrDateTime, Event, NewsItem, RawEvent, RawItem, digest
from .sanitize import clean_html, looks_like_html, one_line, plain_text, safe_url

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_LINE = 300  # locations, authors, uids
MAX_CATEGORY = 60
MAX_TEXT = 20_000  # plain-text descriptions
MAX_HTML_INPUT = 100_000  # HTML is cut before sanitizing; nh3 closes what the cut opened
UNTITLED = "(ohne Titel)"
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")


def normalize_events(
    raws: Iterable[RawEvent], source: SourceConfig, default_tz: str
) -> list[Event]:
    """Normalize one source's events; entries that cannot be converted are logged and left out."""
    by_key: dict[tuple[str, str], Event] = {}
    for raw in raws:
        try:
            event = _event(raw, source, default_tz)
        except (ValueError, OverflowError, TypeError) as e:
            log.warning("event %r left out: %s", raw.uid[:80], e,
                        extra=fields(source=source.id, stage="normalize"))
            continue
        key = (event.uid, event.recurrence_id)
        kept = by_key.get(key)
        if kept is None or event.sequence > kept.sequence:
            by_key[key] = event
        else:
            log.info("duplicate event %s dropped (sequence %d <= %d)", key, event.sequence,
                     kept.sequence, extra=fields(source=source.id, stage="normalize"))
    return list(by_key.values())


def normalize_items(raws: Iterable[RawItem], source: SourceConfig) -> list[NewsItem]:
    """Normalize one source's news items. A repeated guid on an identical entry is dropped;
    on a different article (CMSs that reuse one guid) it gets a guid of its own, as every
    feed reader shows both."""
    by_guid: dict[str, NewsItem] = {}
    for raw in raws:
        try:
            item = _item(raw, source)
        except (ValueError, OverflowError, TypeError) as e:
            log.warning("item %r left out: %s", raw.guid[:80], e,
                        extra=fields(source=source.id, stage="normalize"))
            continue
        first = by_guid.get(item.guid)
        if first is not None and (first.link, first.title) == (item.link, item.title):
            log.info("duplicate item %s dropped", item.guid,
                     extra=fields(source=source.id, stage="normalize"))
            continue
        if first is not None:
            item = replace(item, guid=f"{item.guid}#{digest((item.link, item.title))[:8]}")
            log.warning("guid %s names two articles; the second is kept as %s", first.guid,
                        item.guid, extra=fields(source=source.id, stage="normalize"))
        by_guid.setdefault(item.guid, item)
    return list(by_guid.values())


def instant(value: DateOrDateTime, tzid: str) -> str:
    """date → "YYYY-MM-DD"; datetime → UTC "YYYY-MM-DDTHH:MM:SSZ" (naive taken in ``tzid``)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tzid))
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(raw: RawEvent, source: SourceConfig, default_tz: str) -> Event:
    tzid = zone_or_none(raw.tzid) or zone_or_none(default_tz) or DEFAULT_ZONE
    all_day = not isinstance(raw.start, datetime)
    end = raw.end
    if end is not None and (isinstance(end, datetime) == all_day or end < raw.start):
        end = None  # mixed DATE/DATE-TIME or reversed: the start alone is unambiguous
    if all_day and end == raw.start:
        end = None  # a zero-length day is the day itself (DTEND is exclusive)
    description_html, description = _rich_text(raw.description, safe_url(raw.url))
    return Event(
        source_id=source.id,
        uid=_uid(raw.uid),
        summary=_title(raw.summary),
        start=instant(raw.start, tzid),
        end=instant(end, tzid) if end is not None else "",
        all_day=all_day,
        tzid=tzid,
        description=description,
        description_html=description_html,
        location=one_line(raw.location, MAX_LINE),
        url=safe_url(raw.url),
        rrule="".join(c for c in raw.rrule if c.isprintable() and not c.isspace()),
        rdates=_instants(raw.rdates, tzid),
        exdates=_instants(raw.exdates, tzid),
        recurrence_id=instant(raw.recurrence_id, tzid) if raw.recurrence_id is not None else "",
        status=raw.status.upper() if raw.status.upper() in STATUSES else "CONFIRMED",
        categories=merge_categories(source.categories, raw.categories),
        sequence=max(0, int(raw.sequence)),
        utc_anchor=raw.utc_anchor and not all_day,
        translations=tuple((lang, _title(title) if title.strip() else "",
                            _rich_text(text, safe_url(raw.url))[1] if text.strip() else "")
                           for lang, title, text in raw.translations),
    )


def _item(raw: RawItem, source: SourceConfig) -> NewsItem:
    link = safe_url(raw.link)
    summary_html, summary = _rich_text(raw.summary, link or safe_url(source.url))
    title = _title(raw.title) if raw.title.strip() else ""
    if not title:
        title = one_line(summary, 80) or UNTITLED
    published = ""
    if raw.published is not None:
        published = instant(raw.published if raw.published.tzinfo else
                            raw.published.replace(tzinfo=UTC), "UTC")
    return NewsItem(
        source_id=source.id,
        guid=_uid(raw.guid),
        title=title,
        link=link,
        summary_html=summary_html,
        summary=summary,
        published=published,
        author=one_line(raw.author, MAX_LINE),
        categories=merge_categories(source.categories, raw.categories),
    )


def merge_categories(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    """Union of two category lists as clean one-line strings, case-insensitively unique."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in (*first, *second):
        name = one_line(str(raw), MAX_CATEGORY)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return tuple(out)


def _title(s: str) -> str:
    return one_line(s, MAX_TITLE) or UNTITLED


def _uid(s: str) -> str:
    uid = " ".join(unicodedata.normalize("NFC", s).split())
    uid = "".join(c for c in uid if c.isprintable())
    if not uid:
        raise ValueError("empty uid")
    return uid[:MAX_LINE]


def _rich_text(text: str, base_url: str) -> tuple[str, str]:
    """(sanitized HTML, plain text) of a description that is HTML or plain text."""
    if not text or not text.strip():
        return "", ""
    text = text[:MAX_HTML_INPUT]
    if looks_like_html(text):
        rich = clean_html(text, base_url)
    else:  # plain text: keep its line breaks visible in the HTML form
        rich = clean_html(html.escape(plain_text(text)).replace("\n", "<br>"), base_url)
    plain = plain_text(text)
    if len(plain) > MAX_TEXT:
        plain = plain[: MAX_TEXT - 1].rstrip() + "…"
    return unicodedata.normalize("NFC", rich), plain


def _instants(values: Iterable[date], tzid: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(instant(v, tzid) for v in values))
