"""Incremental publish: a page or view is rendered again only when its inputs changed.

Every occurrence has an HTML page and a single-event .ics in each published language,
tens of thousands of files at a large network, and rendering them was most of a publish
even when one partner had changed one event. The renderers are pure (records in, bytes
out), so a page's bytes are a function of its inputs: each page carries a key, the
digest of those inputs and of the rendering code itself (this package's sources, the
gettext catalogs, the versions of icalendar, Babel and the zone data). A page whose key
equals the one recorded by the last complete publish, and whose file is still there,
keeps its file untouched; any other page is rendered and written as before. A key that
misses an input would publish a stale page, so keys are built from whole records
(every field of frozen dataclasses, ``Members``), never from a chosen subset of them.

Views (calendar.ics, events.rss, events.json, news, per category, source and language)
are keyed the same way, from their parameters and the digests of their members
(``Members``, each record digested once per run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..models import Event, PublishedEvent
from ..recur.memo import add_versions
from .common import Listed

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parents[1]  # syncsvc/
# What a page's bytes depend on besides its records: the renderers and their helpers.
_CODE = ("publish/**/*.py", "recur/vevent.py", "i18n/**/*.py", "i18n/locale/**/*.po",
         "instants.py", "models.py")
_LIBRARIES = ("icalendar", "babel", "tzdata", "nh3", "markupsafe")


@dataclass(frozen=True, slots=True)
class Keyed(Generic[T]):
    """A page's render function with the key of its inputs."""

    key: str
    render: Callable[[], T]

    def __call__(self) -> T:
        return self.render()


def page_key(*inputs: object) -> str:
    """The key of a page rendered from ``inputs`` (frozen records, strings, tuples; no
    sets, whose order changes between processes) by the current code."""
    text = repr((code_version(), inputs))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of the rendering code and the libraries it calls (computed once)."""
    h = hashlib.sha256()
    for pattern in _CODE:
        for path in sorted(_PACKAGE.glob(pattern)):
            h.update(str(path.relative_to(_PACKAGE)).encode())
            h.update(path.read_bytes())
    add_versions(h, _LIBRARIES)
    return h.hexdigest()[:16]


class Members:
    """Digests of the records of one publish run, each computed once (by identity; the
    record is kept with its digest, so an id is never reused while cached).

    A record's digest covers every field. An ``Event`` is its repr plus the
    ``translations`` that repr leaves out; inside another record, an Event, a
    ``PublishedEvent`` and a ``Listed`` occurrence (the records many others hold) enter
    as their own cached digest, any other nested record by its fields. So a series'
    record is digested once, not once for each of its listed occurrences and pages (the
    whole repr of every occurrence was a tenth of a 1 %-changed pass at 300 partners),
    and an Event's repr is made once, not again inside its published entry's."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[object, str]] = {}

    def of(self, record: object) -> str:
        hit = self._done.get(id(record))
        if hit is None:
            hit = (record, self._digest(record, True))
            self._done[id(record)] = hit
        return hit[1]

    def all(self, records) -> tuple[str, ...]:
        return tuple(map(self.of, records))

    def digests(self, kind: type) -> set[str]:
        """The digests of the kept records of type ``kind``."""
        return {d for record, d in self._done.values() if isinstance(record, kind)}

    def once(self, record: object) -> str:
        """The digest of ``record`` without keeping anything new (a page entry and the
        translated record it shows: its pages are written and dropped while the run goes
        on); shared records already digested are reused."""
        return self._digest(record, False)

    def _digest(self, record: object, keep: bool) -> str:
        if isinstance(record, Event):
            text = repr((record, record.translations))
        else:  # a published entry too: its Event enters by the Event's own digest
            text = repr(self._fields(record, keep) if _is_record(record) else record)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def _fields(self, record: Any, keep: bool) -> tuple:  # a dataclass (``_is_record``)
        kind = type(record)
        return kind.__name__, [self._part(getattr(record, name), keep)
                               for name in _field_names(kind)]

    def _part(self, value: object, keep: bool) -> object:
        if isinstance(value, _SHARED):
            hit = self._done.get(id(value))
            if hit is not None:
                return hit[1]
            return self.of(value) if keep else self._digest(value, False)
        return self._fields(value, keep) if _is_record(value) else value


_SHARED = (Event, PublishedEvent, Listed)


def _is_record(value: object) -> bool:
    """A dataclass instance (not a dataclass itself). By type, kept: asked for every
    field of every record digested, ``dataclasses.is_dataclass`` and ``fields`` were a
    third of the digests' time in a 1 %-changed pass at 1,000 partners."""
    kind = type(value)
    hit = _RECORD_TYPES.get(kind)
    if hit is None:
        hit = _RECORD_TYPES[kind] = is_dataclass(kind)
    return hit


def _field_names(kind: type) -> tuple[str, ...]:
    hit = _FIELD_NAMES.get(kind)
    if hit is None:
        hit = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return hit


_RECORD_TYPES: dict[type, bool] = {}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
