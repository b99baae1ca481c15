"""recurring-ical-events (Python, on icalendar): the library the service itself expands with.

Entry points as an application uses them: ``icalendar.Calendar.from_ical(text)`` (one
calendar per file) and ``recurring_ical_events.of(calendar)`` with its defaults (X-WR-TIMEZONE
applied, a bad series is an error). Each series is asked with ``Series.between`` in growing
windows so one series can be cut at the cap without generating the rest.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from .core import ClientError, Timeout, code_value

NAME = "recurring_ical_events"


def unavailable() -> str | None:
    try:
        import icalendar  # noqa: F401
        import recurring_ical_events  # noqa: F401
    except ImportError as e:
        return f"recurring-ical-events is not installed: {e}"
    return None


def _text(comp, name: str) -> str:
    """A text property; of a repeated one (icalendar gives a list) the first, as the other
    clients read it."""
    value = comp.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _calendar(text: str):
    import icalendar

    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as e:  # noqa: BLE001 - whatever icalendar raises is a parse failure
        raise ClientError(NAME, "parse", f"{type(e).__name__}: {e}") from e


def expand_one(text: str, lo: datetime, hi: datetime, cap: int, end_by: float):
    import recurring_ical_events

    cal = _calendar(text)
    raw, truncated = [], []
    try:
        query = recurring_ical_events.of(cal)
        earliest = _earliest(cal)
        for series in query.series:
            first = max(lo, earliest.get(str(series.uid), lo))
            for kept, occurrence in enumerate(_growing(series, first, hi, cap)):
                if time.monotonic() > end_by:
                    raise Timeout("deadline passed")
                if kept >= cap:
                    truncated.append(str(series.uid))
                    break
                comp = occurrence.as_component(False)
                raw.append((code_value(occurrence.start), code_value(occurrence.end),
                            _text(comp, "SUMMARY"), _text(comp, "STATUS"), str(series.uid)))
    except (Timeout, ClientError):
        raise
    except Exception as e:  # noqa: BLE001
        raise ClientError(NAME, "expand", f"{type(e).__name__}: {e}") from e
    return raw, truncated


def _earliest(cal) -> dict[str, datetime]:
    """Per UID, a UTC instant no occurrence starts before (DTSTART or RDATE, less 15 h for
    floating values), so the growing windows begin where the series does."""
    out: dict[str, datetime] = {}
    for comp in cal.walk("VEVENT"):
        values = [comp.get("DTSTART")]
        for rdate in comp.get("RDATE", []) if isinstance(comp.get("RDATE"), list) else [
                comp.get("RDATE")]:
            values.extend(getattr(rdate, "dts", []))
        for value in values:
            dt = getattr(value, "dt", None)
            if isinstance(dt, tuple):  # a PERIOD
                dt = dt[0]
            if dt is None:
                continue
            if not isinstance(dt, datetime):
                dt = datetime(dt.year, dt.month, dt.day)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC) - timedelta(hours=15)
            uid = str(comp.get("UID", ""))
            if uid not in out or dt < out[uid]:
                out[uid] = dt.astimezone(UTC)
    return out


def _growing(series, lo: datetime, hi: datetime, cap: int):
    """``series.between`` in windows from 15 minutes, doubling (it builds a window's whole
    list first: millions for FREQ=SECONDLY); each occurrence once."""
    seen = set()
    width = timedelta(minutes=15)
    while lo < hi and len(seen) <= cap:
        top = min(lo + width, hi)
        for occurrence in series.between(lo, top):
            if occurrence.id not in seen:
                seen.add(occurrence.id)
                yield occurrence
        lo, width = top, width * 2


def parse_errors(text: str) -> list[str]:
    import recurring_ical_events

    try:
        cal = _calendar(text)
    except ClientError as e:
        return [e.message]
    errors = [f"{comp.name}: {err}" for comp in cal.walk() for err in comp.errors]
    try:
        recurring_ical_events.of(cal)
    except Exception as e:  # noqa: BLE001
        errors.append(f"{type(e).__name__}: {e}")
    return errors
