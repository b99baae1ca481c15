"""Helpers shared by the publish formats: grouping, attribution, German dates, slugs."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Generic, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import icalendar

from ..i18n import N_
from ..instants import DEFAULT_ZONE
from ..models import Event, PublishedEvent, SourceRef
from ..recur.expand import Occurrence
from ..recur.vevent import parse_instant

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss",
                          "Ä": "ae", "Ö": "oe", "Ü": "ue", "ẞ": "ss"})


R = TypeVar("R")  # the record a fragment is rendered from
F = TypeVar("F")  # the fragment


class Fragments(Generic[R, F]):
    """What one record renders to, computed once per publish run and reused by every view.

    Keyed by the record's identity (the record is kept alive with its value, so an id is
    never reused while cached); ``clear`` releases everything once a format is written.
    """

    def __init__(self, render: Callable[[R], F]) -> None:
        self._render = render
        self._done: dict[int, tuple[R, F]] = {}

    def get(self, record: R) -> F:
        hit = self._done.get(id(record))
        if hit is None:
            hit = (record, self._render(record))
            self._done[id(record)] = hit
        return hit[1]

    def clear(self) -> None:
        """Release the fragments and the renderer (and what it holds, e.g. a cache)."""
        self._done.clear()
        self._render = _released


def _released(record: object) -> NoReturn:
    raise RuntimeError("Fragments used after clear(): its format is already written")


@dataclass(frozen=True, slots=True)
class Listed:
    """One occurrence of a published event, with the published record that defines it."""

    occurrence: Occurrence
    published: PublishedEvent

    @property
    def guid(self) -> str:
        return f"{self.published.uid}#{self.occurrence.key}"


def group_by_uid(events: Iterable[PublishedEvent]) -> list[list[PublishedEvent]]:
    """Series groups (master first, then overrides by RECURRENCE-ID), ordered by start, uid."""
    groups: dict[str, list[PublishedEvent]] = {}
    for pe in events:
        groups.setdefault(pe.uid, []).append(pe)
    out = []
    for members in groups.values():
        members.sort(key=lambda p: (p.event.recurrence_id != "",
                                    instant_key(p.event.recurrence_id or p.event.start,
                                                p.event.tzid)))
        out.append(members)
    out.sort(key=lambda g: (instant_key(g[0].event.start, g[0].event.tzid), g[0].uid))
    return out


def instant_key(value: str, tzid: str) -> str:
    """Sortable UTC form of an Event instant; all-day dates count from local midnight.

    A stored instant in ``format_instant``'s UTC form is that form without its "Z":
    group_by_uid sorts every published record by this, four times per publish, and
    parsing and formatting each was a twentieth of a 1 %-changed pass."""
    if not value:
        return ""
    if _UTC_INSTANT.fullmatch(value):
        return value[:-1]
    return sort_instant(parse_instant(value), tzid).strftime("%Y-%m-%dT%H:%M:%S")


_UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def sort_instant(value: date | datetime, tzid: str = DEFAULT_ZONE) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating (e.g. an RRULE UNTIL): the event's zone
            value = value.replace(tzinfo=ZoneInfo(tzid))
        return value.astimezone(UTC)
    return datetime.combine(value, time(), ZoneInfo(tzid)).astimezone(UTC)


def event_end(event: Event) -> datetime:
    """When an event is over (exclusive), as UTC; a missing end means start (+1 day all-day)."""
    if event.end:
        return sort_instant(parse_instant(event.end), event.tzid)
    start = parse_instant(event.start)
    if isinstance(start, datetime):
        return start.astimezone(UTC)
    return sort_instant(start + timedelta(days=1), event.tzid)


def occurrence_end(x: Listed) -> datetime:
    occ = x.occurrence
    tzid = x.published.event.tzid
    if occ.end is not None:
        return sort_instant(occ.end, tzid)
    if isinstance(occ.start, datetime):
        return sort_instant(occ.start, tzid)
    return sort_instant(occ.start + timedelta(days=1), tzid)


def is_series(ev: Event) -> bool:
    return bool(ev.rrule or ev.rdates)


def series_alive(ev: Event, start: datetime) -> bool:
    """False only when the rule's UNTIL and every RDATE lie before the horizon."""
    if any(sort_instant(parse_instant(r), ev.tzid) >= start for r in ev.rdates):
        return True
    if not ev.rrule:
        return False
    try:
        until = icalendar.vRecur.from_ical(ev.rrule).get("UNTIL")
    except ValueError:
        return True
    if not until:
        return True
    return sort_instant(until[0], ev.tzid) >= start


def event_link(pe: PublishedEvent) -> str:
    if pe.event.url:
        return pe.event.url
    return next((s.url for s in pe.sources if s.url), "")


def _ref_text(ref: SourceRef) -> str:
    return f"{ref.name} ({ref.url})" if ref.url else ref.name


def attribution_lines(sources: Sequence[SourceRef],
                      _: Callable[[str], str] | None = None) -> list[str]:
    """'Veranstalter: …' (the winner) and 'Auch angekündigt von: …' (everyone else);
    ``_`` translates the two labels (None: German)."""
    if not sources:
        return []
    _ = _ or N_
    lines = [_("Veranstalter: {name}").format(name=_ref_text(sources[0]))]
    if len(sources) > 1:
        lines.append(_("Auch angekündigt von: {names}").format(
            names=", ".join(_ref_text(s) for s in sources[1:])))
    return lines


def _ref_html(ref: SourceRef) -> str:
    name = html.escape(ref.name)
    if not ref.url:
        return name
    return f'<a href="{html.escape(ref.url, quote=True)}">{name}</a>'


def attribution_html(sources: Sequence[SourceRef], first: str = "Veranstalter") -> str:
    if not sources:
        return ""
    out = f"<p>{first}: {_ref_html(sources[0])}"
    if len(sources) > 1:
        out += "<br>Auch angekündigt von: " + ", ".join(_ref_html(s) for s in sources[1:])
    return out + "</p>"


def german_day(value: date | datetime) -> str:
    """'Do, 5. März 2026'."""
    return f"{WEEKDAYS[value.weekday()]}, {value.day}. {MONTHS[value.month - 1]} {value.year}"


def german_when(start: date | datetime, end: date | datetime | None, tz: str) -> str:
    """'Do, 5. März 2026, 18:00–20:00 Uhr' / 'Sa, 7. März 2026' / multi-day ranges."""
    if not isinstance(start, datetime):
        last = end - timedelta(days=1) if isinstance(end, date) and end else start
        if last <= start:
            return german_day(start)
        return f"{german_day(start)} bis {german_day(last)}"
    zone = ZoneInfo(tz)
    s = start.astimezone(zone)
    text = f"{german_day(s)}, {s:%H:%M}"
    if isinstance(end, datetime):
        e = end.astimezone(zone)
        if e.date() == s.date():
            return f"{text}–{e:%H:%M} Uhr"
        return f"{text} Uhr bis {german_day(e)}, {e:%H:%M} Uhr"
    return f"{text} Uhr"


def german_title(start: date | datetime, summary: str, tz: str) -> str:
    """'Do, 5. März 2026, 18:00 – WIR Café' (all-day: without the time)."""
    if isinstance(start, datetime):
        s = start.astimezone(ZoneInfo(tz))
        return f"{german_day(s)}, {s:%H:%M} – {summary}"
    return f"{german_day(start)} – {summary}"


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """ASCII, lowercase, dash-separated: 'Kultur & Begegnung' → 'kultur-begegnung'."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if not slug:
        slug = "kategorie-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return slug[:80]
