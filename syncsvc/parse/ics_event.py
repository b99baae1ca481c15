"""One VEVENT → RawEvent(s): each property read tolerantly, each failure a German reason.

No DTSTART, an unreadable value (icalendar parks those in ``component.errors`` and raises
on access), a start outside 1900–2200 or a broken RRULE raise ``SkipEvent`` with the
sentence the sync logs; a DTEND before DTSTART is dropped and the event kept as a point
in time. Instants keep the IANA zone they were written in (``parse.zones`` maps Outlook
names), so ``parse.series`` can make the series portable.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Component, vRecur
from icalendar.timezone.tzid import tzids_from_tzinfo

from ..instants import zone_or_none
from ..models import DateOrDateTime, RawEvent
from .zones import match_iana

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1900, 2200
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")


class SkipEvent(Exception):
    """One event cannot be used; the message is the German reason."""


def event_label(vevent: Component) -> str:
    try:
        summary = _text(vevent, "SUMMARY").strip()
        uid = _text(vevent, "UID").strip()
    except Exception:  # noqa: BLE001
        summary = uid = ""
    if summary:
        return f"Termin „{summary[:80]}“"
    return f"Termin ohne Titel (UID {uid[:80]})" if uid else "Termin ohne Titel und UID"


def to_raws(ev: Component, source_id: str, cal_tz: str) -> list[RawEvent]:
    """The VEVENT, plus one event of its own per RDATE;VALUE=PERIOD whose length differs
    from the event's: an RDATE carries no end in most clients (ical.js throws on it,
    libical ignores it), and an override of an RDATE instance libical shows twice."""
    raw = _to_raw(ev, source_id, cal_tz)
    length = raw.end - raw.start if raw.end is not None else None
    own = [(s, e) for s, e in _periods(ev, cal_tz) if e - s != length]
    if not own:
        return [raw]
    starts = {s for s, _ in own}
    out = [replace(raw, rdates=tuple(r for r in raw.rdates if r not in starts))]
    for start, end in own:
        stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        out.append(replace(raw, uid=f"{raw.uid}/rdate-{stamp}", start=start, end=end,
                           rrule="", rdates=(), exdates=(), exrule="", extra_rrules=(),
                           utc_anchor=False))
    return out


def _to_raw(ev: Component, source_id: str, cal_tz: str) -> RawEvent:
    label = event_label(ev)
    if "DTSTART" not in ev:
        raise SkipEvent(f"{label} übersprungen: kein Beginn (DTSTART) angegeben.")
    try:
        start, tzid = _instant(ev.get("DTSTART"), cal_tz)
    except Exception as e:  # noqa: BLE001 - vBroken raises on .dt
        raise SkipEvent(f"{label} übersprungen: ungültiges Beginndatum.") from e
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise SkipEvent(f"{label} übersprungen: Beginn im Jahr {start.year} ist unplausibel.")
    summary = _text(ev, "SUMMARY")
    uid = _text(ev, "UID").strip() or _derived_uid(summary, start, source_id)
    return RawEvent(
        uid=uid, summary=summary, start=start, end=_end(ev, start, cal_tz, label),
        description=_text(ev, "DESCRIPTION"), location=_text(ev, "LOCATION"),
        url=_text(ev, "URL").strip(), tzid=tzid, rrule=_rrule(ev, label),
        rdates=_dates(ev, "RDATE", cal_tz), exdates=_dates(ev, "EXDATE", cal_tz),
        recurrence_id=_instant(ev["RECURRENCE-ID"], cal_tz)[0] if "RECURRENCE-ID" in ev else None,
        status=_status(ev),
        categories=_categories(ev), sequence=_sequence(ev),
        utc_anchor=_is_utc(start) and ("RRULE" in ev or "RDATE" in ev),
        exrule=_exrule(ev), extra_rrules=_extra_rrules(ev),
        this_and_future=_range(ev) == "THISANDFUTURE",
    )


def _is_utc(value: DateOrDateTime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and (
        "UTC" in tzids_from_tzinfo(value.tzinfo))


def _range(ev: Component) -> str:
    rid = ev.get("RECURRENCE-ID")
    return str(getattr(rid, "params", {}).get("RANGE", "")).upper()


def _extra_rrules(ev: Component) -> tuple[str, ...]:
    """RRULE lines after the first (RFC 5545: SHOULD NOT occur; libical and
    recurring-ical-events expand their union, so parse.series adds them as RDATEs)."""
    rules = ev.get("RRULE")
    if not isinstance(rules, list):
        return ()
    out = []
    for rule in rules[1:]:
        try:
            text = rule.to_ical().decode()
            vRecur.from_ical(text)
        except Exception:  # noqa: BLE001 - an unreadable extra rule adds nothing
            continue
        if "FREQ=" in text.upper():
            out.append(text)
    return tuple(out)


def _exrule(ev: Component) -> str:
    rule = ev.get("EXRULE")
    if isinstance(rule, list):
        rule = rule[0] if rule else None
    if rule is None:
        return ""
    try:
        text = rule.to_ical().decode() if hasattr(rule, "to_ical") else str(rule)
        vRecur.from_ical(text)
    except Exception:  # noqa: BLE001 - an unreadable EXRULE excludes nothing
        log.info("%s: unreadable EXRULE ignored", event_label(ev))
        return ""
    return text


def _periods(ev: Component, cal_tz: str) -> list[tuple[datetime, datetime]]:
    """(start, end) of every RDATE;VALUE=PERIOD value (end given or start + duration)."""
    props = ev.get("RDATE")
    out = []
    for prop in props if isinstance(props, list) else [props] if props is not None else []:
        for value in getattr(prop, "dts", []):
            if not isinstance(value.dt, tuple):
                continue
            try:
                start, _ = _instant(value, cal_tz)
                if not isinstance(start, datetime):
                    continue
                end = value.dt[1]
                end = start + end if isinstance(end, timedelta) else _aware(end, cal_tz)
            except Exception:  # noqa: BLE001, S112 - an unreadable period is left out
                continue
            if end >= start:
                out.append((start, end))
    return out


def _aware(value: datetime, cal_tz: str) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(cal_tz))


def _text(ev: Component, name: str) -> str:
    """A text property as str; a duplicated property yields its first value."""
    value = ev.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _instant(prop, cal_tz: str) -> tuple[DateOrDateTime, str]:
    """A property's value as date or aware datetime, plus the IANA zone it was written in."""
    value = prop.dt
    if isinstance(value, tuple):  # PERIOD: (start, end-or-duration)
        value = value[0]
    if isinstance(value, datetime) and _value_type(prop) == "DATE":
        value = value.date()  # DTSTART;TZID=…;VALUE=DATE (Nextcloud): still a date
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise ValueError(f"not a date: {value!r}")
        return value, cal_tz
    if value.tzinfo is None:  # floating time: the calendar's zone (X-WR-TIMEZONE) or ours
        return value.replace(tzinfo=ZoneInfo(cal_tz)), cal_tz
    return value, _iana_name(value, prop, cal_tz)


