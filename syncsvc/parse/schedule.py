"""The city's own schedule (``kind = "schedule"``): a TOML file → RawEvents.

Read entry by entry: a bad entry is skipped with a located German problem and the rest
is published. ``schedule_fields`` reads the typed keys of one entry, ``schedule_series``
turns a series into a master with overrides. The file format is documented at the top
of feeds/stadt-idstein.toml.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config.problems import Problem, first_problem, read_toml, suggest
from ..errors import ConfigError, ParseError
from ..logs import fields
from ..models import Parsed, RawEvent
from .holidays import coverage_end, coverage_warning
from .schedule_fields import (
    KEYS,
    Ctx,
    Holidays,
    check_keys,
    join,
    read_common,
    read_date,
    read_text,
    read_time,
    span,
    titles_only,
)
from .schedule_series import series, series_dates

__all__ = ["Holidays", "parse_schedule", "series_dates"]

log = logging.getLogger(__name__)


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
    ctx = Ctx(source_id, ZoneInfo(default_tz), school_holidays, public_holidays)
    skipped += [
        Problem(f"unbekannter Abschnitt '{key}' im Terminplan"
                f"{suggest(key, ('title', 'series', 'event'))} – übersprungen", (key,))
        for key in sorted(set(data) - {"title", "series", "event"})]
    events: list[RawEvent] = []
    seen: set[str] = set()
    for kind, label, entry, where in _entries(data, source_id, skipped):
        ctx.at[:] = where
        try:
            check_keys(ctx, label, entry, KEYS[kind])
            uid = f"{read_text(ctx, label, entry, 'id', required=True)}@{source_id}"
            if uid in seen:
                raise ctx.error(label, "id", "ist doppelt vergeben")
            found = (series(ctx, label, entry, uid, skipped) if kind == "series"
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


def _one_off(ctx: Ctx, label: str, entry: dict, uid: str) -> list[RawEvent]:
    common = read_common(ctx, label, entry)
    day = read_date(ctx, label, entry, "date")
    last = read_date(ctx, label, entry, "end_date") if "end_date" in entry else day
    start = read_time(ctx, label, entry, "start")
    begin: date
    finish: date | None
    if start is None:
        if "end" in entry:
            raise ctx.error(label, "end", "braucht auch 'start' (ohne Uhrzeit: ganztägig)")
        if last < day:
            raise ctx.error(label, "end_date", "liegt vor 'date'")
        begin, finish = day, last + timedelta(days=1)  # all day, DTEND exclusive
    else:
        end = read_time(ctx, label, entry, "end")
        begin, finish = span(ctx, label, day, last, start, end) if end is not None else (
            datetime.combine(day, start, ctx.tz), None)
    event = RawEvent(uid=uid, start=begin, end=finish, **common)
    if "cancelled" in entry:  # "fällt aus": published as STATUS:CANCELLED with the reason
        reason = read_text(ctx, label, entry, "cancelled") or "abgesagt"
        event = replace(event, status="CANCELLED",
                        description=join(f"Fällt aus: {reason}", event.description),
                        translations=titles_only(event.translations))
    return [event]
