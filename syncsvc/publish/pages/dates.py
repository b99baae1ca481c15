"""Dates for the public pages, formatted by Babel (CLDR data) in the page's language.

Residents read these lines, often through a screen reader: weekday and month are written
out („Donnerstag, 3. Dezember 2026, 18:00–20:00 Uhr“, „الخميس، 3 ديسمبر 2026“), never
abbreviated. German keeps its long-standing pattern; every other language gets CLDR's
full date and short time of its locale, joined by the catalog's phrases („{time} Uhr“,
„{start} bis {end}“). Every value is shown in the service's zone (``settings.timezone``),
whatever zone the partner wrote in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from ...i18n import Translator, translator

LOCALE = "de_DE"


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else translator("de")


def local(value: date | datetime, tz: str) -> date | datetime:
    """A datetime in the service zone; dates stay dates."""
    return value.astimezone(ZoneInfo(tz)) if isinstance(value, datetime) else value


def day(value: date | datetime, tr: Translator | None = None) -> str:
    """„Donnerstag, 3. Dezember 2026“."""
    if tr is None or tr.is_source:
        return _date(_day_of(value), "EEEE, d. MMMM y", LOCALE)
    return _date(_day_of(value), "full", tr.locale)


def month(value: date | datetime, tr: Translator | None = None) -> str:
    """„Dezember 2026“."""
    return _date(_day_of(value), "LLLL y", LOCALE if tr is None else tr.locale)


def clock(value: datetime, tr: Translator | None = None) -> str:
    """„18:00“."""
    wall = time(value.hour, value.minute)
    if tr is None or tr.is_source:
        return _time(wall, "HH:mm", LOCALE)
    return _time(wall, "short", tr.locale)


# Babel formats by CLDR pattern on every call (~40 µs); a publish asks for the same few
# hundred days and the quarter hours of a day hundreds of thousands of times. The
# patterns used here read only the calendar day or the wall-clock hour and minute.
@lru_cache(maxsize=4096)
def _date(value: date, pattern: str, locale: str | Locale) -> str:
    return format_date(value, pattern, locale=locale)


@lru_cache(maxsize=4096)
def _time(value: time, pattern: str, locale: str | Locale) -> str:
    return format_time(value, pattern, locale=locale)


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def last_day(start: date, end: date | None) -> date:
    """The last day of an all-day event (DTEND is exclusive)."""
    if end is None or end <= start:
        return start
    return end - timedelta(days=1)


def _at(value: datetime, tr: Translator) -> str:
    return tr.gettext("{day}, {time}").format(day=day(value, tr), time=clock(value, tr))


def when(start: date | datetime, end: date | datetime | None,
         tr: Translator | None = None) -> str:
    """Date and time of one occurrence (already local): the event page's line."""
    t = _tr(tr)
    _ = t.gettext
    if not isinstance(start, datetime):
        last = last_day(start, end if isinstance(end, date) else None)
        return day(start, t) if last == start else _("{start} bis {end}").format(
            start=day(start, t), end=day(last, t))
    if not isinstance(end, datetime) or end <= start:
        return _("{time} Uhr").format(time=_at(start, t))
    if end.date() == start.date():
        span = _("{start}–{end} Uhr").format(start=clock(start, t), end=clock(end, t))
        return _("{day}, {time}").format(day=day(start, t), time=span)
    return _("{start} bis {end}").format(start=_("{time} Uhr").format(time=_at(start, t)),
                                         end=_("{time} Uhr").format(time=_at(end, t)))


def hours(start: date | datetime, end: date | datetime | None,
          tr: Translator | None = None) -> str:
    """The time part for a list under a day heading: „18:00–20:00 Uhr“, „ganztägig“."""
    t = _tr(tr)
    _ = t.gettext
    if not isinstance(start, datetime):
        last = last_day(start, end if isinstance(end, date) else None)
        return _("ganztägig") if last == start else _("ganztägig, bis {day}").format(
            day=day(last, t))
    if not isinstance(end, datetime) or end <= start:
        return _("{time} Uhr").format(time=clock(start, t))
    if end.date() == start.date():
        return _("{start}–{end} Uhr").format(start=clock(start, t), end=clock(end, t))
    return _("{start} bis {end}").format(start=_("{time} Uhr").format(time=clock(start, t)),
                                         end=_("{time} Uhr").format(time=_at(end, t)))


def iso(value: date | datetime) -> str:
    """ISO 8601 with the offset (schema.org startDate/endDate, <time datetime>)."""
    return value.isoformat()
