"""The city's own schedule (``kind = "schedule"``): a TOML file → RawEvents.

A series becomes ONE master RawEvent (RRULE, EXDATE for every skipped or cancelled
date) plus one override per moved date (RECURRENCE-ID). A series that skips holidays ends
(UNTIL, in UTC as RFC 5545 requires with a TZID) on the last day the school-holiday data
covers. The file format is documented at the top of feeds/stadt-idstein.toml.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, overload
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrule, rruleset, rrulestr

from ..config.problems import Problem, first_problem, read_toml, suggest
from ..errors import ConfigError, ParseError
from ..logs import fields
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
    at: list = field(default_factory=list)  # key path of the entry being read, for lines

    def error(self, label: str, key: str, problem: str) -> ParseError:
        err = ParseError(self.source_id, f"{label}: Schlüssel '{key}' – {problem}")
        err.where = (*self.at, key)  # type: ignore[attr-defined]
        return err

    def skipped(self, err: ParseError, warning: bool = False) -> Problem:
        """A bad entry as a located problem; the rest of the file is still published."""
        where = getattr(err, "where", tuple(self.at))
        suffix = "" if warning else " – Eintrag übersprungen"
        return Problem(err.message + suffix, where, warning=warning)


def parse_schedule(
    body: bytes,
    source_id: str,
    default_tz: str,
    school_holidays: list[tuple[date, date]],
    public_holidays: Holidays,
    today: date | None = None,
) -> Parsed:
    """Parse the city's schedule file entry by entry.

    Bytes that are no TOML raise a German ParseError naming line and column; a bad entry
    (or a bad cancel/move of a series) is skipped with a German sentence in
    ``Parsed.skipped`` (a located ``Problem``) and the rest is published.
    """
    skipped: list[Problem] = []
    data = _toml(body, source_id, skipped)
    ctx = _Ctx(source_id, ZoneInfo(default_tz), school_holidays, public_holidays)
    skipped += [
        Problem(f"unbekannter Abschnitt '{key}' im Terminplan"
                f"{suggest(key, ('title', 'series', 'event'))} – übersprungen", (key,))
        for key in sorted(set(data) - {"title", "series", "event"})]
    events: list[RawEvent] = []
    seen: set[str] = set()
    for kind, label, entry, where in _entries(data, source_id, skipped):
        ctx.at[:] = where
        try:
            _check_keys(ctx, label, entry, _KEYS[kind])
            uid = f"{_text(ctx, label, entry, 'id', required=True)}@{source_id}"
            if uid in seen:
                raise ctx.error(label, "id", "ist doppelt vergeben")
            found = (_series(ctx, label, entry, uid, skipped) if kind == "series"
                     else _one_off(ctx, label, entry, uid))
        except ParseError as e:
            skipped.append(ctx.skipped(e))
            continue
        seen.add(uid)
        events += found
    if school_holidays and any(e.rrule for e in events):  # only logged: output has no clock
        warning = coverage_warning(coverage_end(school_holidays), today or date.today())
        if warning:
            log.warning("%s", warning, extra=fields(source=source_id, stage="parse"))
    events.sort(key=lambda e: (e.uid, e.recurrence_id is not None, str(e.recurrence_id)))
    return Parsed(events=tuple(events), title=str(data.get("title", "")),
                  skipped=tuple(skipped))


def _toml(body: bytes, source_id: str, skipped: list[Problem]) -> dict:
    """The file's tables. A syntax error inside one [[series]]/[[event]] block skips that
    block alone (each block is read on its own, at its own line numbers); bytes that are
    no text, or an error before the first entry, refuse the file."""
    try:
        return read_toml(Path(source_id), body)[0]
    except ConfigError as e:
        first = first_problem(e)
        if first.line is None:
            raise _refused(source_id, first) from None
    text = body.decode("utf-8")
    lines = text.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if _BLOCK.match(line)]
    data = _block(lines, 0, starts[0] if starts else len(lines), source_id, None)
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        try:
            part = _block(lines, start, end, source_id, skipped)
        except _Skipped:
            continue
        for kind, tables in part.items():
            data.setdefault(kind, []).extend(tables if isinstance(tables, list) else [tables])
    return data


_BLOCK = re.compile(r"^\s*\[\[\s*(series|event)\s*\]\]")


class _Skipped(Exception):
    """A block with a syntax error, already recorded."""


def _block(lines: list[str], start: int, end: int, source_id: str,
           skipped: list[Problem] | None) -> dict:
    text = "\n" * start + "".join(lines[start:end])  # keeps the file's line numbers
    try:
        return read_toml(Path(source_id), text.encode("utf-8"))[0]
    except ConfigError as e:
        p = first_problem(e)
        if skipped is None:
            raise _refused(source_id, p) from None
        name = "Reihe" if "series" in lines[start] else "Termin"
        skipped.append(Problem(f"{name} ab Zeile {start + 1}: {p} – Eintrag übersprungen",
                               line=p.line, column=p.column))
        raise _Skipped from None


def _refused(source_id: str, p: Problem) -> ParseError:
    place = f"Zeile {p.line}, Spalte {p.column}: " if p.line and p.column else (
        f"Zeile {p.line}: " if p.line else "")
    return ParseError(source_id, f"Terminplan ist kein gültiges TOML: {place}{p}")


def _entries(data: dict, source_id: str, skipped: list[Problem]
             ) -> Iterator[tuple[str, str, dict, tuple]]:
    """(kind, German label, table, key path) for every [[series]] and [[event]]."""
    for kind, name in (("series", "Reihe"), ("event", "Termin")):
        tables = data.get(kind, [])
        if not isinstance(tables, list):
            skipped.append(Problem(f"'{kind}' muss als [[{kind}]] geschrieben werden – "
                                   "übersprungen", (kind,)))
            continue
        for n, entry in enumerate(tables, start=1):
            if not isinstance(entry, dict):
                skipped.append(Problem(f"{name} Nr. {n} muss als [[{kind}]] geschrieben "
                                       "werden – übersprungen", (kind,)))
                continue
            ident = entry.get("id")
            label = f"{name} '{ident}'" if isinstance(ident, str) else f"{name} Nr. {n}"
            yield kind, label, entry, (kind, n - 1)


def _check_keys(ctx: _Ctx, label: str, entry: dict, allowed: set[str]) -> None:
    for key in entry:
        if key not in allowed:
            raise ctx.error(label, key, f"unbekannt{suggest(key, allowed)} "
                                        f"(erlaubt: {', '.join(sorted(allowed))})")


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


@overload
def _time(ctx: _Ctx, label: str, entry: dict, key: str, default: time,
          required: bool = False) -> time: ...
@overload
def _time(ctx: _Ctx, label: str, entry: dict, key: str, default: None = None, *,
          required: Literal[True]) -> time: ...
@overload
def _time(ctx: _Ctx, label: str, entry: dict, key: str, default: None = None,
          required: bool = False) -> time | None: ...
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


def _span(ctx: _Ctx, label: str, day: date, end_day: date, start: time,
          end: time) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, start, ctx.tz)
    finish = datetime.combine(end_day, end, ctx.tz)
    if finish <= begin:
        raise ctx.error(label, "end", "liegt nicht nach dem Beginn")
    return begin, finish


def _one_off(ctx: _Ctx, label: str, entry: dict, uid: str) -> list[RawEvent]:
    common = _common(ctx, label, entry)
    day = _date(ctx, label, entry, "date")
    last = _date(ctx, label, entry, "end_date") if "end_date" in entry else day
    start = _time(ctx, label, entry, "start")
    begin: date
    finish: date | None
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
    event = RawEvent(uid=uid, start=begin, end=finish, **common)
    if "cancelled" in entry:  # "fällt aus": published as STATUS:CANCELLED with the reason
        reason = _text(ctx, label, entry, "cancelled") or "abgesagt"
        event = replace(event, status="CANCELLED",
                        description=_join(f"Fällt aus: {reason}", event.description))
    return [event]


def _join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _series(ctx: _Ctx, label: str, entry: dict, uid: str,
            skipped: list[Problem]) -> list[RawEvent]:
    common = _common(ctx, label, entry)
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
    notes = [f"Fällt aus am {d:%d.%m.%Y}: {_text(ctx, label, c, 'reason') or 'abgesagt'}"
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
                     description=_join(common["description"], "\n".join(notes)))
    return [master, *overrides]


def _each_sub(ctx: _Ctx, label: str, entry: dict, key: str, rule: rrule | rruleset, bounded: bool,
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


def _dateutil(ctx: _Ctx, label: str, rec: icalendar.vRecur,
              dtstart: datetime) -> rrule | rruleset:
    text = rec.to_ical().decode()
    try:
        return rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as e:
        raise ctx.error(label, "rrule", f"'{text}' ist keine gültige Regel ({e})") from e


def _until_utc(ctx: _Ctx, value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    return (value if value.tzinfo else value.replace(tzinfo=ctx.tz)).astimezone(UTC)


def _subs(ctx: _Ctx, label: str, entry: dict, key: str,
          rule: rrule | rruleset) -> dict[datetime, dict]:
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
        assert isinstance(override.start, datetime)  # schedule overrides are timed (_moved)
        starts.discard(override.recurrence_id)
        starts.add(override.start)
    return sorted(starts)
