"""Each event (or series occurrence) as a match record with its evidence precomputed.

Titles, places and organisers repeat across a network (a series' dates share them all),
so the text evidence is computed once per distinct value and cached; ``make_rec`` only
puts the pieces together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..instants import DEFAULT_ZONE
from ..models import Event
from .caches import run_cache
from .evidence import (
    VILLAGES,
    Vocabulary,
    block_keys,
    head_segment,
    place_keys,
    place_words,
    vocabulary,
)
from .identity import ref
from .textmatch import norm_title, normalize_title, title_numbers


@dataclass(slots=True, eq=False)
class Rec:
    """An event (or a series occurrence) with its matching evidence precomputed (not
    frozen: 150,000 frozen inits cost a measurable share of a 100k dedupe; never changed)."""

    ev: Event
    ref: str  # member ref (occurrences: "source:uid@occurrence")
    base: str  # "source:uid", as config's force_* lists name it
    title: str  # normalize_title(summary)
    place: str  # normalize_title(location)
    day: date  # local start date in the event's zone
    utc: datetime | None  # start instant; None for all-day
    prio: int
    ts: int = 0  # utc as epoch seconds (fast arithmetic); 0 for all-day
    numbers: frozenset[str] = frozenset()  # numbers in the title (not years)
    concepts: frozenset[str] = frozenset()  # title words after vocabulary and filler
    places: tuple = (frozenset(), frozenset())  # (venue words, words of the first segment)
    villages: frozenset[str] = frozenset()  # Stadtteile named in title or location
    explain: frozenset[str] = frozenset()  # words of place and organiser (explain extras)
    state: str = "CONFIRMED"  # CONFIRMED | CANCELLED | DELETED (a date a series removed)
    target: tuple = ()  # series occurrences: the published entry key they belong to
    occ: str = ""  # series occurrences: the occurrence key
    keys: frozenset[str] = frozenset()  # blocking keys of the title concepts
    pkeys: frozenset[str] = frozenset()  # blocking keys of the place
    rare: frozenset[str] = frozenset()  # concepts that can show agreement (not common)


DEFAULT_VOCAB = vocabulary((), normalize_title)


def make_rec(ev: Event, prio: int, start: str = "", occ_ref: str = "", *,
             vocab: Vocabulary = DEFAULT_VOCAB, org: str = "", state: str = "",
             target: tuple = (), location: str | None = None) -> Rec:
    """Precompute evidence; ``start`` overrides the event's start (series occurrences)."""
    start = start or ev.start
    day, utc, ts = start_facts(start, ev.tzid)
    loc = ev.location if location is None else location
    title, place, concepts, places, villages, explain, keys, pkeys, rare, numbers = _evidence(
        ev.summary, loc, org, vocab)
    base = ref(ev.source_id, ev.uid)
    return Rec(ev, occ_ref or (f"{base}@{ev.recurrence_id}" if ev.recurrence_id else base),
               base, title, place, day, utc, prio, ts, numbers,
               concepts, places, villages, explain,
               state or ("CANCELLED" if ev.status == "CANCELLED" else "CONFIRMED"), target,
               start if target else "", keys, pkeys, rare)


def at_start(rec: Rec, start: str, occ_ref: str) -> Rec:
    """``rec`` (a series occurrence) at another of its series' starts: what ``make_rec``
    returns for that start, without recomputing the evidence."""
    day, utc, ts = start_facts(start, rec.ev.tzid)
    return Rec(rec.ev, occ_ref, rec.base, rec.title, rec.place, day, utc, rec.prio, ts,
               rec.numbers, rec.concepts, rec.places, rec.villages, rec.explain,
               rec.state, rec.target, start if rec.target else "", rec.keys, rec.pkeys,
               rec.rare)


@run_cache(maxsize=1 << 16)
def start_facts(start: str, tzid: str) -> tuple[date, datetime | None, int]:
    """(local day, UTC instant or None for all-day, epoch seconds or 0) of a start key."""
    if len(start) == 10:
        return date.fromisoformat(start), None, 0
    utc = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return utc.astimezone(_zone(tzid)).date(), utc, int(utc.timestamp())


@run_cache(maxsize=1 << 18)
def _evidence(summary: str, loc: str, org: str, vocab: Vocabulary) -> tuple:
    """The text evidence of one title/place/organiser (a series' dates share it)."""
    title = norm_title(summary)
    concepts = vocab.concepts(title)
    rare = vocab.rare(concepts)
    place, named, places = _place_facts(loc)
    own = concepts & VILLAGES  # a Stadtteil named in the title
    villages = own | named if own else named
    return (title, place, concepts, places, villages, _explain(loc, org), block_keys(rare),
            place_keys(places, villages), rare, title_numbers(title))


@run_cache(maxsize=1 << 14)
def _place_facts(loc: str) -> tuple[str, frozenset[str], tuple]:
    """(normalized place, the Stadtteile it names, venue words) of a location."""
    place = norm_title(loc)
    return (place, frozenset(place.split()) & VILLAGES,
            place_words(place, norm_title(head_segment(loc))))


@run_cache(maxsize=1 << 14)
def _explain(loc: str, org: str) -> frozenset[str]:
    """Words of the place and the organiser: extra title words they explain."""
    place = norm_title(loc)
    return (frozenset(place.split()) | frozenset(place.replace(" ", "").split())
            | frozenset(norm_title(org).split()))


@run_cache(maxsize=64)
def _zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)
