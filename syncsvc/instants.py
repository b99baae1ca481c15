"""Time-zone names shared by parse and normalize: ``zone_or_none`` says whether one is usable.

The home of the instant vocabulary (see the package layout); for now only the zone check
lives here, so normalize does not reach into the iCalendar parser for it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON


def zone_or_none(name: str) -> str:
    """``name`` if it is a known IANA zone (or a Windows zone name mapped to one), else ""."""
    name = WINDOWS_TO_OLSON.get(name, name)
    if not name or name.startswith(("/", ".")) or ".." in name:
        return ""
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return ""
    return name