def _iana_name(value: datetime, prop, cal_tz: str) -> str:
    assert value.tzinfo is not None  # floating times never get here (_instant)
    for tzid in tzids_from_tzinfo(value.tzinfo):
        if tzid == "UTC":
            return cal_tz  # UTC instants are shown in the calendar's/service zone
        if zone := zone_or_none(tzid):
            return zone
    param = str(getattr(prop, "params", {}).get("TZID", "")).strip().strip('"/')
    return zone_or_none(param) or match_iana(value.tzinfo, value.year, cal_tz) or cal_tz


def _value_type(prop) -> str:
    return str(getattr(prop, "params", {}).get("VALUE", "")).upper()


def _end(ev: Component, start: DateOrDateTime, cal_tz: str, label: str) -> DateOrDateTime | None:
    try:
        if "DTEND" in ev:
            end, _ = _instant(ev.get("DTEND"), cal_tz)
        elif "DURATION" in ev and isinstance(ev.get("DURATION").dt, timedelta):
            end = start + ev.get("DURATION").dt
        else:
            return None
    except Exception:  # noqa: BLE001 - unreadable end: keep the event without it
        log.info("%s: unreadable DTEND/DURATION dropped", label)
        return None
    if isinstance(end, datetime) != isinstance(start, datetime):
        return None  # DATE mixed with DATE-TIME: the start alone is unambiguous
    if end < start or not MIN_YEAR <= end.year <= MAX_YEAR:
        log.info("%s: implausible DTEND %s dropped", label, end)
        return None
    return end


def _rrule(ev: Component, label: str) -> str:
    rule = ev.get("RRULE")
    if rule is None:
        return ""
    if isinstance(rule, list):  # duplicated RRULE lines: the others become RDATEs
        rule = rule[0]
    try:
        text = rule.to_ical().decode()
    except Exception as e:  # noqa: BLE001
        raise SkipEvent(f"{label} übersprungen: Wiederholungsregel (RRULE) unlesbar.") from e
    if not text.strip():
        return ""  # "RRULE:" with no value: a single event
    if "FREQ=" not in text.upper():
        raise SkipEvent(f"{label} übersprungen: Wiederholungsregel ohne FREQ.")
    try:  # the text must read back as a rule, or the later expansion fails on it
        vRecur.from_ical(text)
    except Exception as e:  # noqa: BLE001
        raise SkipEvent(f"{label} übersprungen: Wiederholungsregel (RRULE) unlesbar.") from e
    return text


def _dates(ev: Component, name: str, cal_tz: str) -> tuple[DateOrDateTime, ...]:
    props = ev.get(name)
    if props is None:
        return ()
    out: list[DateOrDateTime] = []
    for prop in props if isinstance(props, list) else [props]:
        for value in getattr(prop, "dts", []):
            try:
                instant, _ = _instant(value, cal_tz)
            except Exception:  # noqa: BLE001, S112 - one bad date in a list is dropped
                continue
            if MIN_YEAR <= instant.year <= MAX_YEAR:
                out.append(instant)
    return tuple(out)


def _status(ev: Component) -> str:
    status = str(ev.get("STATUS", "CONFIRMED")).strip().upper()
    return status if status in STATUSES else "CONFIRMED"


def _categories(ev: Component) -> tuple[str, ...]:
    props = ev.get("CATEGORIES")
    if props is None:
        return ()
    out: list[str] = []
    for prop in props if isinstance(props, list) else [props]:
        out.extend(str(c) for c in getattr(prop, "cats", []) if str(c).strip())
    return tuple(out)


def _sequence(ev: Component) -> int:
    try:
        return max(0, int(str(ev.get("SEQUENCE", 0)).strip()))
    except ValueError:
        return 0


def _derived_uid(summary: str, start: DateOrDateTime, source_id: str) -> str:
    digest = hashlib.sha256(f"{source_id}\x1f{summary}\x1f{start.isoformat()}".encode()).hexdigest()
    return f"derived-{digest[:24]}@{source_id}"
