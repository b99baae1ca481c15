"""Events per ISO week for the admin page, as small server-rendered SVG bar charts.

The counts come from the stored events, expanded with ``expand.occurrences`` over the next
``WEEKS`` weeks. Expansion costs CPU, so the result is cached and recomputed only when the
store's data version or the current week change.
"""

from __future__ import annotations

import html
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...config import Settings
from ...models import Event
from ...recur.expand import occurrences

log = logging.getLogger(__name__)

WEEKS = 26
BAR_W, GAP, HEIGHT = 9, 2, 40


@dataclass(frozen=True)
class WeekCounts:
    monday: date  # first day of the first week shown
    counts: dict[str, tuple[int, ...]]  # source id → occurrences per week (WEEKS long)

    def of(self, source_id: str) -> tuple[int, ...]:
        return self.counts.get(source_id, (0,) * WEEKS)


Stored = Callable[[str | None], tuple[str, Sequence[Event] | None]]


class WeekCache:
    """Weekly counts per source, recomputed only when the stored events or the week change.

    ``stored(known)`` is the service's read of the store: the data version and, only when
    it differs from ``known``, the events. The web layer never opens the store itself, and
    an unchanged store costs one metadata read per page view instead of loading every
    stored event."""

    def __init__(self, stored: Stored) -> None:
        self._stored = stored
        self._lock = threading.Lock()
        self._key: tuple[str, date] | None = None
        self._value: WeekCounts | None = None

    def get(self, settings: Settings, now: datetime | None = None) -> WeekCounts:
        zone = ZoneInfo(settings.timezone)
        today = (now or datetime.now(zone)).astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        with self._lock:
            known = self._key[0] if self._key and self._key[1] == monday else None
        version, events = self._stored(known)
        with self._lock:
            if events is None and self._key == (version, monday) and self._value is not None:
                return self._value
        if events is None:  # raced with a reload of the cache: read them after all
            version, events = self._stored(None)
        value = weekly_counts(events or (), settings, monday)
        with self._lock:
            self._key, self._value = (version, monday), value
        return value


def weekly_counts(events: Iterable[Event], settings: Settings, monday: date) -> WeekCounts:
    """Occurrences per source and ISO week, for WEEKS weeks from ``monday``."""
    zone = ZoneInfo(settings.timezone)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    end = start + timedelta(weeks=WEEKS)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
    for occ in occurrences(events, start, end, cap=settings.max_occurrences):
        day = occ.start.astimezone(zone).date() if isinstance(occ.start, datetime) \
            else occ.start
        week = (day - monday).days // 7
        if 0 <= week < WEEKS:
            counts[occ.event.source_id][week] += 1
    return WeekCounts(monday, {k: tuple(v) for k, v in counts.items()})


def week_label(monday: date, week: int) -> str:
    day = monday + timedelta(weeks=week)
    return f"KW {day.isocalendar().week} (ab {day:%d.%m.%Y})"


def svg_chart(counts: tuple[int, ...], monday: date) -> str:
    """A bar per week; every bar carries its number as a tooltip, the chart a summary."""
    peak = max(counts) if counts and max(counts) > 0 else 1
    width = len(counts) * (BAR_W + GAP)
    total = sum(counts)
    empty = sum(1 for n in counts if n == 0)
    summary = (f"Termine je Woche in den nächsten {len(counts)} Wochen: insgesamt {total}, "
               f"höchstens {max(counts, default=0)} in einer Woche, {empty} Wochen ohne Termin")
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{HEIGHT + 2}" viewBox="0 0 {width} {HEIGHT + 2}" role="img" '
             f'aria-label="{html.escape(summary)}">']
    for week, n in enumerate(counts):
        x = week * (BAR_W + GAP)
        h = max(2, round(HEIGHT * n / peak)) if n else 1
        fill = "#2b6cb0" if n else "#c4c4c4"
        tip = f"{week_label(monday, week)}: {n} Termin{'' if n == 1 else 'e'}"
        parts.append(f'<rect x="{x}" y="{HEIGHT - h + 1}" width="{BAR_W}" height="{h}" '
                     f'fill="{fill}"><title>{html.escape(tip)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)
