"""What publish_all lists: the selection for the horizon, split once into per-view subsets.

A category or source view holds whole series groups: a group is in when any member (master
or override, in the calendar or among the listed occurrences) matches. The split walks the
selection once and appends every entry to each view it belongs to, so the work grows with
the entries times the views *they* are in, not with all entries times all views.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..models import PublishedEvent, PublishedItem
from .common import (
    Listed,
    event_end,
    group_by_uid,
    is_series,
    list_occurrences,
    occurrence_end,
    series_alive,
    slugify,
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
