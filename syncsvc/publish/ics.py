"""calendar.ics: the published events as one RFC 5545 calendar.

Everything is serialized by icalendar (escaping, folding); every per-event value comes from
the published records, never from the clock, so the same records give the same bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache

import icalendar

from ..errors import PublishError
from ..i18n import Translator, translator
from ..logs import fields
from ..models import PublishedEvent, digest
from ..recur.vevent import parse_instant, to_vevent
from .common import Fragments, attribution_lines, event_link, group_by_uid
from .localize import Localizer, Text
from .shell import shell_bytes
from .vtimezone import vtimezone

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # DTSTAMP when the store gave none (required field)
_LAST_TZ_DATE = date(2038, 1, 1)


END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Block:
    """One VEVENT as icalendar serialized it, with what the calendar shell needs from it."""

    data: bytes
    years: tuple[int, int]  # earliest and latest year of DTSTART/DTEND/RECURRENCE-ID
    tzids: frozenset[str]  # TZID parameters used (VTIMEZONEs to add)


# Part of every persisted block's key: bump when _vevent changes what it writes.
RENDER_VERSION = ("vevent-1", icalendar.__version__)

CacheKey = tuple[str, str, str]  # uid, recurrence_id, render key
Cached = tuple[bytes, str]  # serialized VEVENT, JSON metadata (years, tzids)


def block_key(pe: PublishedEvent) -> CacheKey:
    """Identifies a block's bytes: everything _vevent reads from the record (no setting is
    used inside a VEVENT), SEQUENCE and DTSTAMP included, and the renderer's version."""
    fields = (pe.uid, pe.event, pe.sources, pe.categories, pe.sequence, pe.dtstamp)
    return pe.uid, pe.event.recurrence_id, digest((fields, RENDER_VERSION))


def vevent_blocks(
    cache: Mapping[CacheKey, Cached] | None = None,
    fresh: MutableMapping[CacheKey, Cached] | None = None,
    localizer: Localizer | None = None,
) -> Fragments[PublishedEvent, Block | Exception | None]:
    """Per-run cache: each published record becomes a VEVENT and is serialized once.

    With ``cache`` (blocks persisted by earlier runs), a record whose key is there reuses
    those bytes; every block rendered instead is added to ``fresh`` for the caller to keep.
    ``localizer``: the German views' texts; a record of a source in another language is
    rendered with its LANGUAGE labels, outside the cache (which holds German blocks only).
    """
    if cache is None and fresh is None and localizer is None:
        return Fragments(_block)
    known = cache or {}
    out = fresh if fresh is not None else {}
    tr = translator("de")

    def render(pe: PublishedEvent) -> Block | Exception | None:
        if localizer is not None and localizer.source_langs:
            text = localizer.text(pe.event)
            if localizer.marks(text):
                return _block(pe, text, tr)
        key = block_key(pe)
        hit = known.get(key)
        if hit is not None:
            return _decode(*hit)
        block = _block(pe)
        if isinstance(block, Block):
            out[key] = _encode(block)
        return block

    return Fragments(render)


def language_blocks(localizer: Localizer) -> Fragments[PublishedEvent,
                                                      Block | Exception | None]:
    """A translated view's VEVENTs: the same records with that language's texts, each
    SUMMARY and DESCRIPTION labelled with the language it is written in."""
    tr = translator(localizer.lang)
    return Fragments(lambda pe: _block(pe, localizer.text(pe.event), tr))


def _encode(block: Block) -> Cached:
    return block.data, json.dumps([list(block.years), sorted(block.tzids)])


def _decode(data: bytes, meta: str) -> Block:
    years, tzids = json.loads(meta)
    return Block(bytes(data), (years[0], years[1]), frozenset(tzids))


def render_calendar(
    events: Sequence[PublishedEvent],
    *,
    name: str,
    tz: str,
    base_url: str,
    refresh_s: int,
    self_path: str = "/calendar.ics",
    title: str = "",
    localizer: Localizer | None = None,
) -> bytes:
    """Serialize published events (series stay series) into one VCALENDAR, with the texts
    of ``localizer``'s language (None: German)."""
    ordered = [pe for group in group_by_uid(events) for pe in group]
    blocks = vevent_blocks(localizer=localizer) if localizer is None or \
        localizer.lang == "de" else language_blocks(localizer)
    return b"".join(calendar_chunks(ordered, blocks, name=name, tz=tz,
                                    base_url=base_url, refresh_s=refresh_s,
                                    self_path=self_path, title=title))


