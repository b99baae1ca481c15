"""The dedupe stage: Event/NewsItem → PublishedEvent/Item with stable UIDs (pure).

``events`` clusters events (with ``series`` folding one-offs into series), ``news`` the news
items; ``textmatch`` holds the text evidence, the ``Match`` record and the UID bookkeeping
both share.
"""

from .events import DedupeResult, Match, canonical_url, dedupe_events, dedupe_news, normalize_title

__all__ = ["DedupeResult", "Match", "canonical_url", "dedupe_events", "dedupe_news",
           "normalize_title"]
