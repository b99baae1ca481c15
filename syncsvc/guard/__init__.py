"""Decide whether a freshly parsed set may replace what is stored.

Two guards protect residents from a bad upstream state:
- series guard: a series that would put thousands of occurrences on a subscriber's
  phone within the horizon is refused (with a message for the admin), and so is one
  whose rule can never match a date (``BYMONTH=2;BYMONTHDAY=30``: dateutil would search
  to the year 9999 for it) or whose expansion exceeds the CPU budget of ``recur.expand``;
- shrink guard: a source that suddenly loses most of its upcoming events — or, for a
  news feed, most of its items (a valid but empty RSS deleted them all) — is held
  until the smaller set persists for a number of syncs or an admin accepts it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from ..config import Settings
from ..instants import DEFAULT_ZONE
from ..models import Event
from ..recur import expand as recur
from ..recur.expand import expand
from ..recur.vevent import parse_instant

# A series whose rule would make the expansion step through more than this many
# occurrences per allowed one (e.g. FREQ=SECONDLY running since last year) is refused
# before it is expanded: the expansion's cost grows with the occurrences it visits.
MAX_STEPS_PER_CAP = 50
_SUB_DAILY = {"HOURLY": 0, "MINUTELY": 1, "SECONDLY": 2}
_TIME_PARTS = (("BYHOUR", 24), ("BYMINUTE", 60), ("BYSECOND", 60))


@dataclass(frozen=True)
class Horizon:
    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime, settings: Settings) -> Horizon:
        return cls(now - timedelta(days=settings.past_days),
                   now + timedelta(days=round(settings.future_months * 30.44)))


@dataclass(frozen=True)
class Assessment:
    kept: list[Event]
    problems: list[str]  # one German sentence per refused series
    upcoming: int  # occurrences of the kept events from ``now`` to the horizon's end


def refuse_flooding_series(
    events: Sequence[Event], horizon: Horizon, cap: int, now: datetime | None = None
) -> Assessment:
    """Drop series that exceed ``cap`` occurrences in the horizon; say why for each.

    The one expansion this needs also yields the upcoming count for the shrink guard.
    """
    now = now or horizon.start
    unreadable = {(e.source_id, e.uid): e.summary for e in events if not _rule_ok(e)}
    series_keys = {(e.source_id, e.uid) for e in events if e.rrule or e.rdates}
    masters = [e for e in events if e.rrule and not e.recurrence_id
               and (e.source_id, e.uid) not in unreadable]
    never = {(e.source_id, e.uid): e.summary for e in masters if never_matches(e)}
    dense = {(e.source_id, e.uid) for e in masters
             if (e.source_id, e.uid) not in never and too_dense(e, horizon, cap)}
    refused = dense | set(unreadable) | set(never)
    group = [e for e in events if (e.source_id, e.uid) in series_keys - refused]
    exp = expand(group, horizon.start, horizon.end, cap, series_budget_s=recur.SERIES_BUDGET_S,
                 pass_budget_s=recur.PASS_BUDGET_S) if group else None
    costly = set(exp.over_budget if exp else ())
    cut = refused | costly | set(exp.truncated if exp else ())
    named = set(unreadable) | set(never) | costly
    kept = [e for e in events if (e.source_id, e.uid) not in cut]
    upcoming = sum(1 for e in kept if (e.source_id, e.uid) not in series_keys
                   and _inside(e, Horizon(now, horizon.end)))
    if exp:
        upcoming += sum(1 for o in exp.occurrences if (o.event.source_id, o.event.uid) not in cut
                        and _start_dt(o.start, o.event.tzid) >= now)
    problems = sorted({
        f"Serie „{e.summary}“ hätte mehr als {cap} Termine im Zeitraum – nicht übernommen"
        for e in events if (e.source_id, e.uid) in cut - named and not e.recurrence_id
    } | {f"Serie „{summary}“ übersprungen: Wiederholungsregel (RRULE) unlesbar"
         for summary in unreadable.values()}
      | {f"Serie „{summary}“ übersprungen: Wiederholungsregel ergibt nie einen Termin "
         "(z. B. ein 30. Februar)" for summary in never.values()}
      | {f"Serie „{e.summary}“ übersprungen: Wiederholungsregel zu aufwendig zu berechnen "
         f"(mehr als {recur.SERIES_BUDGET_S:g} s Rechenzeit)"
         for e in events if (e.source_id, e.uid) in costly and not e.recurrence_id})
    return Assessment(kept, problems, upcoming)


def _rule_ok(event: Event) -> bool:
    """False when the stored RRULE text would make every later expansion raise."""
    if not event.rrule:
        return True
    try:
        icalendar.vRecur.from_ical(event.rrule)
    except Exception:  # noqa: BLE001 - icalendar raises assorted types
        return False
    return True


def per_day(rule: dict) -> float:
    """A rough upper bound of a parsed RRULE's occurrences per day."""
    freq = str(rule.get("FREQ", [""])[0]).upper()
    interval = max(1, int(rule.get("INTERVAL", [1])[0]))
    level = _SUB_DAILY.get(freq, -1)
    n = 1.0
    for unit, (part, size) in enumerate(_TIME_PARTS):
        if rule.get(part):
            n *= len(rule[part])
        elif unit < level:
            n *= size
        elif unit == level:
            n *= math.ceil(size / interval)
    if freq == "DAILY":
        n /= interval
    if rule.get("BYDAY") and (level >= 0 or freq == "DAILY"):
        n *= min(1.0, len(rule["BYDAY"]) / 7)
    return n


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # the most each month has


