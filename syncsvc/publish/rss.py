"""news.rss and events.rss: RSS 2.0 built with ElementTree (it escapes; we never concatenate XML).

Dates come from the records (item dates, DTSTAMPs), never from the clock, so the same records
give the same bytes.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

from ..instants import DEFAULT_ZONE
from ..models import PublishedItem, SourceRef
from ..recur.vevent import parse_instant
from .common import Fragments, Listed, attribution_html, event_link, german_title, german_when

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("atom", ATOM)
ET.register_namespace("dc", DC)
# XML 1.0 forbids these code points even escaped; partner text may contain them.
_SLOT = "syncsvc-items"  # placeholder element for the items; never a partner's text
_SLOT_BYTES = f"<{_SLOT} />".encode()
_ITEM_SEP = b"\n  "
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def render_news(
    items: Sequence[PublishedItem], *, title: str, link: str, self_url: str, description: str
) -> bytes:
    """RSS 2.0 of the news, newest first; undated items last."""
    ordered = sorted(items, key=lambda p: p.uid)
    ordered.sort(key=lambda p: p.item.published, reverse=True)
    dates = [p.item.published for p in ordered if p.item.published]
    channel, rss = _channel(title, link, self_url, description, max(dates, default=""))
    for pi in ordered:
        _news_item(channel, pi, link)
    return _serialize(rss)


def render_events_rss(
    listed: Sequence[Listed], *, title: str, link: str, self_url: str, description: str,
    tz: str = DEFAULT_ZONE,
) -> bytes:
    """Event occurrences as RSS items, in the given order (soonest first).

    Items carry no pubDate on purpose: CMS RSS blocks sort by it (newest first) and would
    turn the list upside down.
    """
    return b"".join(events_rss_chunks(listed, event_items(link, tz), title=title, link=link,
                                      self_url=self_url, description=description))


def event_items(home: str, tz: str) -> Fragments[Listed, bytes]:
    """Per-run cache: each listed occurrence becomes one serialized <item> element."""
    return Fragments(item_renderer(home, tz))


def item_renderer(home: str, tz: str) -> Callable[[Listed], bytes]:
    """What one listed occurrence's <item> is (a function of the occurrence, home, tz)."""
    return lambda x: _item_bytes(x, home, tz)


def events_rss_chunks(
    listed: Sequence[Listed], items: Fragments[Listed, bytes], *, title: str, link: str,
    self_url: str, description: str,
) -> list[bytes]:
    """The feed as byte chunks: ElementTree writes the channel, with a placeholder where
    the items go; the items come from ``items`` (serialized by ElementTree, indented as
    ``ET.indent`` indents them in place: two spaces between items, one after the last)."""
    stamps = [x.published.dtstamp for x in listed if x.published.dtstamp]
    channel, rss = _channel(title, link, self_url, description, max(stamps, default=""))
    if not listed:
        return [_serialize(rss)]
    _sub(channel, _SLOT)
    head, sep, tail = _serialize(rss).partition(_SLOT_BYTES)
    if not sep or _SLOT_BYTES in tail:
        raise ValueError("RSS placeholder not found exactly once")
    chunks = [head]
    for i, x in enumerate(listed):
        if i:
            chunks.append(_ITEM_SEP)
        chunks.append(items.get(x))
    chunks.append(tail)
    return chunks


def _item_bytes(x: Listed, home: str, tz: str) -> bytes:
    holder = ET.Element("channel")
    _event_item(holder, x, home, tz)
    item = holder[0]
    ET.indent(item, space=" ", level=2)
    item.tail = None
    return ET.tostring(item, encoding="utf-8")


def _channel(title: str, link: str, self_url: str, description: str, built: str):
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", link)
    _sub(channel, "description", description)
    _sub(channel, "language", "de-DE")
    _sub(channel, "generator", "syncsvc")
    if built:
        _sub(channel, "lastBuildDate", rfc822(built))
    _sub(channel, f"{{{ATOM}}}link",
         attrib={"href": self_url, "rel": "self", "type": "application/rss+xml"})
    return channel, rss


def _news_item(channel: ET.Element, pi: PublishedItem, home: str) -> None:
    it = pi.item
    item = _sub(channel, "item")
    _sub(item, "title", it.title)
    link = it.link or next((s.url for s in pi.sources if s.url), "")
    if link:
        _sub(item, "link", link)
    body = it.summary_html or (f"<p>{html.escape(it.summary)}</p>" if it.summary else "")
    _sub(item, "description", body + attribution_html(pi.sources, "Quelle"))
    _guid(item, pi.uid, link)
    if it.published:
        _sub(item, "pubDate", rfc822(it.published))
    if it.author:
        _sub(item, f"{{{DC}}}creator", it.author)
    _common(item, pi.categories, pi.sources, home)


def _event_item(channel: ET.Element, x: Listed, home: str, tz: str) -> None:
    pe, occ = x.published, x.occurrence
    ev = pe.event
    item = _sub(channel, "item")
    prefix = "Abgesagt: " if ev.status == "CANCELLED" else ""
    _sub(item, "title", prefix + german_title(occ.start, ev.summary, tz))
    link = event_link(pe)
    _sub(item, "link", link or home)
    _sub(item, "description", event_html(x, tz))
    _guid(item, x.guid, "")
    _common(item, pe.categories, pe.sources, home)


def event_html(x: Listed, tz: str) -> str:
    """The item body: when, where, the partner's description, who announced it."""
    ev, occ = x.published.event, x.occurrence
    facts = f"<strong>Wann:</strong> {html.escape(german_when(occ.start, occ.end, tz))}"
    if ev.location:
        facts += f"<br><strong>Wo:</strong> {html.escape(ev.location)}"
    if ev.status == "CANCELLED":
        facts += "<br><strong>Abgesagt</strong>"
    body = ev.description_html or (
        f"<p>{html.escape(ev.description)}</p>" if ev.description else "")
    return f"<p>{facts}</p>{body}{attribution_html(x.published.sources)}"


def _common(item: ET.Element, categories: Sequence[str], sources: Sequence[SourceRef],
            home: str) -> None:
    for cat in categories:
        _sub(item, "category", cat)
    if sources:
        _sub(item, "source", sources[0].name, {"url": sources[0].url or home})


def _guid(item: ET.Element, guid: str, link: str) -> None:
    permalink = "true" if link and guid == link else "false"
    _sub(item, "guid", guid, {"isPermaLink": permalink})


def rfc822(instant: str) -> str:
    value = parse_instant(instant)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return format_datetime(value, usegmt=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None,
         attrib: dict[str, str] | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in (attrib or {}).items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _serialize(root: ET.Element) -> bytes:
    ET.indent(root, space=" ")
    buf = io.BytesIO()
    ET.ElementTree(root).write(buf, encoding="utf-8", xml_declaration=True)
    return buf.getvalue() + b"\n"
