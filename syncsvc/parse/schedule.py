"""The city's own schedule (``kind = "schedule"``): a TOML file → RawEvents.

A series becomes ONE master RawEvent (RRULE, EXDATE for every skipped or cancelled
date) plus one override per moved date (RECURRENCE-ID). A series that skips holidays ends
(UNTIL, in UTC as RFC 5545 requires with a TZID) on the last day the school-holiday data
covers. The file format is documented at the top of feeds/stadt-idstein.toml.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrule, rrulestr

from ..errors import ParseError
from ..models import Parsed, RawEvent
from .holidays import coverage_end, coverage_warning, is_school_holiday

log = logging.getLogger(__name__)

Holidays = Callable[[Iterable[int]], dict[date, str]] | dict[date, str]
SKIPS = ("school-holidays", "public-holidays")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COMMON = {"id", "title", "description", "location", "url", "categories", "start", "end"}
_KEYS = {
    "series": _COMMON | {"first", "rrule", "skip", "cancel", "move"},
    "event": _COMMON | {"date", "end_date", "cancelled"},
    "cancel": {"date", "reason"},
    "move": {"date", "to", "start", "end", "location", "reason"},
}


@dataclass(frozen=True)
class _Ctx:
    source_id: str
    tz: ZoneInfo
    school: list[tuple[date, date]]
    public: Holidays

    def error(self, label: str, key: str, problem: str) -> ParseError:
        return ParseError(self.source_id, f"{label}: Schlüssel '{key}' – {problem}")


def parse_schedule(
    body: bytes,
    source_id: str,
    default_tz: str,
    school_holidays: list[tuple[date, date]],
    public_holidays: Holidays,
    today: date | None = None,
) -> Parsed:
    """Parse the city's schedule file; a bad entry raises a German ParseError."""
    try:
        data = tomllib.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ParseError(source_id, f"Terminplan ist kein gültiges TOML: {e}") from e
    ctx = _Ctx(source_id, ZoneInfo(default_tz), school_holidays, public_holidays)
    unknown = set(data) - {"title", "series", "event"}
    if unknown:
        raise ParseError(source_id, f"unbekannter Eintrag '{sorted(unknown)[0]}' im Terminplan")
    events: list[RawEvent] = []
    seen: set[str] = set()
    for kind, label, entry in _entries(data, source_id):
        _check_keys(ctx, label, entry, _KEYS[kind])
        uid = f"{_text(ctx, label, entry, 'id', required=True)}@{source_id}"
        if uid in seen:
            raise ctx.error(label, "id", "ist doppelt vergeben")
        seen.add(uid)
        events += (_series if kind == "series" else _one_off)(ctx, label, entry, uid)
    if school_holidays and any(e.rrule for e in events):  # only logged: output has no clock
        warning = coverage_warning(coverage_end(school_holidays), today or date.today())
        if warning:
            log.warning("source=%s %s", source_id, warning)
    events.sort(key=lambda e: (e.uid, e.recurrence_id is not None, str(e.recurrence_id)))
    return Parsed(events=tuple(events), title=str(data.get("title", "")))


