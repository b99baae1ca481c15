"""feed.json (JSON Feed 1.1 of the news) and events.json (upcoming occurrences).

Serialized with ``json.dumps(ensure_ascii=False, sort_keys=True)`` so umlauts stay literal
and the same records give the same bytes. events.json is documented by
docs/events-json-schema.json.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from datetime import datetime

from ..instants import DEFAULT_ZONE
from ..models import PublishedItem, SourceRef
from .common import Fragments, Listed, attribution_html, event_link, slugify
from .localize import Localizer

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
EVENTS_VERSION = 1
_EVENTS_OPEN = b'{"events":['


def render_news_json(
    items: Sequence[PublishedItem], *, title: str, home_page_url: str, feed_url: str,
    description: str = "",
) -> bytes:
    """JSON Feed 1.1, newest first (undated items last)."""
    ordered = sorted(items, key=lambda p: p.uid)
    ordered.sort(key=lambda p: p.item.published, reverse=True)
    feed = {
        "version": JSONFEED_VERSION,
        "title": title,
        "home_page_url": home_page_url,
        "feed_url": feed_url,
        "language": "de-DE",
        "items": [_news_item(p) for p in ordered],
    }
    if description:
        feed["description"] = description
    return dump(feed)


def _news_item(pi: PublishedItem) -> dict:
    it = pi.item
    body = it.summary_html or (f"<p>{html.escape(it.summary)}</p>" if it.summary else "")
    out: dict = {
        "id": pi.uid,
        "title": it.title,
        "content_html": body + attribution_html(pi.sources, "Quelle"),
        "tags": list(pi.categories),
        "authors": [{"name": it.author}] if it.author else _authors(pi.sources),
        "_syncsvc": {"sources": sources_json(pi.sources)},
    }
    link = it.link or next((s.url for s in pi.sources if s.url), "")
    if link:
        out["url"] = link
    if it.summary:
        out["summary"] = it.summary
    if it.published:
        out["date_published"] = it.published
    return out


def _authors(sources: Sequence[SourceRef]) -> list[dict]:
    out = []
    for ref in sources[:1]:
        author = {"name": ref.name}
        if ref.url:
            author["url"] = ref.url
        out.append(author)
    return out


def render_events_json(
    listed: Sequence[Listed], *, title: str, home_page_url: str, feed_url: str,
    tz: str = DEFAULT_ZONE,
) -> bytes:
    """Occurrences in the given order (soonest first) with local ISO 8601 start/end."""
    return b"".join(events_json_chunks(listed, event_entries(), title=title,
                                       home_page_url=home_page_url, feed_url=feed_url, tz=tz))


def event_entries(localizer: Localizer | None = None) -> Fragments[Listed, bytes]:
    """Per-run cache: each listed occurrence dumped once (the same ``dump`` settings),
    with the texts of ``localizer``'s language (None: German)."""
    return Fragments(entry_renderer(localizer))


def entry_renderer(localizer: Localizer | None = None) -> Callable[[Listed], bytes]:
    """What one listed occurrence's entry is (a function of the occurrence and the
    localizer's language and sources' languages; the German texts need no memory)."""
    return lambda x: _dumps(event_json(x, localizer)).encode("utf-8")


def events_json_chunks(
    listed: Sequence[Listed], entries: Fragments[Listed, bytes], *, title: str, home_page_url: str,
    feed_url: str, tz: str = DEFAULT_ZONE, extra: dict | None = None,
) -> list[bytes]:
    """events.json as byte chunks: json dumps the document with an empty list, and the
    dumped entries go into it; with sorted keys and compact separators that is the same
    text as dumping the whole document at once ("events" is the first key)."""
    doc = {
        "version": EVENTS_VERSION,
        "title": title,
        "home_page_url": home_page_url,
        "feed_url": feed_url,
        "timezone": tz,
        "events": [],
        **(extra or {}),
    }
    empty = dump(doc)
    if not empty.startswith(_EVENTS_OPEN + b"]"):
        raise ValueError("events.json: 'events' is not the first key")
    chunks = [_EVENTS_OPEN]
    for i, x in enumerate(listed):
        if i:
            chunks.append(b",")
        chunks.append(entries.get(x))
    chunks.append(empty[len(_EVENTS_OPEN):])
    return chunks


def event_json(x: Listed, localizer: Localizer | None = None) -> dict:
    """One occurrence; with ``localizer``, its texts in that view's language, and where
    they carry a label (see Localizer.marks) the language of title and description."""
    pe, occ = x.published, x.occurrence
    ev = pe.event
    out = _event_json(x, pe, occ, localizer.event(ev) if localizer is not None else ev)
    if localizer is not None:
        text = localizer.text(ev)
        if localizer.marks(text):
            out["title_language"] = text.title_lang
            out["description_language"] = text.description_lang
    return out


def _event_json(x: Listed, pe, occ, ev) -> dict:
    return {
        "id": x.guid,
        "uid": pe.uid,
        "title": ev.summary,
        "start": _iso(occ.start),
        "end": _iso(occ.end) if occ.end is not None else None,
        "all_day": not isinstance(occ.start, datetime),
        "timezone": ev.tzid,
        "location": ev.location,
        "url": event_link(pe),
        "description": ev.description,
        "description_html": ev.description_html,
        "categories": list(pe.categories),
        # the keys of the category views (spellings that share a slug share a view): the
        # widget filters by them, so it shows what calendar/<slug>.ics shows
        "category_slugs": sorted({slugify(c) for c in pe.categories}),
        "sources": sources_json(pe.sources),
        "status": ev.status or "CONFIRMED",
    }


def _iso(value) -> str:
    return value.isoformat()


def sources_json(sources: Sequence[SourceRef]) -> list[dict]:
    return [{"id": s.source_id, "name": s.name, "url": s.url} for s in sources]


def dump(doc: object) -> bytes:
    """Compact, key-sorted UTF-8 JSON. Compact on purpose: ``indent`` forces Python's
    pure-Python encoder, which made events.json the slowest output to write."""
    return (_dumps(doc) + "\n").encode("utf-8")


def _dumps(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
