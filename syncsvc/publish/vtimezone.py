"""VTIMEZONE components that every client reads the same.

icalendar's ``Timezone.from_tzid`` lists every transition of a span in one multi-valued
``RDATE`` line, writes the DAYLIGHT onset in the *new* offset (03:00 instead of 02:00 for
Europe/Berlin) and stops at the end of the span (2038 by default). ical.js reads only the
first RDATE value, so from the second summer on it believed CET: a June café at 18:00
showed at 17:00. Here the zone's transitions are read from zoneinfo and written the way
Google, Apple and Outlook write them: the zone's current rule as two yearly RRULE
observances (no end, so no cliff), transitions before that rule as one observance each,
every onset in local time of the offset it leaves (RFC 5545 §3.6.5). icalendar still
serializes the components.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

RULE_CHECK_YEARS = 30  # the yearly rule must hold this far past the span to be used
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime  # UTC instant of the change
    before: timedelta  # offset left
    after: timedelta  # offset entered
    name: str  # TZNAME after the change
    dst: bool  # the offset entered is daylight saving time

    @property
    def local(self) -> datetime:
        """The onset as written in a VTIMEZONE: wall time in the offset being left."""
        return (self.at + self.before).replace(tzinfo=None)


def vtimezone(tzid: str, first: date, last: date) -> icalendar.Timezone | None:
    """A VTIMEZONE valid from ``first`` on (for ever where the zone has a yearly rule,
    else through ``last``); None for a name zoneinfo does not know."""
    try:
        zone = ZoneInfo(tzid)
    except (ValueError, OSError, KeyError):
        return None
    return _build(tzid, zone, first, last)


@lru_cache(maxsize=64)
def _build(tzid: str, zone: ZoneInfo, first: date, last: date) -> icalendar.Timezone:
    rule_from, rule = _yearly_rule(zone, max(first.year, last.year))
    history = transitions(zone, first.year, (rule_from or last.year + 1) - 1)
    vtz = icalendar.Timezone()
    vtz.add("tzid", tzid)
    start = datetime(first.year, 1, 1, tzinfo=UTC)
    earliest = (history or rule)[0] if history or rule else None
    if earliest is None or earliest.at > start:
        vtz.add_component(_in_force(zone, start))
    for t in history:
        vtz.add_component(_observance(t))
    for t in rule:
        vtz.add_component(_observance(t, _rrule(t)))
    return vtz


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of UTC offset or name in [first_year, last_year], in order."""
    out: list[Transition] = []
    lo = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    while lo < end:
        hi = min(lo + 7 * _DAY, end)
        if _state(zone, lo) != _state(zone, hi):
            out.append(_transition(zone, lo, hi))
            lo = out[-1].at
        else:
            lo = hi
    return out


def _state(zone: ZoneInfo, at: datetime) -> tuple[timedelta | None, str | None]:
    local = at.astimezone(zone)
    return local.utcoffset(), local.tzname()


def _transition(zone: ZoneInfo, lo: datetime, hi: datetime) -> Transition:
    """Bisect to the second at which the zone's state changes in (lo, hi]."""
    before = _state(zone, lo)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if _state(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    local = hi.astimezone(zone)
    dst = local.dst()
    return Transition(hi, before[0] or timedelta(0), local.utcoffset() or timedelta(0),
                      local.tzname() or "", bool(dst))


def _yearly_rule(zone: ZoneInfo, year: int) -> tuple[int | None, list[Transition]]:
    """(first year of the rule, its first two transitions) when the zone changes twice a
    year by one "n-th/last weekday of a month" rule from some year up to ``year`` +
    RULE_CHECK_YEARS; (None, []) for zones without such a rule (no DST, or irregular)."""
    horizon = year + RULE_CHECK_YEARS
    pattern = _pattern(transitions(zone, horizon, horizon))
    if pattern is None:
        return None, []
    start = horizon
    first = transitions(zone, horizon, horizon)
    while start > 1900:
        earlier = transitions(zone, start - 1, start - 1)
        if _pattern(earlier) != pattern:
            break
        start, first = start - 1, earlier
    return start, first


def _pattern(year: list[Transition]) -> tuple | None:
    if len(year) != 2:
        return None
    return tuple((t.local.month, _byday(t.local), t.local.time(), t.before,
                  t.after, t.name, t.dst) for t in year)


def _byday(local: datetime) -> str:
    """'-1SU' for the last Sunday of the month, '2SU' for the second, …"""
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    if (local + 7 * _DAY).month != local.month:
        return f"-1{weekday}"
    return f"{(local.day - 1) // 7 + 1}{weekday}"


def _rrule(t: Transition) -> icalendar.vRecur:
    return icalendar.vRecur({"FREQ": "YEARLY", "BYMONTH": t.local.month,
                             "BYDAY": _byday(t.local)})


def _observance(t: Transition, rrule: icalendar.vRecur | None = None) -> icalendar.Component:
    comp = icalendar.TimezoneDaylight() if t.dst else icalendar.TimezoneStandard()
    comp.add("dtstart", t.local)
    if rrule is not None:
        comp.add("rrule", rrule)
    comp.add("tzname", t.name)
    comp.add("tzoffsetfrom", t.before)
    comp.add("tzoffsetto", t.after)
    return comp


def _in_force(zone: ZoneInfo, at: datetime) -> icalendar.Component:
    """The observance already in force at ``at`` (no transition inside the span before)."""
    local = at.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    comp = icalendar.TimezoneDaylight() if local.dst() else icalendar.TimezoneStandard()
    comp.add("dtstart", local.replace(tzinfo=None))
    comp.add("tzname", local.tzname() or "")
    comp.add("tzoffsetfrom", offset)
    comp.add("tzoffsetto", offset)
    return comp
