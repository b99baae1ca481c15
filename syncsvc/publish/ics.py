"""calendar.ics: the published events as one RFC 5545 calendar.

Everything is serialized by icalendar (escaping, folding); every per-event value comes from
the published records, never from the clock, so the same records give the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import icalendar

from ..errors import PublishError
from ..models import PublishedEvent
from ..vevent import parse_instant, to_vevent
from .common import attribution_lines, event_link, group_by_uid

log = logging.getLogger(__name__)

PRODID = "-//WIR in Idstein//syncsvc//DE"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # DTSTAMP when the store gave none (required field)
_LAST_TZ_DATE = date(2038, 1, 1)


def render_calendar(
    events: Sequence[PublishedEvent],
    *,
    name: str,
    tz: str,
    base_url: str,
    refresh_s: int,
    self_path: str = "/calendar.ics",
    title: str = "",
) -> bytes:
    """Serialize published events (series stay series) into one VCALENDAR."""
    cal = _calendar(title or f"{name} – Termine", tz, base_url, refresh_s, self_path)
    for group in group_by_uid(events):
        for pe in group:
            try:
                cal.add_component(_vevent(pe))
            except (ValueError, TypeError, KeyError) as e:
                source = pe.event.source_id
                log.warning("source=%s event %s not published: %s", source, pe.uid, e)
    _add_timezones(cal)
    try:
        return cal.to_ical()
    except (ValueError, TypeError) as e:
        raise PublishError(f"Kalender '{self_path}' konnte nicht erzeugt werden: {e}") from e


def _calendar(title: str, tz: str, base_url: str, refresh_s: int, self_path: str):
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", tz)
    refresh = icalendar.vDuration(timedelta(seconds=max(60, refresh_s)))
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", refresh)
    base = base_url.rstrip("/")
    cal.add("source", base + self_path, parameters={"VALUE": "URI"})
    cal.add("url", base + "/")
    return cal


def _vevent(pe: PublishedEvent) -> icalendar.Event:
    ve = to_vevent(pe.event, uid=pe.uid)
    for key in ("categories", "description", "url", "sequence", "dtstamp", "last-modified"):
        ve.pop(key, None)
    ve.add("sequence", pe.sequence)
    stamp = parse_instant(pe.dtstamp) if pe.dtstamp else EPOCH
    if not isinstance(stamp, datetime):
        stamp = datetime(stamp.year, stamp.month, stamp.day, tzinfo=UTC)
    ve.add("dtstamp", stamp)
    if pe.dtstamp:
        ve.add("last-modified", stamp)
    if pe.categories:
        ve.add("categories", list(pe.categories))
    description = _description(pe)
    if description:
        ve.add("description", description)
    link = event_link(pe)
    if link:
        ve.add("url", link)
    return ve


def _description(pe: PublishedEvent) -> str:
    parts = [pe.event.description.strip()] if pe.event.description.strip() else []
    credit = attribution_lines(pe.sources)
    if credit:
        parts.append("\n".join(credit))
    return "\n\n".join(parts)


def _add_timezones(cal: icalendar.Calendar) -> None:
    """One VTIMEZONE per TZID used, with the zone's DST transitions over the data's years."""
    first, last = _date_span(cal)
    for tzid in sorted(cal.get_missing_tzids()):
        vtz = _vtimezone(tzid, first, last)
        if vtz is None:
            log.warning("source=- no VTIMEZONE for unknown TZID %s", tzid)
            continue
        cal.subcomponents.insert(len(cal.timezones), vtz)


def _date_span(cal: icalendar.Calendar) -> tuple[date, date]:
    """Jan 1 of the earliest year used, and a last date after every explicit value."""
    years = []
    for ve in cal.walk("VEVENT"):
        for key in ("dtstart", "dtend", "recurrence-id"):
            if key in ve:
                years.append(ve.decoded(key).year)
    if not years:
        return date(1970, 1, 1), _LAST_TZ_DATE
    return date(min(years) - 1, 1, 1), max(_LAST_TZ_DATE, date(max(years) + 2, 1, 1))


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first: date, last: date) -> icalendar.Timezone | None:
    try:
        return icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None
