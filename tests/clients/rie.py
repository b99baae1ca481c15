"""recurring-ical-events (Python, on icalendar): the library the service itself expands with.

Entry points as an application uses them: ``icalendar.Calendar.from_ical(text)`` (one
calendar per file) and ``recurring_ical_events.of(calendar)`` with its defaults (X-WR-TIMEZONE
applied, a bad series is an error). Each series is asked with ``Series.between`` so one
series can be cut at the cap without generating the rest.
"""

from __future__ import annotations

import time
from datetime import datetime

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
        for series in query.series:
            for kept, occurrence in enumerate(series.between(lo, hi)):
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
