"""Deduplicate news across partners: one article, one published item.

Two items are the same article when their canonical links are equal (tracking
parameters, http/https, ``www.``, trailing slash and fragment ignored), or when they
appear on the same local day with near-identical normalized titles.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from .config import DedupeSettings, SourceConfig
from .models import NewsItem, PublishedItem
from .textmatch import (
    Clusters,
    Match,
    assign_uids,
    canonical_url,
    claim,
    normalize_title,
    priority,
    ref,
    source_ref,
    title_similarity,
    unite,
)

log = logging.getLogger(__name__)
_ZONE = ZoneInfo("Europe/Berlin")


def dedupe_news(items: Sequence[NewsItem], sources: Mapping[str, SourceConfig],
                settings: DedupeSettings, memory: Mapping[str, str] = {},  # noqa: B006
                ) -> tuple[tuple[PublishedItem, ...], tuple[Match, ...]]:
    """Cluster reposts and re-worded press releases; the priority source's item wins."""
    items = sorted({i.key: i for i in items}.values(), key=lambda i: i.key)
    refs = [ref(i.source_id, i.guid) for i in items]
    titles = [normalize_title(i.title) for i in items]
    clusters = Clusters(len(items))
    matches: list[Match] = []
    for i, j in _candidates(items):
        score, reasons, ok = _evaluate(items[i], items[j], titles[i], titles[j], settings)
        if ok:
            clusters.union(i, j)
        a, b = sorted((refs[i], refs[j]))
        matches.append(Match(a, b, round(score, 1), tuple(reasons), ok))
    published = _publish(items, clusters.groups(), sources, memory)
    log.info("source=%s news dedupe: %d items → %d published", "*", len(items), len(published))
    return tuple(published), tuple(sorted(matches, key=lambda m: (m.a, m.b)))


@lru_cache(maxsize=4096)
def _day(item: NewsItem) -> str:
    if not item.published:
        return ""
    try:
        when = datetime.fromisoformat(item.published.replace("Z", "+00:00"))
    except ValueError:
        log.warning("source=%s item %s: unreadable date %r", item.source_id, item.guid[:80],
                    item.published[:40])
        return ""
    if when.tzinfo is None:
        return when.date().isoformat()
    return when.astimezone(_ZONE).date().isoformat()


def _candidates(items: list[NewsItem]) -> list[tuple[int, int]]:
    """Pairs of different sources sharing a canonical link or a publication day."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        link = canonical_url(item.link)
        if link:
            blocks[("url", link)].append(n)
        day = _day(item)
        if day:
            blocks[("day", day)].append(n)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x, i in enumerate(members):
            pairs.update((i, j) for j in members[x + 1:]
                         if items[i].source_id != items[j].source_id)
    return sorted(pairs)


def _evaluate(a: NewsItem, b: NewsItem, ta: str, tb: str,
              s: DedupeSettings) -> tuple[float, list[str], bool]:
    link_a, link_b = canonical_url(a.link), canonical_url(b.link)
    score = title_similarity(ta, tb)
    reasons = [f"Titel {score:.0f} % ähnlich"]
    if link_a and link_a == link_b:
        reasons.insert(0, "gleicher Link (ohne Tracking-Parameter)")
        return 100.0, reasons, True
    if _day(a) and _day(a) == _day(b):
        reasons.insert(0, f"gleicher Tag {_day(a)}")
        ok = score >= s.news_title_threshold
        if not ok:
            reasons.append(f"unter der Schwelle {s.news_title_threshold:g}")
        return score, reasons, ok
    return score, [*reasons, "weder gleicher Link noch gleicher Tag"], False


def _winner_key(item: NewsItem, sources: Mapping[str, SourceConfig]):
    return (-priority(sources, item.source_id), item.published == "", item.published,
            item.source_id, item.guid)


def _publish(items: list[NewsItem], groups: list[list[int]],
             sources: Mapping[str, SourceConfig], memory: Mapping[str, str]) -> list[PublishedItem]:
    clusters = [sorted((items[i] for i in g), key=lambda it: _winner_key(it, sources))
                for g in groups]
    claims = [claim([(priority(sources, m.source_id), ref(*m.key)) for m in members], memory,
                    ref(*members[0].key)) for members in clusters]
    uids = assign_uids(claims)
    out = []
    for members in clusters:
        refs, seen = [], set()
        for m in members:
            if m.source_id not in seen:
                seen.add(m.source_id)
                refs.append(source_ref(sources, m.source_id, m.link))
        out.append(PublishedItem(
            uid=uids[ref(*members[0].key)], item=members[0], sources=tuple(refs),
            categories=unite(m.categories for m in members),
            members=tuple(m.key for m in members),
        ))
    out.sort(key=lambda p: (p.item.published, p.uid))
    return out
