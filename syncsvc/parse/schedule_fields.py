"""Reading one entry of the city's schedule: typed keys with located German errors.

Every reader raises a ``ParseError`` whose ``where`` is the key path in the file, so
``syncsvc check`` and the sync name the same line; ``Ctx`` carries the zone, the holiday
data and the path of the entry being read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal, overload
from zoneinfo import ZoneInfo

from ..config.languages import SOURCE_LANGUAGE, known_language
from ..config.problems import Problem, suggest
from ..errors import ParseError
from ..models import Translations

Holidays = Callable[[Iterable[int]], dict[date, str]] | dict[date, str]
SKIPS = ("school-holidays", "public-holidays")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COMMON = {"id", "title", "description", "location", "url", "categories", "start", "end",
           "translations"}
TRANSLATION_KEYS = {"title", "description", "reviewed"}
KEYS = {
    "series": _COMMON | {"first", "rrule", "skip", "cancel", "move"},
    "event": _COMMON | {"date", "end_date", "cancelled"},
    "cancel": {"date", "reason"},
    "move": {"date", "to", "start", "end", "location", "reason"},
}


@dataclass(frozen=True)
class Ctx:
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


def check_keys(ctx: Ctx, label: str, entry: dict, allowed: set[str]) -> None:
    for key in entry:
        if key not in allowed:
            raise ctx.error(label, key, f"unbekannt{suggest(key, allowed)} "
                                        f"(erlaubt: {', '.join(sorted(allowed))})")


def read_text(ctx: Ctx, label: str, entry: dict, key: str, required: bool = False) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ctx.error(label, key, "muss ein Text in Anführungszeichen sein")
    if required and not value.strip():
        raise ctx.error(label, key, "fehlt")
    if key == "id" and not _ID.match(value):
        raise ctx.error(label, key, "darf nur a-z, 0-9 und - enthalten")
    return value.strip()


def read_date(ctx: Ctx, label: str, entry: dict, key: str) -> date:
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
def read_time(ctx: Ctx, label: str, entry: dict, key: str, default: time,
          required: bool = False) -> time: ...
@overload
def read_time(ctx: Ctx, label: str, entry: dict, key: str, default: None = None, *,
          required: Literal[True]) -> time: ...
@overload
def read_time(ctx: Ctx, label: str, entry: dict, key: str, default: None = None,
          required: bool = False) -> time | None: ...
def read_time(ctx: Ctx, label: str, entry: dict, key: str, default: time | None = None,
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


def read_common(ctx: Ctx, label: str, entry: dict) -> dict:
    cats = entry.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise ctx.error(label, "categories", "muss eine Liste von Texten sein")
    return dict(
        summary=read_text(ctx, label, entry, "title", required=True),
        description=read_text(ctx, label, entry, "description"),
        location=read_text(ctx, label, entry, "location"),
        url=read_text(ctx, label, entry, "url"),
        tzid=ctx.tz.key,
        categories=tuple(c.strip() for c in cats if c.strip()),
        translations=read_translations(ctx, label, entry),
    )


def read_translations(ctx: Ctx, label: str, entry: dict) -> Translations:
    """``[series.translations.<lang>]`` tables: title and description in that language
    (``reviewed = false`` marks a text no native speaker has checked yet; it is published
    all the same, the mark is for the people who keep the file)."""
    tables = entry.get("translations", {})
    if not isinstance(tables, dict):
        raise ctx.error(label, "translations", "muss Tabellen je Sprache enthalten, z. B. "
                                               "[series.translations.en]")
    out = []
    for lang, table in sorted(tables.items()):
        where = f"{label}, translations.{lang}"
        if not known_language(lang) or lang == SOURCE_LANGUAGE:
            raise ctx.error(where, "translations", f"'{lang}' ist kein Sprachkürzel einer "
                                                   "Übersetzung (z. B. en, ar, uk)")
        if not isinstance(table, dict):
            raise ctx.error(where, "translations", "muss eine Tabelle mit title/description "
                                                   "sein")
        check_keys(ctx, where, table, TRANSLATION_KEYS)
        if not isinstance(table.get("reviewed", False), bool):
            raise ctx.error(where, "reviewed", "muss true oder false sein")
        title, text = read_text(ctx, where, table, "title"), read_text(ctx, where, table,
                                                                        "description")
        if title or text:
            out.append((lang, title, text))
    return tuple(out)


def titles_only(translations: Translations) -> Translations:
    """For a date whose German description got a note (cancelled, moved): the translated
    descriptions would lack it, so that date shows the German description instead."""
    return tuple((lang, title, "") for lang, title, _ in translations if title)


def span(ctx: Ctx, label: str, day: date, end_day: date, start: time,
          end: time) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, start, ctx.tz)
    finish = datetime.combine(end_day, end, ctx.tz)
    if finish <= begin:
        raise ctx.error(label, "end", "liegt nicht nach dem Beginn")
    return begin, finish


def join(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)
