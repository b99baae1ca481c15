"""Make one calendar's series say the same thing in every client.

Partners write series that their own calendar reads one way and other clients another
(or not at all). Each rule here was a published difference between what a partner meant
and what a resident's app showed; the fix keeps the meaning and writes it in the form
every mainstream client (ical.js, libical, Home Assistant's ``ical``,
recurring-ical-events) reads alike:

- EXDATE, RDATE and RECURRENCE-ID take the master's value type: a DATE EXDATE of a
  timed series excludes that day's occurrence (vobject refused a mixed EXDATE line and
  ical.js threw on the series).
- ``UNTIL`` becomes UTC for timed series (RFC 5545 §3.3.10; a floating or DATE UNTIL
  made Home Assistant refuse the whole calendar) and a DATE for all-day ones; a DATE
  UNTIL of a timed series means the start of that day, as the clients that read it do.
- A second RRULE (RFC 5545: SHOULD NOT occur) adds its dates as RDATEs, as libical and
  recurring-ical-events expand the union (Home Assistant refused the file).
- Overrides (RECURRENCE-ID) carry no RRULE (libical and Home Assistant showed the series
  twice) and inherit the master's categories, location and link where they have none.
- ``RANGE=THISANDFUTURE`` splits the series at that date: the master ends before it and a
  new series with the override's changes continues (few clients honour the range).
- ``EXRULE`` (dropped from RFC 5545) becomes explicit EXDATEs.
Every change that drops something is counted and said in German.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import vRecur

from ..models import DateOrDateTime, RawEvent

log = logging.getLogger(__name__)

MAX_RULE_DATES = 1000  # an EXRULE or a second RRULE expands to at most this many dates
MAX_RULE_YEARS = 20  # … and at most this far past DTSTART
_SECOND = timedelta(seconds=1)


def portable(events: list[RawEvent]) -> tuple[list[RawEvent], list[str]]:
    """The events with every series rewritten as above, plus German notes on what was lost."""
    groups: dict[str, list[RawEvent]] = defaultdict(list)
    for ev in events:
        groups[ev.uid].append(ev)
    out: list[RawEvent] = []
    notes: list[str] = []
    for members in groups.values():
        masters = [e for e in members if e.recurrence_id is None]
        master = masters[0] if len(masters) == 1 else None
        if master is None:
            out.extend(replace(e, rrule="", exrule="") if e.recurrence_id is not None else e
                       for e in members)
            continue
        try:
            fixed = _master(master, notes)
        except _Refused as e:
            notes.append(str(e))
            continue
        overrides = [_override(e, fixed) for e in members if e.recurrence_id is not None]
        out.extend(_split(fixed, overrides, notes))
    return out, notes


def _master(ev: RawEvent, notes: list[str]) -> RawEvent:
    exdates = tuple(_like(x, ev.start) for x in ev.exdates)
    if ev.exrule and ev.rrule:
        exdates += _rule_dates(ev, ev.exrule, "Ausnahmeregel (EXRULE)", notes)
    rdates = tuple(_like(x, ev.start) for x in ev.rdates)
    for extra in ev.extra_rrules if ev.rrule else ():
        rdates += _rule_dates(ev, extra, "Weitere Wiederholungsregel (RRULE)", notes)
    rule = _standard(ev.rrule, ev.summary, notes)
    return replace(ev, rrule=_until(rule, ev.start), exrule="", extra_rrules=(),
                   exdates=tuple(dict.fromkeys(exdates)), rdates=tuple(dict.fromkeys(rdates)))


def _override(ev: RawEvent, master: RawEvent) -> RawEvent:
    assert ev.recurrence_id is not None
    return replace(
        ev, rrule="", exrule="", rdates=(), exdates=(),
        recurrence_id=_like(ev.recurrence_id, master.start), utc_anchor=master.utc_anchor,
        categories=ev.categories or master.categories,
        location=ev.location or master.location, url=ev.url or master.url)


def _like(value: DateOrDateTime, start: DateOrDateTime) -> DateOrDateTime:
    """``value`` in the value type of the series' DTSTART (and its zone for a date)."""
    if isinstance(start, datetime):
        if isinstance(value, datetime):
            return value
        assert start.tzinfo is not None
        return datetime.combine(value, start.timetz().replace(tzinfo=None), start.tzinfo)
    if isinstance(value, datetime):
        return value.date()
    return value


