"""One calendar file synced as one source through the real pipeline, and its expansion.

Shared by the golden quirk tests and the differential corpus test: the file is copied
into the feeds folder of a fresh config, synced by ``Pipeline`` with a fixed clock,
published by ``republish``, and the per-source view (``sources/<id>/calendar.ics``) is
what a resident subscribing to that partner would receive.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import recurring_ical_events

from syncsvc import config as cfg
from syncsvc.service.republish import republish
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

PAST_DAYS, FUTURE_MONTHS = 30, 18
SOURCE = "partner"

Occ = tuple[str, str, str, str]  # start, end, status, summary


@dataclass(frozen=True)
class Synced:
    view: Path  # the per-source calendar.ics
    unified: Path  # calendar.ics
    window: tuple[datetime, datetime]  # the publishing horizon


def sync_file(workdir: Path, ics: Path, now: datetime, timezone: str = "Europe/Berlin") -> Synced:
    """Sync ``ics`` as the only source of a fresh service in ``workdir``; return its views."""
    feeds = workdir / "feeds"
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    feeds.mkdir(exist_ok=True)
    shutil.copyfile(ics, feeds / "partner.ics")
    path = workdir / "config" / "syncsvc.toml"
    path.write_text(textwrap.dedent(f"""\
        [service]
        name = "WIR in Idstein"
        timezone = "{timezone}"
        output_dir = "../public"
        database = "../var/syncsvc.db"
        feeds_dir = "../feeds"
        past_days = {PAST_DAYS}
        future_months = {FUTURE_MONTHS}
        school_holidays = "{Path(__file__).parent.parent / 'config' / 'schulferien-hessen.ics'}"

        [[sources]]
        id = "{SOURCE}"
        name = "Partner"
        url = "{feeds / 'partner.ics'}"
        kind = "ics"
        """), encoding="utf-8")
    settings = cfg.load(path)
    with Store(settings.database) as store:
        Pipeline(settings, store, clock=lambda: now).sync_all()
        republish(settings, store, now)
    out = settings.output_dir
    return Synced(out / "sources" / SOURCE / "calendar.ics", out / "calendar.ics",
                  horizon(now))


def horizon(now: datetime) -> tuple[datetime, datetime]:
    """The window compared: the service's own horizon (past_days back, future_months on)."""
    months = now.month - 1 + FUTURE_MONTHS
    end = now.replace(year=now.year + months // 12, month=months % 12 + 1, day=1)
    return now - timedelta(days=PAST_DAYS), end


def rie_occurrences(data: bytes, window: tuple[datetime, datetime],
                    floating: str = "Europe/Berlin") -> set[Occ]:
    """recurring-ical-events' view of a calendar: occurrences starting inside the window."""
    cal = icalendar.Calendar.from_ical(data)
    lo, hi = window
    out: set[Occ] = set()
    for ev in recurring_ical_events.of(cal).between(lo - timedelta(days=2), hi):
        start = ev.decoded("DTSTART")
        end = ev.decoded("DTEND") if "DTEND" in ev else None
        if _instant(start, floating) < lo or _instant(start, floating) >= hi:
            continue
        if end is None:
            end = start + timedelta(days=1) if not isinstance(start, datetime) else start
        out.add((_text(start, floating), _text(end, floating),
                 str(ev.get("STATUS", "CONFIRMED")).upper(), str(ev.get("SUMMARY", "")).strip()))
    return out


def read_expected(path: Path) -> set[Occ]:
    rows = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            start, end, status, summary = line.split(" ", 3)
            rows.add((start, end, status, summary))
    return rows


def _instant(value: date | datetime, floating: str) -> datetime:
    from zoneinfo import ZoneInfo

    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(floating))
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(floating))


def _text(value: date | datetime, floating: str) -> str:
    if not isinstance(value, datetime):
        return value.isoformat()
    return _instant(value, floating).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
