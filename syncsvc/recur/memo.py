"""Series expansions kept between publish runs: a series is expanded once a day, not once
per pass.

A 1 %-changed pass at 100 partners spent a tenth of its CPU asking recurring-ical-events
again for the dates of series that had not changed. What a series yields in [start, end)
depends only on the records' timing fields (``expand._timing``), the window, the cap and
the expanding code and zone data. The window moves with every pass (it starts
``past_days`` before now), so the expansion is kept for a wider window, from the UTC
midnight before ``start`` to the one after ``end``, and every pass of that day takes its
occurrences in [start, end) from it, by the very test ``expand._collect`` applies.

That is exact only if the wide expansion is complete: not cut at the cap, and its query
windows reached the end (``expand._windows`` stops early once it has seen ``cap``
components). Otherwise the series is expanded for the pass's own window as before.
Times are stored as JSON (dates; wall times with their zone and fold) and only where
they come back as the same objects: a zone that is not the standard ``ZoneInfo`` of its
key is never stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Protocol
from zoneinfo import TZPATH, ZoneInfo

from ..models import Event
from .expand import _expand_group, _sort_key, _times


class ExpansionStore(Protocol):
    """Where expansions persist (``store.Store``)."""

    def expansion(self, key: str) -> str | None: ...

    def save_expansions(self, fresh: Mapping[str, str], used: Iterable[str]) -> None: ...


class KeptExpansions(dict):
    """The ``memo`` of ``expand`` for one publish, backed by ``store``: ``kept`` gives a
    series' times from an expansion of an earlier pass (or makes and keeps one)."""

    def __init__(self, store: ExpansionStore) -> None:
        super().__init__()
        self._store = store
        self.fresh: dict[str, str] = {}
        self.used: set[str] = set()

    def kept(self, members: list[Event], start: datetime, end: datetime, cap: int,
             timing: tuple) -> list[tuple] | None:
        """(RECURRENCE-ID, start, end, key) of the occurrences in [start, end), or None
        (the wide expansion is cut or incomplete: expand for this window instead)."""
        lo, hi = _midnight(start), _midnight(end) + timedelta(days=1)
        key = _key(lo, hi, cap, timing)
        self.used.add(key)
        text = self.fresh.get(key) or self._store.expansion(key)
        if text is not None:
            times = decode(text)
        else:
            state: dict = {}
            occ, cut, late = _expand_group(members, lo, hi, cap, None, state)
            if cut or late or not state.get("complete"):
                return None
            times = _times(occ)
            encoded = encode(times)
            if encoded is not None:
                self.fresh[key] = encoded
        return [t for t in times if start <= _sort_key(t[1]) < end]

    def save(self) -> None:
        """Store this run's new expansions; drop those no series of this run asked for."""
        self._store.save_expansions(self.fresh, self.used)


def _midnight(value: datetime) -> datetime:
    return datetime.combine(value.astimezone(UTC).date(), time(), UTC)


def _key(lo: datetime, hi: datetime, cap: int, timing: tuple) -> str:
    text = repr((expander_version(), lo.isoformat(), hi.isoformat(), cap, timing))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@lru_cache(maxsize=1)
def expander_version() -> str:
    """Digest of what decides an expansion besides its records: this package's code,
    the libraries it calls and the zone data."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    add_versions(h, ("icalendar", "recurring-ical-events", "python-dateutil", "tzdata"))
    return h.hexdigest()[:16]


def add_versions(h, libraries: Iterable[str]) -> None:
    """Feed ``h`` the installed versions of ``libraries`` and of the system's zone data
    (local times, VTIMEZONEs): what a cached result also depends on."""
    for name in libraries:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-".encode())
    for folder in TZPATH:
        try:
            with open(Path(folder) / "tzdata.zi", "rb") as f:
                h.update(f.readline())
        except OSError:
            continue


def encode(times: list[tuple]) -> str | None:
    """JSON of the times, or None where one would not come back as the same object."""
    try:
        return json.dumps([[rid, _value(s), _value(e), k] for rid, s, e, k in times])
    except _NotKept:
        return None


def decode(text: str) -> list[tuple]:
    return [(rid, _parse(s), _parse(e), k) for rid, s, e, k in json.loads(text)]


class _NotKept(Exception):
    pass


def _value(v: date | datetime | None) -> list | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        zone = v.tzinfo
        if not isinstance(zone, ZoneInfo) or zone is not ZoneInfo(zone.key):
            raise _NotKept
        return ["z", v.replace(tzinfo=None).isoformat(), zone.key, v.fold]
    return ["d", v.isoformat()]


def _parse(v: list | None) -> date | datetime | None:
    if v is None:
        return None
    if v[0] == "d":
        return date.fromisoformat(v[1])
    return datetime.fromisoformat(v[1]).replace(tzinfo=ZoneInfo(v[2]), fold=v[3])
