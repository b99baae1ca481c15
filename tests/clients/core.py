"""What every client adapter shares: the occurrence record, errors, normalisation, limits.

Adapters hand over *raw* occurrences: ``(start, end, summary, status, uid)`` where start
and end are coded strings, so a client in another process (node, Debian's Python) and a
client in this one are normalised by the same code:

- ``"D2026-01-31"``: a DATE (all-day) value;
- ``"U1767225600"``: an instant, Unix seconds;
- ``"F2026-01-31T10:00:00"``: floating wall time (no zone, or a TZID the client could not
  resolve); it is read in ``floating_tz`` (the service's zone by default);
- ``None`` as end: the defining component has neither DTEND nor DURATION.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

DEFAULT_MAX_PER_SERIES = 3000
DEFAULT_TIMEOUT = 20.0  # seconds per file and client
DEFAULT_FLOATING_TZ = "Europe/Berlin"  # the service's [service] timezone default
# Adapters expand this much beyond the window on both sides and the exact window is applied
# here, so clients with overlap semantics and clients with start semantics agree, and a
# floating time (±14 h from UTC) compared coarsely is never lost at the edge.
MARGIN = timedelta(days=2)


class Occ(NamedTuple):
    """One occurrence, normalised identically for every client."""

    start: str  # "YYYY-MM-DDTHH:MM:SSZ" (UTC) or "YYYY-MM-DD" (all-day)
    end: str  # same forms; RFC 5545 default when the component gives no end
    summary: str  # stripped; "" when absent
    status: str  # upper-case; "CONFIRMED" when absent


class Occurrences(frozenset):
    """A frozenset of :class:`Occ`; ``truncated`` names the UIDs cut at the series cap.

    Equality is the frozenset's: the truncation list does not take part in ``==``.
    """

    truncated: frozenset[str]

    def __new__(cls, items: Iterable[Occ] = (), truncated: Iterable[str] = ()):
        self = super().__new__(cls, items)
        self.truncated = frozenset(truncated)
        return self


class ClientError(Exception):
    """A client could not parse or expand a file (``kind``: parse, expand, timeout, crash)."""

    def __init__(self, client: str, kind: str, message: str, label: str = ""):
        self.client, self.kind, self.message, self.label = client, kind, message, label
        where = f" ({label})" if label else ""
        super().__init__(f"{client}: {kind} error{where}: {message}")


class ClientUnavailable(ClientError):
    """The client is not installed here (node/ical.js, Debian's libical, a PyPI package)."""

    def __init__(self, client: str, message: str):
        super().__init__(client, "unavailable", message)


@dataclass(frozen=True)
class Job:
    """One file to expand: content (bytes), a path, or iCalendar text (str)."""

    ics: bytes | str | os.PathLike
    window_start: datetime
    window_end: datetime
    label: str = ""


def read_text(ics: bytes | str | os.PathLike) -> str:
    """The iCalendar text of a Job's ``ics`` (bytes are decoded as UTF-8, bad bytes as U+FFFD)."""
    if isinstance(ics, os.PathLike):
        return Path(ics).read_bytes().decode("utf-8", errors="replace")
    if isinstance(ics, bytes):
        return ics.decode("utf-8", errors="replace")
    return ics


def label_of(ics) -> str:
    return str(ics) if isinstance(ics, os.PathLike) else ""


def check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware datetimes")
    if not start < end:
        raise ValueError(f"empty window {start} .. {end}")


def code_value(value: date | datetime) -> str:
    """Code a Python date/datetime the way the out-of-process adapters do."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return "F" + value.strftime("%Y-%m-%dT%H:%M:%S")
        return f"U{int(value.timestamp())}"
    return "D" + value.isoformat()


def _decode(value: str, zone: ZoneInfo) -> date | datetime:
    tag, body = value[0], value[1:]
    if tag == "D":
        return date.fromisoformat(body)
    if tag == "U":
        return datetime.fromtimestamp(int(float(body)), UTC)
    if tag == "F":
        return datetime.fromisoformat(body).replace(tzinfo=zone).astimezone(UTC)
    raise ValueError(f"bad coded time {value!r}")


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """Where a value sits on the time line for the window test: all-day = local midnight."""
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=zone)


def _fmt(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def normalize(raw: Iterable, window_start: datetime, window_end: datetime,
              floating_tz: str = DEFAULT_FLOATING_TZ, truncated: Iterable[str] = ()
              ) -> Occurrences:
    """Raw coded occurrences → the :class:`Occ` set whose START lies in [start, end)."""
    zone = ZoneInfo(floating_tz)
    out = set()
    for start_code, end_code, summary, status, *_uid in raw:
        start = _decode(start_code, zone)
        if not window_start <= _instant(start, zone) < window_end:
            continue
        if end_code is None:  # RFC 5545 3.6.1: no DTEND and no DURATION
            end = start if isinstance(start, datetime) else start + timedelta(days=1)
        else:
            end = _decode(end_code, zone)
        out.add(Occ(_fmt(start), _fmt(end), (summary or "").strip(),
                    (status or "").strip().upper() or "CONFIRMED"))
    return Occurrences(out, truncated)


def widened(window_start: datetime, window_end: datetime) -> tuple[datetime, datetime]:
    return (window_start - MARGIN).astimezone(UTC), (window_end + MARGIN).astimezone(UTC)


class Timeout(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Bound in-process Python work: SIGALRM in the main thread, else only the returned
    monotonic deadline (which adapters check between occurrences)."""
    end = time.monotonic() + seconds
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield end
        return

    def _alarm(_sig, _frame):
        raise Timeout(f"more than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield end
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
