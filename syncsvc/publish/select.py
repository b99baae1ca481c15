"""What publish_all lists: the selection for the horizon, split once into per-view subsets.

A category or source view holds whole series groups: a group is in when any member (master
or override, in the calendar or among the listed occurrences) matches. The split walks the
selection once and appends every entry to each view it belongs to, so the work grows with
the entries times the views *they* are in, not with all entries times all views. The
occurrences come from ``list_occurrences``, which the main and the source views share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..models import Event, PublishedEvent, PublishedItem
from ..recur.expand import Occurrence, expand
from ..recur.vevent import format_instant, parse_instant, to_local
from .common import (
    Listed,
    event_end,
    group_by_uid,
    is_series,
    occurrence_end,
    series_alive,
    slugify,
    sort_instant,
)


@dataclass(frozen=True)
class Selection:
    calendar: list[PublishedEvent] = field(default_factory=list)  # .ics, group_by_uid order
    listed: list[Listed] = field(default_factory=list)  # occurrences in the horizon (.json)
    upcoming: list[Listed] = field(default_factory=list)  # occurrences not over yet (.rss)


def select(events: Sequence[PublishedEvent], now: datetime, start: datetime, end: datetime,
           cap: int, memo: dict | None = None) -> Selection:
    """Series whole while alive, ended one-offs dropped; occurrences in [start, end)."""
    calendar = []
    for group in group_by_uid(events):
        master = group[0] if not group[0].event.recurrence_id else None
        if master is not None and is_series(master.event):
            if series_alive(master.event, start):
                calendar.extend(group)
        else:
            calendar.extend(pe for pe in group if event_end(pe.event) > start)
    ordered = [pe for group in group_by_uid(calendar) for pe in group]
    listed = list_occurrences(events, start, end, cap, memo)
    upcoming = [x for x in listed if occurrence_end(x) > now]
    return Selection(ordered, listed, upcoming)


def list_occurrences(
    events: Sequence[PublishedEvent], start: datetime, end: datetime, cap: int,
    memo: dict | None = None,
) -> list[Listed]:
    """Expand published events (series by published UID) into occurrences in [start, end).

    A plain timed one-off (the only record of its UID, no RRULE/RDATE/EXDATE, ends after
    it starts) is its own single occurrence: it is listed directly, as the expansion would
    list it, instead of going through recurring-ical-events; everything else is expanded
    (``memo``: shared by the calls of one publish, see ``recur.expand.expand``).

    With ``memo``, a UID whose records are the very objects of an earlier call's group
    gets that call's ``Listed`` occurrences: the source views list each partner's own
    records, and most of them are the published ones (publish.own), so their occurrences,
    and the digests that key the views, are made once.
    """
    owner = {(pe.uid, pe.event.recurrence_id): pe for pe in events}
    groups: dict[str, list[PublishedEvent]] = {}
    for pe in owner.values():
        groups.setdefault(pe.uid, []).append(pe)
    shared: dict = memo.setdefault(_LISTED, {}) if memo is not None else {}
    found: list[Listed] = []
    records: list[Event] = []
    fresh: dict[str, list[Listed]] = {}
    for uid, group in groups.items():
        group.sort(key=lambda pe: pe.event.recurrence_id)  # master first; any input order
        key = (start, end, cap, tuple(map(id, group)))
        hit = shared.get(key)
        if hit is not None:  # the value holds the group: its ids are not reused
            found += hit[1]
            continue
        listed = fresh[uid] = []
        shared[key] = (tuple(group), listed)
        group_records = [_as_record(pe, owner) for pe in group]
        if len(group) == 1 and _plain_one_off(group_records[0]):
            single = _single(group_records[0], start, end)
            if single is not None:
                listed.append(Listed(single, group[0]))
        else:
            records += group_records
    for occ in expand(records, start, end, cap, memo=memo).occurrences:
        owning = owner.get((occ.event.uid, occ.event.recurrence_id))
        if owning is not None:
            fresh[owning.uid].append(Listed(occ, owning))
    for listed in fresh.values():
        found += listed
    found.sort(key=lambda x: (sort_instant(x.occurrence.start), x.published.uid,
                              x.occurrence.key))
    return found


_LISTED = object()  # the memo's entry for list_occurrences' groups


def _plain_one_off(ev: Event) -> bool:
    if ev.rrule or ev.rdates or ev.exdates or ev.recurrence_id:
        return False
    if "T" not in ev.start or "T" not in ev.end:
        return False  # all-day dates and open ends: the expansion's rules apply
    return parse_instant(ev.end) > parse_instant(ev.start)


def _single(ev: Event, start: datetime, end: datetime) -> Occurrence | None:
    """The one occurrence of a plain timed one-off if it starts in [start, end)."""
    if not start <= parse_instant(ev.start) < end:
        return None
    local = to_local(ev.start, ev.tzid)
    return Occurrence(ev, local, to_local(ev.end, ev.tzid), format_instant(local))


def _as_record(pe: PublishedEvent, owner: dict) -> Event:
    """The Event under its published UID; all members of a series share one source id."""
    master = owner.get((pe.uid, ""), pe)
    return replace(pe.event, uid=pe.uid, source_id=master.event.source_id)


def category_keys(pe: PublishedEvent) -> set[str]:
    """Category views are keyed by slug: spellings that share a slug share a view."""
    return {slugify(c) for c in pe.categories}


def source_keys(pe: PublishedEvent) -> set[str]:
    return {s.source_id for s in pe.sources}


def owner_key(pe: PublishedEvent) -> set[str]:
    """The source whose record this is (for views cut from publish.own's records)."""
    return {pe.event.source_id}


def split(sel: Selection, keys_of: Callable[[PublishedEvent], set[str]]) -> dict[str, Selection]:
    """Per-key subsets of ``sel`` (whole series groups, order kept); absent key: nothing."""
    memo: dict[int, set[str]] = {}

    def keys(pe: PublishedEvent) -> set[str]:
        found = memo.get(id(pe))
        if found is None:
            found = memo[id(pe)] = keys_of(pe)
        return found

    of_uid: dict[str, set[str]] = defaultdict(set)
    for pe in sel.calendar:
        of_uid[pe.uid] |= keys(pe)
    for x in sel.listed:
        of_uid[x.published.uid] |= keys(x.published)
    out: dict[str, Selection] = defaultdict(Selection)
    for pe in sel.calendar:
        for key in of_uid[pe.uid]:
            out[key].calendar.append(pe)
    for x in sel.listed:
        for key in of_uid[x.published.uid]:
            out[key].listed.append(x)
    for x in sel.upcoming:
        for key in of_uid[x.published.uid]:
            out[key].upcoming.append(x)
    return dict(out)


def items_by_source(items: Iterable[PublishedItem]) -> dict[str, list[PublishedItem]]:
    """News items per source id that announced them, order kept."""
    out: dict[str, list[PublishedItem]] = defaultdict(list)
    for pi in items:
        for sid in dict.fromkeys(s.source_id for s in pi.sources):
            out[sid].append(pi)
    return dict(out)
