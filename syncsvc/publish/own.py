"""Each partner's own view: its stored records as it published them, not the merged ones.

Dedupe changes what the unified calendar shows: a partner's one-off is folded into the
city's series occurrence, a lower-priority copy of a series loses the dates another
source won (EXDATEs). Per-source views were cut from those merged entries, so a partner
that announced one café date got the city's whole series in its own calendar, and a
partner whose series was merged lost dates from it. The rule is that a partner's view
means exactly what the partner's file meant; this module gives every stored event of a
source once, unmodified, under the published identity (the entry's UID where the
source's record is the entry itself or the master of its series, a stable UID derived
from source and partner UID where the record was folded into someone else's), with the
merged entry's attribution, SEQUENCE and DTSTAMP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..models import Event, PublishedEvent, digest

Key = tuple[str, str, str]


def own_records(published: Sequence[PublishedEvent], events: Iterable[Event]
                ) -> list[PublishedEvent]:
    """One PublishedEvent per stored event, in the order of ``events``."""
    by_event: dict[Key, PublishedEvent] = {p.event.key: p for p in published}
    by_member: dict[Key, PublishedEvent] = {}
    for p in published:
        for key in p.members:
            by_member.setdefault(key, p)
    # a record that is an entry's own (not folded) master or one-off names its series' UID
    series_uid = {(p.event.source_id, p.event.uid): p.uid for p in published
                  if not p.event.recurrence_id}
    out = []
    for ev in events:
        entry = by_event.get(ev.key) or by_member.get(ev.key)
        if entry is None:
            continue  # refused or not published (logged where it was decided)
        uid = series_uid.get((ev.source_id, ev.uid)) or _derived_uid(ev)
        if entry.event.key == ev.key and entry.uid == uid:
            out.append(entry if entry.event == ev else replace(entry, event=ev))
            continue
        out.append(replace(entry, uid=uid, event=ev, categories=ev.categories or
                           entry.categories, members=(ev.key,)))
    return out


def _derived_uid(ev: Event) -> str:
    """Stable per partner record (master and overrides of one series share it)."""
    return f"{digest((ev.source_id, ev.uid))}@syncsvc"
