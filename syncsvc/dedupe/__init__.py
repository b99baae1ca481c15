"""The dedupe stage: Event/NewsItem → PublishedEvent/Item with stable UIDs (pure).

Events: ``events`` runs the stage, ``records`` precomputes each event's evidence
(``evidence``: concepts, places, block keys), ``blocking`` finds candidate pairs,
``verdict`` decides a pair in readable German, ``series`` adds series occurrences (via
``syncsvc.recur``), ``entries`` turns clusters into published entries and ``authority``
records partner copies of dates the city cancelled or moved. News: ``news`` and
``newsmatch``. Shared: ``textmatch`` (normalisation, URLs, similarity) and ``identity``
(``Match``, clusters, stable UIDs).
"""

from .events import DedupeResult, Match, canonical_url, dedupe_events, dedupe_news, normalize_title

__all__ = ["DedupeResult", "Match", "canonical_url", "dedupe_events", "dedupe_news",
           "normalize_title"]
