"""Probing a URL an admin wants to add: one forced fetch and a parse, nothing stored.

Used by ``syncsvc add-source``; the same fetcher limits (size cap, deadline, internal
addresses) apply as to a configured source.
"""

from __future__ import annotations

from ..config import Settings, SourceConfig
from ..fetch import Fetcher
from ..models import Fetched, Parsed, Validators
from ..parse.feed import parse_feed
from ..parse.ics import parse_ics


def detect_kind(body: bytes) -> str:
    head = body[:4096].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    return "ics" if head.startswith(b"BEGIN:VCALENDAR") or b"BEGIN:VEVENT" in head else "feed"


def fetch_and_parse(settings: Settings, url: str, sid: str) -> tuple[str, Parsed]:
    """(kind, parsed) of ``url``; a fetch or parse failure raises the SourceError."""
    fetcher = Fetcher(settings)
    try:
        fetched = fetcher.fetch(SourceConfig(id=sid, name=sid, url=url, kind="ics"),
                                Validators(), force=True)
        assert isinstance(fetched, Fetched)  # force=True sends no validators: never a 304
        kind = detect_kind(fetched.body)
        parsed = (parse_ics(fetched.body, sid, settings.timezone) if kind == "ics"
                  else parse_feed(fetched.body, sid, url))
    finally:
        fetcher.close()
    return kind, parsed
