"""Time-zone names and instants shared by the stages: ``zone_or_none`` says whether a zone
is usable, ``local_time`` shows a stored UTC instant as admins read it.

The home of the instant vocabulary (see the package layout), so normalize does not reach
into the iCalendar parser for the zone check, and the CLI and /admin format times alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

# The local zone of a config that names none ([service] timezone), and the fallback of the
# few places that get no zone from the config: the only spelling of it in the package.
DEFAULT_ZONE = "Europe/Berlin"

# icalendar and Babel are imported on first use: the CLI and the status of a pass that
# fetched only 304s need neither (importing them was a tenth of such a pass).


def zone_or_none(name: str) -> str:
    """``name`` if it is a known IANA zone (or a Windows zone name mapped to one), else ""."""
    name = _windows_zones().get(name, name)
    if not name or name.startswith(("/", ".")) or ".." in name:
        return ""
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return ""
    return name


def local_time(instant: str | None, timezone: str) -> str:
    """A stored UTC instant as admins read it, in the service's zone:
    '2026-12-01T13:05:00Z' → '01.12.2026, 14:05 Uhr' (Europe/Berlin); empty → '–'."""
    if not instant:
        return "–"
    try:
        value = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return instant
    if value.tzinfo is None:  # the store writes UTC
        value = value.replace(tzinfo=UTC)
    from babel.dates import format_datetime

    return format_datetime(value, "dd.MM.yyyy, HH:mm 'Uhr'", tzinfo=ZoneInfo(timezone),
                           locale="de_DE")


@lru_cache(maxsize=1)
def _windows_zones() -> Mapping[str, str]:
    """Windows zone names (Outlook, Exchange) → IANA, as icalendar maps them."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    return WINDOWS_TO_OLSON