def _standard(rule: str, summary: str, notes: list[str]) -> str:
    """The RRULE with only RFC 5545 parts and sane counts. vobject, libical and Home
    Assistant refuse the whole calendar for an unknown part (RFC 7529's RSCALE/SKIP, a
    typo like UNTL) or COUNT=-1; the part is dropped with a German note instead."""
    if not rule:
        return rule
    recur = vRecur.from_ical(rule)
    scale = str((recur.get("RSCALE") or ["GREGORIAN"])[0]).upper()
    if scale != "GREGORIAN":
        raise _Refused(f"Termin „{summary[:80]}“ übersprungen: Kalendersystem {scale} "
                       f"(RSCALE) wird nicht unterstützt.")
    dropped = [k for k in recur if k not in _RFC5545_PARTS]
    for key in ("COUNT", "INTERVAL"):
        values = recur.get(key) or []
        if values and not (isinstance(values[0], int) and values[0] > 0):
            dropped.append(key)
    if not dropped:
        return rule
    for key in dropped:
        recur.pop(key, None)
    notes.append(f"Wiederholungsregel von „{summary[:80]}“: nicht lesbare Teile "
                 f"{', '.join(sorted(set(dropped)))} weggelassen.")
    return recur.to_ical().decode()


class _Refused(Exception):
    """A series whose meaning cannot be kept; the message is the German reason."""


_RFC5545_PARTS = {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR",
                  "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS",
                  "WKST"}


def _until(rule: str, start: DateOrDateTime) -> str:
    """The RRULE with UNTIL in UTC (timed series) or as a DATE (all-day series)."""
    if not rule or "UNTIL" not in rule.upper():
        return rule
    recur = vRecur.from_ical(rule)
    values = recur.get("UNTIL") or []
    if not values:
        return rule
    until = values[0]
    if isinstance(start, datetime):
        zone = start.tzinfo or UTC
        if not isinstance(until, datetime):  # that day's start in the series' zone, as
            until = datetime.combine(until, time(), zone)  # libical, ical.js and dateutil do
        elif until.tzinfo is None:
            until = until.replace(tzinfo=zone)
        recur["UNTIL"] = [until.astimezone(UTC)]
    elif isinstance(until, datetime):
        recur["UNTIL"] = [until.date() if until.tzinfo is None else
                          until.astimezone(ZoneInfo("UTC")).date()]
    return recur.to_ical().decode()


def _rule_dates(ev: RawEvent, text: str, what: str, notes: list[str]
                ) -> tuple[DateOrDateTime, ...]:
    """The dates of another rule (EXRULE, a second RRULE) from DTSTART on (bounded)."""
    start = ev.start if isinstance(ev.start, datetime) else datetime.combine(ev.start, time())
    try:
        rule = rrulestr(_until(text, ev.start), dtstart=start, ignoretz=False)
    except (ValueError, TypeError):
        notes.append(f"{what} von „{ev.summary[:80]}“ ist unlesbar und wurde nicht angewendet.")
        return ()
    out: list[DateOrDateTime] = []
    last = start.replace(year=min(start.year + MAX_RULE_YEARS, 9999))
    for value in rule:
        if value > last:
            notes.append(f"{what} von „{ev.summary[:80]}“ gilt nur bis {last:%d.%m.%Y}.")
            break
        if len(out) >= MAX_RULE_DATES:
            notes.append(f"{what} von „{ev.summary[:80]}“ nach {MAX_RULE_DATES} Terminen "
                         f"abgeschnitten.")
            break
        out.append(value if isinstance(ev.start, datetime) else value.date())
    return tuple(out)