def never_matches(event: Event) -> bool:
    """True when BYMONTH/BYMONTHDAY/BYYEARDAY exclude every date of every year.

    Checked on a leap year's days, ignoring FREQ, INTERVAL, BYDAY and BYSETPOS (those
    only remove more dates), so a rule refused here has no occurrence at all.
    """
    try:
        rule = icalendar.vRecur.from_ical(event.rrule)
        months = {int(m) for m in rule.get("BYMONTH", [])} or set(range(1, 13))
        mdays = {int(d) for d in rule.get("BYMONTHDAY", [])}
        ydays = {int(d) for d in rule.get("BYYEARDAY", [])}
    except Exception:  # noqa: BLE001 - unreadable rules are judged elsewhere
        return False
    if not (rule.get("BYMONTH") or mdays or ydays):
        return False
    day = date(2028, 1, 1)  # a leap year: 29 February and day 366 exist
    for offset in range(366):
        d = day + timedelta(days=offset)
        length = _MONTH_DAYS[d.month - 1]
        if d.month not in months:
            continue
        if mdays and d.day not in mdays and d.day - length - 1 not in mdays:
            continue
        if ydays and offset + 1 not in ydays and offset - 366 not in ydays:
            continue
        return False
    return True


def too_dense(event: Event, horizon: Horizon, cap: int) -> bool:
    """True when a series would flood the horizon, or cost too much to even expand."""
    try:
        rule = icalendar.vRecur.from_ical(event.rrule)
        start = _aware(parse_instant(event.start))
        count = int(rule["COUNT"][0]) if rule.get("COUNT") else None
        until = _aware(rule["UNTIL"][0]) if rule.get("UNTIL") else None
    except Exception:  # noqa: BLE001 - unreadable rules are left to the expansion
        return False
    if count is not None and count <= cap:
        return False
    end = min(until, horizon.end) if until else horizon.end
    rate = per_day(rule)
    if start > horizon.end:  # the expansion searches forward to the first occurrence
        inside, visited = 0.0, _days(start - horizon.start)
    else:
        inside, visited = _days(end - max(start, horizon.start)), _days(end - start)
    return rate * inside > cap or rate * visited > cap * MAX_STEPS_PER_CAP


def _aware(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _days(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 86400)


def upcoming_count(events: Sequence[Event], horizon: Horizon, cap: int) -> int:
    """How many occurrences the events have inside the horizon (capped per series).

    Only series are expanded; one-off events are counted by their start, which keeps the
    shrink guard cheap for sources of thousands of single events.
    """
    series = {(e.source_id, e.uid) for e in events if e.rrule or e.rdates}
    singles = sum(1 for e in events
                  if (e.source_id, e.uid) not in series and _inside(e, horizon))
    grouped = [e for e in events if (e.source_id, e.uid) in series]
    return singles + (len(expand(grouped, horizon.start, horizon.end, cap).occurrences)
                      if grouped else 0)


def _inside(event: Event, horizon: Horizon) -> bool:
    start = _start_dt(parse_instant(event.start), event.tzid)
    return horizon.start <= start < horizon.end


def _start_dt(value: date | datetime, tzid: str) -> datetime:
    """All-day dates count from local midnight."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), ZoneInfo(tzid or DEFAULT_ZONE))


@dataclass(frozen=True)
class ShrinkDecision:
    apply: bool
    held_syncs: int = 0
    reason: str = ""


def shrink_decision(
    before: int, after: int, settings: Settings, held_syncs: int, *, same_as_held: bool,
    what: str = "kommende Termine",
) -> ShrinkDecision:
    """Apply, or hold a set that lost more than ``shrink_ratio`` of its upcoming events
    (``what`` names the records in the message: "Nachrichten" for a feed)."""
    if before < settings.shrink_min_events or after >= before * (1 - settings.shrink_ratio):
        return ShrinkDecision(apply=True)
    syncs = held_syncs + 1 if same_as_held else 1
    if syncs >= settings.shrink_confirmations:
        return ShrinkDecision(apply=True)
    reason = (
        f"Quelle liefert plötzlich nur noch {after} statt {before} {what} – "
        f"neuer Stand wird erst nach {settings.shrink_confirmations} gleichen Abrufen "
        f"übernommen (bisher {syncs}) oder mit „syncsvc accept“ bestätigt"
    )
    return ShrinkDecision(apply=False, held_syncs=syncs, reason=reason)
