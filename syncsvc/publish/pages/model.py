"""One listed occurrence as the pages see it: local times, status, its page's path.

A page per *occurrence* (not per series): each date of the WIR Café can be cancelled or
moved on its own, schema.org's ``Event`` has one startDate, and „In meinen Kalender“
should add the date a resident clicked, not a series of 78. The page's path hashes the
published UID and the occurrence's *original* start (RECURRENCE-ID for an override), so a
moved café date keeps its address and a title change never breaks a shared link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from ...models import Event
from ...recur.vevent import parse_instant
from ..common import Listed
from ..localize import Localizer
from . import dates

PAGE_DIR = "termine"
EVENT_DIR = f"{PAGE_DIR}/e"
CANCELLED, MOVED = "abgesagt", "verlegt"


@dataclass(frozen=True, slots=True)
class Entry:
    listed: Listed
    start: date | datetime  # local in the service zone
    end: date | datetime | None
    original: date | datetime | None  # a moved occurrence: where it was (local)
    status: str  # "" | CANCELLED | MOVED
    stem: str  # termine/e/<date>-<hash>, without suffix
    shown: Event  # the occurrence's record with the texts of the page's language
    title_lang: str = "de"  # the language the title is written in
    description_lang: str = "de"

    @property
    def day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    @property
    def page(self) -> str:
        return self.stem + ".html"

    @property
    def ics(self) -> str:
        return self.stem + ".ics"

    @property
    def title(self) -> str:
        return self.shown.summary

    @property
    def event(self) -> Event:
        return self.shown


def entry(x: Listed, tz: str, localizer: Localizer | None = None) -> Entry:
    occ = x.occurrence
    ev = occ.event
    start = dates.local(occ.start, tz)
    end = dates.local(occ.end, tz) if occ.end is not None else None
    original = None
    if ev.recurrence_id and parse_instant(ev.recurrence_id) != parse_instant(ev.start):
        original = dates.local(parse_instant(ev.recurrence_id), tz)
    status = ""
    if (ev.status or "").upper() == "CANCELLED":
        status = CANCELLED
    elif original is not None:
        status = MOVED
    identity = ev.recurrence_id or occ.key
    digest = hashlib.sha256(f"{x.published.uid}\n{identity}".encode()).hexdigest()[:12]
    first = original if original is not None else start
    first_day = first.date() if isinstance(first, datetime) else first
    loc = localizer or Localizer()
    text = loc.text(ev)
    return Entry(x, start, end, original, status,
                 f"{EVENT_DIR}/{first_day.isoformat()}-{digest}", loc.event(ev),
                 text.title_lang, text.description_lang)


def entries(listed: list[Listed], tz: str, localizer: Localizer | None = None) -> list[Entry]:
    return [entry(x, tz, localizer) for x in listed]