def _split(master: RawEvent, overrides: list[RawEvent], notes: list[str]) -> list[RawEvent]:
    """Apply the first RANGE=THISANDFUTURE override as a split of the series (recursively)."""
    ranged = sorted((o for o in overrides if o.this_and_future),
                    key=lambda o: _sort(o.recurrence_id))
    if not ranged or not master.rrule:
        return [master, *(replace(o, this_and_future=False) for o in overrides)]
    cut = ranged[0]
    assert cut.recurrence_id is not None
    shift = _delta(cut.start, cut.recurrence_id)
    head_rule = _ending(master, cut.recurrence_id)
    head = replace(master, rrule=head_rule,
                   exdates=tuple(x for x in master.exdates if _sort(x) < _sort(cut.recurrence_id)))
    tail = replace(
        cut, uid=f"{master.uid}/ab-{_stamp(cut.recurrence_id)}", recurrence_id=None,
        this_and_future=False, rrule=_tail_rule(master, cut.recurrence_id, shift),
        exdates=tuple(_shift(x, shift) for x in master.exdates
                      if _sort(x) >= _sort(cut.recurrence_id)),
        rdates=tuple(_shift(x, shift) for x in master.rdates
                     if _sort(x) > _sort(cut.recurrence_id)),
        utc_anchor=master.utc_anchor)
    before = [o for o in overrides if o is not cut and _sort(o.recurrence_id) < _sort(
        cut.recurrence_id)]
    after = [replace(o, uid=tail.uid, recurrence_id=_shift(o.recurrence_id, shift))
             for o in overrides if o is not cut and o not in before]
    head_rdates = tuple(x for x in master.rdates if _sort(x) < _sort(cut.recurrence_id))
    return [*_split(replace(head, rdates=head_rdates), before, notes),
            *_split(tail, after, notes)]


def _ending(master: RawEvent, rid: DateOrDateTime) -> str:
    """The master's RRULE ending just before ``rid`` (COUNT becomes the head's count)."""
    recur = vRecur.from_ical(master.rrule)
    recur.pop("COUNT", None)
    if isinstance(rid, datetime):
        recur["UNTIL"] = [(rid - _SECOND).astimezone(UTC)]
    else:
        recur["UNTIL"] = [rid - timedelta(days=1)]
    return recur.to_ical().decode()


def _tail_rule(master: RawEvent, rid: DateOrDateTime, shift: timedelta) -> str:
    recur = vRecur.from_ical(master.rrule)
    if "COUNT" in recur:
        done = sum(1 for _ in _occurrences(master, rid))
        recur["COUNT"] = [max(1, int(recur["COUNT"][0]) - done)]
    if recur.get("UNTIL"):
        recur["UNTIL"] = [recur["UNTIL"][0] + shift]
    return recur.to_ical().decode()


def _occurrences(master: RawEvent, before: DateOrDateTime):
    start = master.start
    if not isinstance(start, datetime):
        start = datetime.combine(start, time())
        before = datetime.combine(before, time()) if not isinstance(before, datetime) else before
    for value in rrulestr(master.rrule, dtstart=start, ignoretz=False):
        if value >= before:
            return
        yield value


def _delta(new: DateOrDateTime, old: DateOrDateTime) -> timedelta:
    if isinstance(new, datetime) and isinstance(old, datetime):
        return new - old
    return _day(new) - _day(old)


def _shift(value: DateOrDateTime | None, by: timedelta) -> DateOrDateTime:
    assert value is not None
    return value + by if isinstance(value, datetime) else value + timedelta(days=by.days)


def _day(value: DateOrDateTime) -> datetime:
    d = value.date() if isinstance(value, datetime) else value
    return datetime(d.year, d.month, d.day)


def _sort(value: DateOrDateTime | None) -> datetime:
    assert value is not None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _stamp(value: DateOrDateTime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")

