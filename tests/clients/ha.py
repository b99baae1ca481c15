"""Home Assistant's calendar library ``ical`` (PyPI ``ical``, pydantic models).

Entry points as Home Assistant's local calendar uses them:
``IcsCalendarStream.calendar_from_ics(text)`` and a timeline in a zone (``timeline_tz``);
the timeline is built per UID with ``ical.timeline.generic_timeline`` (what
``Calendar.timeline_tz`` does for all events at once) so one series can be cut at the cap.
Floating times and dates are placed in ``floating_tz``, as ``timeline_tz`` does.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from .core import ClientError, Timeout, code_value

NAME = "ha_ical"


def unavailable() -> str | None:
    try:
        import ical.calendar_stream  # noqa: F401
    except ImportError as e:
        return f"Home Assistant's ical is not installed (pip install ical): {e}"
    return None


def _calendar(text: str):
    from ical.calendar_stream import IcsCalendarStream

    try:
        return IcsCalendarStream.calendar_from_ics(text)
    except Exception as e:  # noqa: BLE001 - CalendarParseError, pydantic errors, ...
        raise ClientError(NAME, "parse", f"{type(e).__name__}: {_short(e)}") from e


def _short(e: Exception) -> str:
    text = str(e).replace("\n", " ")
    return text if len(text) < 300 else text[:300] + "…"


def expand_one(text: str, lo: datetime, hi: datetime, cap: int, end_by: float,
               floating_tz: str):
    from ical.timeline import generic_timeline

    cal = _calendar(text)
    zone = ZoneInfo(floating_tz)
    by_uid: dict[str, list] = {}
    for ev in cal.events:
        by_uid.setdefault(ev.uid or "", []).append(ev)
    raw, truncated = [], []
    try:
        for uid, events in by_uid.items():
            for kept, ev in enumerate(generic_timeline(events, zone).overlapping(lo, hi)):
                if time.monotonic() > end_by:
                    raise Timeout("deadline passed")
                if kept >= cap:
                    truncated.append(uid)
                    break
                has_end = ev.dtend is not None or ev.duration is not None
                status = ev.status.value if ev.status is not None else ""
                raw.append((code_value(ev.start), code_value(ev.end) if has_end else None,
                            ev.summary or "", str(status), uid))
    except (Timeout, ClientError):
        raise
    except Exception as e:  # noqa: BLE001
        raise ClientError(NAME, "expand", f"{type(e).__name__}: {_short(e)}") from e
    return raw, truncated


def parse_errors(text: str) -> list[str]:
    try:
        _calendar(text)
    except ClientError as e:
        return [e.message]
    return []
