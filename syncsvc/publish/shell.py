"""The VCALENDAR around our VEVENTs: its properties, serialized by icalendar.

Every calendar we publish (calendar.ics, each view, each single-event .ics of the pages)
has the same properties but for its name and its own address; the shared lines are
serialized once per site (``shell_bytes``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import icalendar

from . import PRODID

_OWN = frozenset(("NAME", "X-WR-CALNAME", "SOURCE"))  # what differs between our calendars


def shell_bytes(title: str, base_url: str, refresh_s: int, self_path: str) -> bytes:
    """``calendar_component(…).to_ical()``, without serializing again the properties that
    every calendar of the site shares: each single-event .ics of the pages has its own
    calendar, and rendering the nine-line shell was a tenth of a cold publish. The lines
    are icalendar's (one content line each, folded alone), in icalendar's order."""
    own = calendar_component(title, base_url, refresh_s, self_path, shared=False)
    lines = {name: own.content_line(name, value).to_ical() + b"\r\n"
             for name, value in own.property_items(sorted=True) if name in _OWN}
    return b"".join(lines[name] if line is None else line
                    for name, line in _shared_lines(base_url, refresh_s))


@lru_cache(maxsize=64)
def _shared_lines(base_url: str, refresh_s: int) -> tuple[tuple[str, bytes | None], ...]:
    """The shell in icalendar's order: each shared property's serialized line, None for
    the calendar's own ones (the order depends on the names only, never on values)."""
    cal = calendar_component("-", base_url, refresh_s, "/-")
    out: list[tuple[str, bytes | None]] = []
    for name, value in cal.property_items(sorted=True):
        if name in ("BEGIN", "END"):
            out.append((name, b"%s:%s\r\n" % (name.encode(), value)))
        else:
            out.append((name, None if name in _OWN else
                        cal.content_line(name, value).to_ical() + b"\r\n"))
    return tuple(out)


def calendar_component(title: str, base_url: str, refresh_s: int, self_path: str,
                       shared: bool = True) -> icalendar.Calendar:
    """The calendar's properties (``shared=False``: only its name and address). No
    METHOD (PUBLISH would require an ORGANIZER, RFC 5546 §3.2.1) and no X-WR-TIMEZONE:
    every value carries its zone or is UTC, and clients that apply X-WR-TIMEZONE to UTC
    values would move UTC-anchored series."""
    cal = icalendar.Calendar()
    if shared:
        cal.add("version", "2.0")
        cal.add("prodid", PRODID)
        cal.add("calscale", "GREGORIAN")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    base = base_url.rstrip("/")
    if shared:
        refresh = icalendar.vDuration(timedelta(seconds=max(60, refresh_s)))
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", refresh)
    cal.add("source", base + self_path, parameters={"VALUE": "URI"})
    if shared:
        cal.add("url", base + "/")
    return cal