def calendar_chunks(
    ordered: Sequence[PublishedEvent],
    blocks: Fragments[PublishedEvent, Block | Exception | None], *, name: str, tz: str,
    base_url: str, refresh_s: int, self_path: str = "/calendar.ics", title: str = "",
) -> list[bytes]:
    """The calendar as byte chunks: icalendar's VCALENDAR (properties, VTIMEZONEs) with
    the already serialized VEVENTs of ``ordered`` (in group_by_uid order) before its END."""
    parts, first, last = [], None, None
    tzids: set[str] = set()
    for pe in ordered:
        block = blocks.get(pe)
        if block is None:
            continue
        if isinstance(block, Exception):
            raise PublishError(
                f"Kalender '{self_path}' konnte nicht erzeugt werden: {block}") from block
        parts.append(block.data)
        tzids |= block.tzids
        first = block.years[0] if first is None else min(first, block.years[0])
        last = block.years[1] if last is None else max(last, block.years[1])
    try:
        shell = shell_bytes(title or f"{name} – Termine", base_url, refresh_s, self_path)
    except (ValueError, TypeError) as e:
        raise PublishError(f"Kalender '{self_path}' konnte nicht erzeugt werden: {e}") from e
    if not shell.endswith(END):
        raise PublishError(f"Kalender '{self_path}': unerwartetes Ende der Serialisierung")
    # A VCALENDAR needs one component (RFC 5545 §3.6): an empty view carries its zone.
    span = _date_span(first, last)
    zones = [_vtimezone_bytes(tzid, *span) for tzid in sorted(tzids or {tz})]
    return [shell[: -len(END)], *zones, *parts, END]


def _block(pe: PublishedEvent, text: Text | None = None,
           tr: Translator | None = None) -> Block | Exception | None:
    """None: the record cannot become a VEVENT (logged, left out); an Exception: icalendar
    could not serialize it (the calendar fails, as a whole-calendar to_ical would)."""
    try:
        ve = _vevent(pe, text, tr)
    except (ValueError, TypeError, KeyError) as e:
        log.warning("event %s not published: %s", pe.uid, e,
                    extra=fields(source=pe.event.source_id, stage="publish"))
        return None
    try:
        data = ve.to_ical()
    except (ValueError, TypeError) as e:
        return e
    years = [ve.decoded(key).year for key in ("dtstart", "dtend", "recurrence-id")
             if key in ve]
    tzids = {v.params.get("TZID") for _, v in ve.property_items(sorted=False)
             if hasattr(v, "params")}
    return Block(data, (min(years), max(years)), frozenset(tzids - {None, "UTC"}))


def _vevent(pe: PublishedEvent, text: Text | None = None,
            tr: Translator | None = None) -> icalendar.Event:
    """``text``: the view's texts, written with their LANGUAGE parameters (RFC 5545
    §3.2.10); None: the record's German text without parameters, as always."""
    if text is not None:
        pe = replace(pe, event=replace(pe.event, summary=text.title,
                                       description=text.description))
    ve = to_vevent(pe.event, uid=pe.uid)
    if text is not None:
        ve["summary"].params["LANGUAGE"] = text.title_lang
    for key in ("categories", "description", "url", "sequence", "dtstamp", "last-modified"):
        ve.pop(key, None)
    ve.add("sequence", pe.sequence)
    stamp = parse_instant(pe.dtstamp) if pe.dtstamp else EPOCH
    if not isinstance(stamp, datetime):
        stamp = datetime(stamp.year, stamp.month, stamp.day, tzinfo=UTC)
    ve.add("dtstamp", stamp)
    if pe.dtstamp:
        ve.add("last-modified", stamp)
    if pe.categories:
        ve.add("categories", list(pe.categories))
    description = _description(pe, tr)
    if description and text is not None:
        lang = text.description_lang if pe.event.description.strip() else tr_lang(tr)
        ve.add("description", description, parameters={"LANGUAGE": lang})
    elif description:
        ve.add("description", description)
    link = event_link(pe)
    if link:
        ve.add("url", link)
    return ve


def tr_lang(tr: Translator | None) -> str:
    return tr.lang if tr is not None else "de"


def _description(pe: PublishedEvent, tr: Translator | None = None) -> str:
    parts = [pe.event.description.strip()] if pe.event.description.strip() else []
    credit = attribution_lines(pe.sources, tr.gettext if tr is not None else None)
    if credit:
        parts.append("\n".join(credit))
    return "\n\n".join(parts)


@lru_cache(maxsize=256)
def _vtimezone_bytes(tzid: str, first: date, last: date) -> bytes:
    """One serialized VTIMEZONE, valid over the data's years (and on, see vtimezone).

    Cached as bytes: every single-event .ics of the pages carries the same zone, and
    serializing it (line folding) was the largest cost of a cold publish."""
    vtz = vtimezone(tzid, first, last)
    if vtz is None:
        log.warning("no VTIMEZONE for unknown TZID %s", tzid,
                    extra=fields(source="-", stage="publish"))
        return b""
    return vtz.to_ical()


def _date_span(first: int | None, last: int | None) -> tuple[date, date]:
    """Jan 1 of the year before the earliest one used, and a date after every value."""
    if first is None or last is None:
        return date(2000, 1, 1), _LAST_TZ_DATE
    return date(first - 1, 1, 1), max(_LAST_TZ_DATE, date(last + 2, 1, 1))