def _entries(data: dict, source_id: str) -> Iterator[tuple[str, str, dict]]:
    """(kind, German label for messages, table) for every [[series]] and [[event]]."""
    for kind, name in (("series", "Reihe"), ("event", "Termin")):
        tables = data.get(kind, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ParseError(source_id, f"'{kind}' muss als [[{kind}]] geschrieben werden")
        for n, entry in enumerate(tables, start=1):
            ident = entry.get("id")
            yield kind, f"{name} '{ident}'" if isinstance(ident, str) else f"{name} Nr. {n}", entry


def _check_keys(ctx: _Ctx, label: str, entry: dict, allowed: set[str]) -> None:
    for key in entry:
        if key not in allowed:
            raise ctx.error(label, key, f"unbekannt (erlaubt: {', '.join(sorted(allowed))})")


def _text(ctx: _Ctx, label: str, entry: dict, key: str, required: bool = False) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ctx.error(label, key, "muss ein Text in Anführungszeichen sein")
    if required and not value.strip():
        raise ctx.error(label, key, "fehlt")
    if key == "id" and not _ID.match(value):
        raise ctx.error(label, key, "darf nur a-z, 0-9 und - enthalten")
    return value.strip()


def _date(ctx: _Ctx, label: str, entry: dict, key: str) -> date:
    value = entry.get(key)
    if isinstance(value, datetime) or value is None:
        raise ctx.error(label, key, "fehlt oder ist kein Datum (JJJJ-MM-TT)")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ctx.error(label, key, f"'{value}' ist kein Datum (JJJJ-MM-TT)") from None


def _time(ctx: _Ctx, label: str, entry: dict, key: str, default: time | None = None,
          required: bool = False) -> time | None:
    value = entry.get(key)
    if isinstance(value, time) or (value is None and not required):
        return value or default
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        try:
            return time.fromisoformat(value.strip().zfill(5))
        except ValueError:
            pass
    raise ctx.error(label, key, f"'{value}' ist keine Uhrzeit (z. B. \"18:00\")")


def _common(ctx: _Ctx, label: str, entry: dict) -> dict:
    cats = entry.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise ctx.error(label, "categories", "muss eine Liste von Texten sein")
    return dict(
        summary=_text(ctx, label, entry, "title", required=True),
        description=_text(ctx, label, entry, "description"),
        location=_text(ctx, label, entry, "location"),
        url=_text(ctx, label, entry, "url"),
        tzid=ctx.tz.key,
        categories=tuple(c.strip() for c in cats if c.strip()),
    )


def _span(ctx: _Ctx, label: str, day: date, end_day: date, start: time, end: time):
    begin = datetime.combine(day, start, ctx.tz)
    finish = datetime.combine(end_day, end, ctx.tz)
    if finish <= begin:
        raise ctx.error(label, "end", "liegt nicht nach dem Beginn")
    return begin, finish


def _one_off(ctx: _Ctx, label: str, entry: dict, uid: str) -> list[RawEvent]:
    fields = _common(ctx, label, entry)
    day = _date(ctx, label, entry, "date")
    last = _date(ctx, label, entry, "end_date") if "end_date" in entry else day
    start = _time(ctx, label, entry, "start")
    if start is None:
        if "end" in entry:
            raise ctx.error(label, "end", "braucht auch 'start' (ohne Uhrzeit: ganztägig)")
        if last < day:
            raise ctx.error(label, "end_date", "liegt vor 'date'")
        begin, finish = day, last + timedelta(days=1)  # all day, DTEND exclusive
    else:
        end = _time(ctx, label, entry, "end")
        begin, finish = _span(ctx, label, day, last, start, end) if end is not None else (
            datetime.combine(day, start, ctx.tz), None)
    event = RawEvent(uid=uid, start=begin, end=finish, **fields)
    if "cancelled" in entry:  # "fällt aus": published as STATUS:CANCELLED with the reason
        reason = _text(ctx, label, entry, "cancelled") or "abgesagt"
        event = replace(event, status="CANCELLED",
                        description=_join(f"Fällt aus: {reason}", event.description))
    return [event]


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _series(ctx: _Ctx, label: str, entry: dict, uid: str) -> list[RawEvent]:
    fields = _common(ctx, label, entry)
    first = _date(ctx, label, entry, "first")
    start = _time(ctx, label, entry, "start", required=True)
    end = _time(ctx, label, entry, "end", required=True)
    begin, finish = _span(ctx, label, first, first, start, end)
    duration = finish - begin
    skip = entry.get("skip", [])
    if not isinstance(skip, list) or any(s not in SKIPS for s in skip):
        raise ctx.error(label, "skip", f"erlaubt sind nur {', '.join(SKIPS)}")
    text, rule = _rule(ctx, label, entry, datetime.combine(first, start, ctx.tz), bool(skip))
    dtstart = next(iter(rule), None)
    if dtstart is None:
        log.warning("source=%s %s hat keine Termine", ctx.source_id, label)
        return []
    cancelled = _subs(ctx, label, entry, "cancel", rule)
    moved = _subs(ctx, label, entry, "move", rule)
    if set(cancelled) & set(moved):
        raise ctx.error(f"{label}, move", "date", "ist zugleich abgesagt (cancel) und verlegt")
    exdates = set(cancelled)
    if skip:
        exdates |= _skipped(ctx, list(rule), set(skip))
    notes = [f"Fällt aus am {d:%d.%m.%Y}: {_text(ctx, label, c, 'reason') or 'abgesagt'}"
             for d, c in sorted(cancelled.items())]
    base = RawEvent(uid=uid, start=dtstart, end=dtstart + duration, **fields)
    overrides = [_moved(ctx, label, base, occ, m, duration) for occ, m in moved.items()]
    overrides += [_cancelled(ctx, label, base, occ, c, duration)
                  for occ, c in sorted(cancelled.items())]
    master = replace(base, rrule=text,
                     exdates=tuple(sorted(exdates - set(moved) - set(cancelled))),
                     description=_join(fields["description"], "\n".join(notes)))
    return [master, *overrides]


def _rule(ctx: _Ctx, label: str, entry: dict, dtstart: datetime, bounded: bool):
    """The RRULE text (UNTIL in UTC, capped at the holiday coverage) and its dateutil rule."""
    raw = _text(ctx, label, entry, "rrule", required=True).upper().removeprefix("RRULE:")
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


def _dateutil(ctx: _Ctx, label: str, rec: icalendar.vRecur, dtstart: datetime) -> rrule:
    text = rec.to_ical().decode()
    try:
        return rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as e:
        raise ctx.error(label, "rrule", f"'{text}' ist keine gültige Regel ({e})") from e


def _until_utc(ctx: _Ctx, value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    return (value if value.tzinfo else value.replace(tzinfo=ctx.tz)).astimezone(UTC)


def _subs(ctx: _Ctx, label: str, entry: dict, key: str, rule: rrule) -> dict[datetime, dict]:
    """Cancelled or moved dates by the occurrence they replace (which must exist)."""
    subs, where, found = entry.get(key, []), f"{label}, {key}", {}
    if not isinstance(subs, list) or not all(isinstance(s, dict) for s in subs):
        raise ctx.error(label, key, f"muss als [[series.{key}]] geschrieben werden")
    for sub in subs:
        _check_keys(ctx, where, sub, _KEYS[key])
        day = _date(ctx, where, sub, "date")
        lo = datetime.combine(day, time.min, ctx.tz)
        hits = rule.between(lo, lo + timedelta(days=1), inc=True)
        if not hits:
            raise ctx.error(where, "date", f"{day:%d.%m.%Y} ist kein Termin der Reihe")
        found[hits[0]] = sub
    return found


def _skipped(ctx: _Ctx, dates: list[datetime], skip: set[str]) -> set[datetime]:
    publics = {} if "public-holidays" not in skip else ctx.public if isinstance(
        ctx.public, dict) else ctx.public(range(dates[0].year, dates[-1].year + 1))
    school = ctx.school if "school-holidays" in skip else []
    return {d for d in dates if d.date() in publics or is_school_holiday(d.date(), school)}


def _moved(ctx: _Ctx, label: str, master: RawEvent, occ: datetime, sub: dict,
           duration: timedelta) -> RawEvent:
    where = f"{label}, move"
    day = _date(ctx, where, sub, "to") if "to" in sub else occ.date()
    start = _time(ctx, where, sub, "start", occ.timetz().replace(tzinfo=None))
    end = _time(ctx, where, sub, "end", (datetime.combine(day, start) + duration).time())
    begin, finish = _span(ctx, where, day, day, start, end)
    reason = _text(ctx, where, sub, "reason")
    note = f"Geänderter Termin (statt {occ:%d.%m.%Y, %H:%M} Uhr): {reason or 'verlegt'}"
    return replace(master, start=begin, end=finish, recurrence_id=occ,
                   location=_text(ctx, where, sub, "location") or master.location,
                   description=_join(note, master.description))


def _cancelled(ctx: _Ctx, label: str, master: RawEvent, occ: datetime, sub: dict,
               duration: timedelta) -> RawEvent:
    """A cancelled date stays in the calendar as an override with STATUS:CANCELLED, so
    calendar apps, events.json, the RSS feed and the widget can say „Abgesagt“ (an EXDATE
    alone would make it vanish silently, and partners' stale copies look like the truth)."""
    reason = _text(ctx, f"{label}, cancel", sub, "reason") or "abgesagt"
    return replace(master, start=occ, end=occ + duration, recurrence_id=occ, status="CANCELLED",
                   description=_join(f"Fällt aus: {reason}", master.description))


def series_dates(events: Iterable[RawEvent], uid: str) -> list[datetime]:
    """The effective starts of one series: rule minus EXDATEs, moved dates moved."""
    events = [e for e in events if e.uid == uid]
    master = next(e for e in events if e.recurrence_id is None)
    starts = set(rrulestr(master.rrule, dtstart=master.start)) - set(master.exdates)
    for override in (e for e in events if e.recurrence_id is not None):
        starts.discard(override.recurrence_id)
        starts.add(override.start)
    return sorted(starts)
