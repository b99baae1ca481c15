"""Find the IANA zone a partner's own VTIMEZONE describes.

Outlook and Exchange name zones after their display text ("(UTC+10:00) Canberra,
Melbourne, Sydney", "Mitteleuropäische Zeit") and ship the rules in a VTIMEZONE.
icalendar reads those rules into a tzinfo, but the name maps to no IANA zone, so the
event used to be re-anchored in the calendar's zone: a Sydney series moved by 9–10 hours.
Here the tzinfo is compared with every IANA zone at its own transitions and at
fortnightly points over the years around the event; the first zone that agrees
everywhere is the partner's zone (a zone that only agrees on the sample is
indistinguishable for the events concerned).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

YEARS = 4  # the sample covers the event's year and the three after it
_STEP = timedelta(days=14)


def match_iana(tz: tzinfo, year: int, prefer: str = "") -> str:
    """The IANA zone whose offsets equal ``tz``'s over ``YEARS`` years from ``year``, or "";
    ``prefer`` (the calendar's or service zone) wins among zones that agree."""
    samples = _samples(tz, year)
    offsets = tuple(at.astimezone(tz).utcoffset() for at in samples)
    return _lookup(offsets, samples, prefer)


@lru_cache(maxsize=256)
def _lookup(offsets: tuple, samples: tuple[datetime, ...], prefer: str) -> str:
    for name in (prefer, *_candidates()) if prefer else _candidates():
        zone = ZoneInfo(name)
        if all(at.astimezone(zone).utcoffset() == off for at, off in zip(samples, offsets,
                                                                        strict=True)):
            return name
    return ""


def _samples(tz: tzinfo, year: int) -> tuple[datetime, ...]:
    """Fortnightly instants plus the hour after each offset change of ``tz``."""
    at = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + YEARS, 1, 1, tzinfo=UTC)
    out, last = [], None
    while at < end:
        offset = at.astimezone(tz).utcoffset()
        if last is not None and offset != last:
            out.extend(_around_change(tz, at - _STEP, at))
        out.append(at)
        last, at = offset, at + _STEP
    return tuple(sorted(set(out)))


def _around_change(tz: tzinfo, lo: datetime, hi: datetime) -> list[datetime]:
    """The instants one hour either side of the change of offset in (lo, hi]."""
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(hours=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return [lo - timedelta(hours=1), hi + timedelta(hours=1)]


@lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    """Zones Windows names map to first (the canonical city of each), then all others."""
    primary = sorted(set(WINDOWS_TO_OLSON.values()))
    rest = sorted(available_timezones() - set(primary))
    return tuple(name for name in (*primary, *rest) if not name.startswith(("Etc/", "SystemV")))
