"""A cap on categories, so one partner file cannot explode the published views.

Every category becomes three files (calendar/<slug>.ics, .rss, .json) and a line on the
start page. A partner file with a distinct "category" per event (an export that put the
date or the room there) made 15,024 category files and a 7.3 MB index. A source keeps its
``MAX_PER_SOURCE`` most used categories, an event at most ``MAX_PER_EVENT``; the rest is
dropped with one German sentence, and the events themselves are all kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ..models import Event

MAX_PER_SOURCE = 50
MAX_PER_EVENT = 10


def cap_categories(events: Sequence[Event]) -> tuple[list[Event], list[str]]:
    """(events with capped categories, German problems: empty when nothing was cut)."""
    uses = Counter(c.casefold() for e in events for c in e.categories[:MAX_PER_EVENT])
    if len(uses) <= MAX_PER_SOURCE and all(len(e.categories) <= MAX_PER_EVENT
                                           for e in events):
        return list(events), []
    kept = {name for name, _ in sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))
            [:MAX_PER_SOURCE]}
    out, dropped = [], set()
    for e in events:
        cats = tuple(c for c in e.categories[:MAX_PER_EVENT] if c.casefold() in kept)
        dropped |= set(e.categories) - set(cats)
        out.append(replace(e, categories=cats) if cats != e.categories else e)
    examples = ", ".join(f"„{c}“" for c in sorted(dropped)[:3])
    return out, [f"{len(uses)} verschiedene Kategorien: übernommen werden die "
                 f"{MAX_PER_SOURCE} häufigsten (höchstens {MAX_PER_EVENT} je Termin); "
                 f"{len(dropped)} weggelassen, z. B. {examples}"]
