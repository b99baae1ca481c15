"""Series side of event dedupe: every occurrence of a series is matched on its own.

Occurrences of live series (and, for the authority rule, the dates a series cancelled,
skipped or moved away from) become match records like one-offs, so two partners' copies
of one series merge per occurrence, and a partner's one-off folds into the occurrence it
equals. A removed date ("DELETED") only absorbs copies of lower-priority sources: the
city's cancellation or move wins over the partners' stale listings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from ..models import Event
from ..recur.expand import occurrences, starts
from .evidence import Vocabulary
from .identity import ref
from .records import Rec, at_start, make_rec

# The service publishes 30 days back and 18 months ahead: two partners' copies of a
# series are matched over that whole span, not only around the one-offs.
HORIZON = timedelta(days=30 + 18 * 31)


def occurrence_recs(masters: dict, overrides: dict, days: list[date], expand: Callable | None,
                    prio: Callable[[str], int], org: Callable[[str], str],
                    vocab: Vocabulary) -> list[Rec]:
    """Match records for the series' occurrences around ``days`` (plus removed dates)."""
    if not masters:
        return []
    firsts = [_day(m.start) for m in masters.values()]
    lo_day = min([*days, *firsts]) - timedelta(days=1)
    hi_day = max([*days, lo_day + HORIZON]) + timedelta(days=2)
    lo = datetime.combine(lo_day, time(), UTC)
    hi = datetime.combine(hi_day, time(), UTC)
    live = [m for m in masters.values() if m.status != "CANCELLED"]
    series = [e for m in live for e in (m, *overrides.get((m.source_id, m.uid), ()))]
    found = starts(series, lo, hi, 2000, full=expand or occurrences)  # the one expander
    out = []
    first: dict[tuple[str, str, str], Rec] = {}  # per series record: its evidence, once
    for ev, key in found:
        occ_ref = ref(ev.source_id, ev.uid, key)
        seen = first.get(ev.key)
        if seen is not None and seen.ev is ev:
            out.append(at_start(seen, key, occ_ref))
            continue
        state = "CANCELLED" if ev.status == "CANCELLED" else ""
        first[ev.key] = rec = make_rec(ev, prio(ev.source_id), start=key, occ_ref=occ_ref,
                                       vocab=vocab, org=org(ev.source_id), state=state,
                                       target=(ev.source_id, ev.uid, ev.recurrence_id))
        out.append(rec)
    for m in live:
        out += _removed(m, overrides.get((m.source_id, m.uid), ()), lo_day, hi_day, prio, org,
                        vocab)
    return out


def _removed(m: Event, moved: tuple | list, lo: date, hi: date, prio, org,
             vocab: Vocabulary) -> list[Rec]:
    """Dates the series deleted (EXDATE) or moved away from, as the master described them."""
    slots = [(k, (m.source_id, m.uid, "")) for k in m.exdates]
    slots += [(o.recurrence_id, o.key) for o in moved
              if o.recurrence_id and o.recurrence_id != o.start]
    out = []
    for key, target in slots:
        if lo <= _day(key) <= hi:
            out.append(make_rec(m, prio(m.source_id), start=key,
                                occ_ref=ref(m.source_id, m.uid, key) + "~", vocab=vocab,
                                org=org(m.source_id), state="DELETED", target=target))
    return out


def _day(key: str) -> date:
    return date.fromisoformat(key[:10])
