"""Decide whether a freshly parsed set may replace what is stored.

Two guards protect residents from a bad upstream state:
- series guard: a series that would put thousands of occurrences on a subscriber's
  phone within the horizon is refused (with a message for the admin);
- shrink guard: a source that suddenly loses most of its upcoming events is held
  until the smaller set persists for a number of syncs or an admin accepts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .config import Settings
from .expand import expand
from .models import Event


@dataclass(frozen=True)
class Horizon:
    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime, settings: Settings) -> Horizon:
        return cls(now - timedelta(days=settings.past_days),
                   now + timedelta(days=round(settings.future_months * 30.44)))


def refuse_flooding_series(
    events: Sequence[Event], horizon: Horizon, cap: int
) -> tuple[list[Event], list[str]]:
    """Drop series that exceed ``cap`` occurrences in the horizon; say why for each."""
    series = [e for e in events if e.rrule or e.rdates]
    if not series:
        return list(events), []
    cut = set(expand(series, horizon.start, horizon.end, cap).truncated)
    if not cut:
        return list(events), []
    kept = [e for e in events if (e.source_id, e.uid) not in cut]
    problems = sorted({
        f"Serie „{e.summary}“ hätte mehr als {cap} Termine im Zeitraum – nicht übernommen"
        for e in events if (e.source_id, e.uid) in cut and not e.recurrence_id
    })
    return kept, problems


def upcoming_count(events: Sequence[Event], horizon: Horizon, cap: int) -> int:
    """How many occurrences the events have inside the horizon (capped per series)."""
    return len(expand(events, horizon.start, horizon.end, cap).occurrences)


@dataclass(frozen=True)
class ShrinkDecision:
    apply: bool
    held_syncs: int = 0
    reason: str = ""


def shrink_decision(
    before: int, after: int, settings: Settings, held_syncs: int, *, same_as_held: bool
) -> ShrinkDecision:
    """Apply, or hold a set that lost more than ``shrink_ratio`` of its upcoming events."""
    if before < settings.shrink_min_events or after >= before * (1 - settings.shrink_ratio):
        return ShrinkDecision(apply=True)
    syncs = held_syncs + 1 if same_as_held else 1
    if syncs >= settings.shrink_confirmations:
        return ShrinkDecision(apply=True)
    reason = (
        f"Quelle liefert plötzlich nur noch {after} statt {before} kommende Termine – "
        f"neuer Stand wird erst nach {settings.shrink_confirmations} gleichen Abrufen "
        f"übernommen (bisher {syncs}) oder mit „syncsvc accept“ bestätigt"
    )
    return ShrinkDecision(apply=False, held_syncs=syncs, reason=reason)
