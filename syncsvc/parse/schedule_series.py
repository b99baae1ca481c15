"""A series of the city's schedule → one master RawEvent plus its overrides.

The master carries the RRULE and an EXDATE for every date skipped for holidays; a
cancelled date becomes a STATUS:CANCELLED override and a moved date an override at its
new time (both with RECURRENCE-ID). A series that skips holidays ends (UNTIL, in UTC as
RFC 5545 requires beside a TZID) on the last day the school-holiday data covers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from dateutil.rrule import rrule, rruleset, rrulestr

from ..config.problems import Problem
from ..errors import ParseError
from ..logs import fields
from ..models import RawEvent
from .holidays import coverage_end, is_school_holiday
from .schedule_fields import (
    KEYS,
    SKIPS,
    Ctx,
    check_keys,
    join,
    read_common,
    read_date,
    read_text,
    read_time,
    span,
    titles_only,
)

log = logging.getLogger(__name__)


def series(ctx: Ctx, label: str, entry: dict, uid: str,
            skipped: list[Problem]) -> list[RawEvent]:
    common = read_common(ctx, label, entry)
    first = read_date(ctx, label, entry, "first")
    start = read_time(ctx, label, entry, "start", required=True)
    end = read_time(ctx, label, entry, "end", required=True)
    begin, finish = span(ctx, label, first, first, start, end)
    duration = finish - begin
    skip = entry.get("skip", [])
    if not isinstance(skip, list) or any(s not in SKIPS for s in skip):
        raise ctx.error(label, "skip", f"erlaubt sind nur {', '.join(SKIPS)}")
    text, rule = _rule(ctx, label, entry, datetime.combine(first, start, ctx.tz), bool(skip))
    dtstart = next(iter(rule), None)
    if dtstart is None:
        log.warning("%s hat keine Termine", label,
                    extra=fields(source=ctx.source_id, stage="parse"))
        return []
    cancelled = _each_sub(ctx, label, entry, "cancel", rule, bool(skip), skipped)
    moved = _each_sub(ctx, label, entry, "move", rule, bool(skip), skipped)
    for both in set(cancelled) & set(moved):
        skipped.append(ctx.skipped(ctx.error(f"{label}, move", "date",
                                             "ist zugleich abgesagt (cancel) und verlegt")))
        del moved[both]
    exdates = set(cancelled)
    if skip:
        exdates |= _skipped(ctx, list(rule), set(skip))
    notes = [f"Fällt aus am {d:%d.%m.%Y}: {read_text(ctx, label, c, 'reason') or 'abgesagt'}"
             for d, c in sorted(cancelled.items())]
    base = RawEvent(uid=uid, start=dtstart, end=dtstart + duration, **common)
    overrides = []
    kept: set[datetime] = set()  # the moved dates whose override is valid
    for occ, m in moved.items():
        try:
            overrides.append(_moved(ctx, label, base, occ, m, duration))
        except ParseError as e:
            skipped.append(ctx.skipped(e))
            continue
        kept.add(occ)
    overrides += [_cancelled(ctx, label, base, occ, c, duration)
                  for occ, c in sorted(cancelled.items())]
    master = replace(base, rrule=text,
                     exdates=tuple(sorted(exdates - kept - set(cancelled))),
                     description=join(common["description"], "\n".join(notes)))
    return [master, *overrides]


def _each_sub(ctx: Ctx, label: str, entry: dict, key: str, rule: rrule | rruleset, bounded: bool,
              skipped: list[Problem]) -> dict[datetime, dict]:
    """``_subs`` one cancel/move at a time, so a bad one is skipped alone. A date after
    the end of the holiday data is only a warning: it applies once new data is added."""
    subs, found = entry.get(key, []), {}
    if not isinstance(subs, list):
        subs = [subs]
    last = coverage_end(ctx.school) if bounded and ctx.school else None
    for n, sub in enumerate(subs):
        ctx.at[2:] = [key, n]
        day = sub.get("date") if isinstance(sub, dict) else None
        try:
            if last is not None and isinstance(day, date) and day > last:
                raise ctx.error(f"{label}, {key}", "date",
                                f"{day:%d.%m.%Y} liegt nach dem letzten Tag mit Ferienterminen "
                                f"({last:%d.%m.%Y}) – gilt erst, wenn die "
                                "Ferientermine für diese Zeit eingetragen sind")
            found.update(_subs(ctx, label, {key: [sub]}, key, rule))
        except ParseError as e:
            beyond = last is not None and isinstance(day, date) and day > last
            skipped.append(ctx.skipped(e, warning=beyond))
    del ctx.at[2:]
    return found


def _rule(ctx: Ctx, label: str, entry: dict, dtstart: datetime, bounded: bool):
    """The RRULE text (UNTIL in UTC, capped at the holiday coverage) and its dateutil rule."""
    raw = read_text(ctx, label, entry, "rrule", required=True).upper().removeprefix("RRULE:")
    try:
        rec = icalendar.vRecur.from_ical(raw)
    except ValueError as e:
        raise ctx.error(label, "rrule", f"'{raw}' ist keine gültige Regel ({e})") from e
    if "UNTIL" in rec and "COUNT" in rec:
        raise ctx.error(label, "rrule", "UNTIL und COUNT schließen sich aus")
    until = _until_utc(ctx, rec.pop("UNTIL")[0]) if "UNTIL" in rec else None
    if bounded:
        if not ctx.school:
            raise ctx.error(label, "skip", "keine Ferientermine geladen")
        cover = _until_utc(ctx, coverage_end(ctx.school))  # end of its last day
        if "COUNT" in rec and list(_dateutil(ctx, label, rec, dtstart))[-1] > cover:
            rec.pop("COUNT")
        if "COUNT" not in rec:
            until = min(until or cover, cover)
    if until is not None:
        rec["UNTIL"] = [until]
    return rec.to_ical().decode(), _dateutil(ctx, label, rec, dtstart)


def _dateutil(ctx: Ctx, label: str, rec: icalendar.vRecur,
              dtstart: datetime) -> rrule | rruleset:
    text = rec.to_ical().decode()
    try:
        return rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as e:
        raise ctx.error(label, "rrule", f"'{text}' ist keine gültige Regel ({e})") from e


def _until_utc(ctx: Ctx, value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    return (value if value.tzinfo else value.replace(tzinfo=ctx.tz)).astimezone(UTC)


def _subs(ctx: Ctx, label: str, entry: dict, key: str,
          rule: rrule | rruleset) -> dict[datetime, dict]:
    """Cancelled or moved dates by the occurrence they replace (which must exist)."""
    subs, where, found = entry.get(key, []), f"{label}, {key}", {}
    if not isinstance(subs, list) or not all(isinstance(s, dict) for s in subs):
        raise ctx.error(label, key, f"muss als [[series.{key}]] geschrieben werden")
    for sub in subs:
        check_keys(ctx, where, sub, KEYS[key])
        day = read_date(ctx, where, sub, "date")
        lo = datetime.combine(day, time.min, ctx.tz)
        hits = rule.between(lo, lo + timedelta(days=1), inc=True)
        if not hits:
            raise ctx.error(where, "date", f"{day:%d.%m.%Y} ist kein Termin der Reihe")
        found[hits[0]] = sub
    return found


def _skipped(ctx: Ctx, dates: list[datetime], skip: set[str]) -> set[datetime]:
    publics = {} if "public-holidays" not in skip else ctx.public if isinstance(
        ctx.public, dict) else ctx.public(range(dates[0].year, dates[-1].year + 1))
    school = ctx.school if "school-holidays" in skip else []
    return {d for d in dates if d.date() in publics or is_school_holiday(d.date(), school)}


def _moved(ctx: Ctx, label: str, master: RawEvent, occ: datetime, sub: dict,
           duration: timedelta) -> RawEvent:
    where = f"{label}, move"
    day = read_date(ctx, where, sub, "to") if "to" in sub else occ.date()
    start = read_time(ctx, where, sub, "start", occ.timetz().replace(tzinfo=None))
    end = read_time(ctx, where, sub, "end", (datetime.combine(day, start) + duration).time())
    begin, finish = span(ctx, where, day, day, start, end)
    reason = read_text(ctx, where, sub, "reason")
    note = f"Geänderter Termin (statt {occ:%d.%m.%Y, %H:%M} Uhr): {reason or 'verlegt'}"
    return replace(master, start=begin, end=finish, recurrence_id=occ,
                   location=read_text(ctx, where, sub, "location") or master.location,
                   description=join(note, master.description),
                   translations=titles_only(master.translations))


def _cancelled(ctx: Ctx, label: str, master: RawEvent, occ: datetime, sub: dict,
               duration: timedelta) -> RawEvent:
    """A cancelled date stays in the calendar as an override with STATUS:CANCELLED, so
    calendar apps, events.json, the RSS feed and the widget can say „Abgesagt“ (an EXDATE
    alone would make it vanish silently, and partners' stale copies look like the truth)."""
    reason = read_text(ctx, f"{label}, cancel", sub, "reason") or "abgesagt"
    return replace(master, start=occ, end=occ + duration, recurrence_id=occ, status="CANCELLED",
                   description=join(f"Fällt aus: {reason}", master.description),
                   translations=titles_only(master.translations))


def series_dates(events: Iterable[RawEvent], uid: str) -> list[datetime]:
    """The effective starts of one series: rule minus EXDATEs, moved dates moved."""
    events = [e for e in events if e.uid == uid]
    master = next(e for e in events if e.recurrence_id is None)
    starts = set(rrulestr(master.rrule, dtstart=master.start)) - set(master.exdates)
    for override in (e for e in events if e.recurrence_id is not None):
        assert isinstance(override.start, datetime)  # schedule overrides are timed (_moved)
        starts.discard(override.recurrence_id)
        starts.add(override.start)
    return sorted(starts)
