"""Immutable records passed between the stages.

parse → ``RawEvent`` / ``RawItem`` (Python date/datetime objects, text as found)
normalize → ``Event`` / ``NewsItem`` (plain strings: unambiguous instants, clean text)
dedupe → ``PublishedEvent`` / ``PublishedItem`` (one per real-world event or article)

Instants in ``Event`` are ISO 8601 strings: ``YYYY-MM-DD`` for all-day dates, and
``YYYY-MM-DDTHH:MM:SSZ`` (UTC) for timed values. ``tzid`` names the IANA zone the
event is shown in (the source's zone, or the service zone for floating times).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from .instants import DEFAULT_ZONE

DateOrDateTime = date | datetime
# (language, title, description) per authored translation, sorted by language; "" = none
Translations = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One VEVENT as parsed; datetimes are timezone-aware, dates stay dates."""

    uid: str
    summary: str
    start: DateOrDateTime
    end: DateOrDateTime | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    tzid: str = ""  # IANA zone the event was written in ("" → service zone)
    rrule: str = ""  # RFC 5545 RRULE value, e.g. "FREQ=MONTHLY;BYDAY=1TH"
    rdates: tuple[DateOrDateTime, ...] = ()
    exdates: tuple[DateOrDateTime, ...] = ()
    recurrence_id: DateOrDateTime | None = None  # set on an override of one occurrence
    status: str = "CONFIRMED"  # CONFIRMED | TENTATIVE | CANCELLED
    categories: tuple[str, ...] = ()
    sequence: int = 0
    utc_anchor: bool = False  # a series whose DTSTART is UTC: it recurs in UTC, not locally
    exrule: str = ""  # RFC 2445 EXRULE value (turned into EXDATEs by parse.series)
    extra_rrules: tuple[str, ...] = ()  # RRULEs after the first (turned into RDATEs)
    this_and_future: bool = False  # RECURRENCE-ID;RANGE=THISANDFUTURE
    translations: Translations = ()  # authored translations (the city's schedule file)


@dataclass(frozen=True, slots=True)
class RawItem:
    """One RSS/Atom entry as parsed."""

    guid: str
    title: str
    link: str = ""
    summary: str = ""  # HTML as found (untrusted)
    published: datetime | None = None  # aware
    author: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a parser returns: the records plus the entries it had to skip, with why."""

    events: tuple[RawEvent, ...] = ()
    items: tuple[RawItem, ...] = ()
    skipped: tuple[str, ...] = ()  # one sentence per skipped entry
    title: str = ""  # the feed's/calendar's own title, if any


@dataclass(frozen=True, slots=True)
class Event:
    """A normalized event of one source. Key: (source_id, uid, recurrence_id)."""

    source_id: str
    uid: str
    summary: str
    start: str
    end: str = ""
    all_day: bool = False
    tzid: str = DEFAULT_ZONE
    description: str = ""  # plain text
    description_html: str = ""  # sanitized HTML (allow-list)
    location: str = ""
    url: str = ""  # http(s) only, else ""
    rrule: str = ""
    rdates: tuple[str, ...] = ()
    exdates: tuple[str, ...] = ()
    recurrence_id: str = ""
    status: str = "CONFIRMED"
    categories: tuple[str, ...] = ()
    sequence: int = 0
    utc_anchor: bool = False  # published in UTC: the series recurs in UTC (Google exports)
    # Authored translations of summary/description (publish.localize applies them). Not in
    # repr, so digests of untranslated records, the German VEVENT cache keys and SEQUENCE
    # stay what they were; content_hash adds them when present.
    translations: Translations = field(default=(), repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_id, self.uid, self.recurrence_id)

    def content_hash(self) -> str:
        """Stable digest of everything that is published; changes iff content does."""
        return digest((self, self.translations)) if self.translations else digest(self)


@dataclass(frozen=True, slots=True)
class NewsItem:
    """A normalized news entry of one source. Key: (source_id, guid)."""

    source_id: str
    guid: str
    title: str
    link: str = ""
    summary_html: str = ""  # sanitized HTML
    summary: str = ""  # plain text
    published: str = ""  # UTC ISO instant, "" if the feed gave none
    author: str = ""
    categories: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_id, self.guid)

    def content_hash(self) -> str:
        return digest(self)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Attribution: which partner announced an entry, and where."""

    source_id: str
    name: str
    url: str = ""  # the partner's link for this entry (http(s) or "")


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    """One real-world event as published: the winning record plus everyone who announced it."""

    uid: str  # stable published UID
    event: Event  # the winning (highest-priority, richest) record
    sources: tuple[SourceRef, ...]  # winner first
    categories: tuple[str, ...]  # union over the cluster
    sequence: int = 0
    dtstamp: str = ""  # UTC ISO instant of the last published change (from stored data)
    # folded one-offs: RECURRENCE-ID values (UTC ISO / date) that other sources also announced
    members: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PublishedItem:
    uid: str
    item: NewsItem
    sources: tuple[SourceRef, ...]
    categories: tuple[str, ...]
    members: tuple[tuple[str, str], ...] = ()


def digest(record: object) -> str:
    """Digest of a frozen record built from str/int/bool/tuples/records.

    ``repr`` of such a record is deterministic and ~10x cheaper than ``asdict`` + JSON,
    which showed up as 10 % of ingest CPU in the benchmark.
    """
    return hashlib.sha256(repr(record).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators of the last 200 response (or a file's mtime)."""

    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True, slots=True)
class Fetched:
    body: bytes
    validators: Validators
    http_status: int = 200
    final_url: str = ""
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class NotModified:
    http_status: int = 304


@dataclass
class SyncReport:
    """What one pass over one source did (mutable: filled in as the pass goes)."""

    source_id: str
    ok: bool = False
    changed: bool = False
    not_modified: bool = False
    http_status: int | None = None
    error: str = ""
    count: int = 0
    skipped: list[str] = field(default_factory=list)
    duration_s: float = 0.0
