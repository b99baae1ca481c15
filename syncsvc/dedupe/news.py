"""Deduplicate news across partners: one article, one published item.

Two items are the same article when their canonical links are equal (tracking
parameters, http/https, ``www.``, trailing slash and fragment ignored), or when they
appear on the same local day with near-identical normalized titles that carry no
conflicting numbers ("Newsletter 3/2027" vs "Newsletter 4/2027" stay apart).

Blocking keeps this near-linear: links are grouped by exact canonical key; titles are
only compared within one day, only between items whose numbers cannot conflict, and
rapidfuzz's ``process.extract`` with ``score_cutoff`` does the comparing in C++, so
only pairs at or above the threshold come back to Python.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from ..config import DedupeSettings, SourceConfig
from ..instants import DEFAULT_ZONE
from ..logs import fields
from ..models import NewsItem, PublishedItem
from .identity import Clusters, Match, assign_uids, claim, priority, ref, source_ref, unite
from .newsmatch import BODY_SAME, body_similarity, generic_title, link_keys
from .textmatch import normalize_title, title_numbers, title_numbers_differ, title_similarity

log = logging.getLogger(__name__)


def dedupe_news(items: Sequence[NewsItem], sources: Mapping[str, SourceConfig],
                settings: DedupeSettings, memory: Mapping[str, str] = {},  # noqa: B006
                zone: str = DEFAULT_ZONE,
                ) -> tuple[tuple[PublishedItem, ...], tuple[Match, ...]]:
    """Cluster reposts and re-worded press releases; the priority source's item wins.
    ``zone``: the configured local zone, whose days "the same day" and "the next day" mean.

    The matches explain the pairs that share a link or reach the title threshold on the
    same day. Titles whose numbers conflict are not even compared (blocking); ``_evaluate``
    still applies the veto, so the decision never depends on how candidates were found.
    """
    items = sorted({i.key: i for i in items}.values(), key=lambda i: i.key)
    refs = [ref(i.source_id, i.guid) for i in items]
    links = link_keys((i.source_id, i.link) for i in items)
    local = ZoneInfo(zone)
    facts = [_Facts(link, _day(i, local), normalize_title(i.title), i.summary)
             for i, link in zip(items, links, strict=True)]
    clusters = Clusters(len(items))
    matches: list[Match] = []
    pairs = _link_pairs(items, facts) | _title_pairs(items, facts, settings.news_title_threshold)
    for i, j in sorted(pairs):
        score, reasons, ok = _evaluate(facts[i], facts[j], settings)
        if ok:
            clusters.union(i, j)
        a, b = sorted((refs[i], refs[j]))
        matches.append(Match(a, b, round(score, 1), tuple(reasons), ok))
    published = _publish(items, clusters.groups(), sources, memory)
    log.info("news dedupe: %d items → %d published (%d pairs explained)", len(items),
             len(published), len(matches), extra=fields(source="*", stage="dedupe"))
    return tuple(published), tuple(sorted(matches, key=lambda m: (m.a, m.b)))


class _Facts(NamedTuple):
    """Per-item evidence, computed once."""

    link: str  # canonical link (with the fragment where it names the article), "" if none
    day: str  # local publication day (the configured zone), "" if unknown
    title: str  # normalized title
    body: str = ""  # plain-text summary


def _day(item: NewsItem, zone: ZoneInfo) -> str:
    if not item.published:
        return ""
    try:
        when = datetime.fromisoformat(item.published.replace("Z", "+00:00"))
    except ValueError:
        log.warning("item %s: unreadable date %r", item.guid[:80], item.published[:40],
                    extra=fields(source=item.source_id, stage="dedupe"))
        return ""
    if when.tzinfo is None:
        return when.date().isoformat()
    return when.astimezone(zone).date().isoformat()


def _link_pairs(items: list[NewsItem], facts: list[_Facts]) -> set[tuple[int, int]]:
    """Exact-key grouping by canonical link; each item is paired with one item of another
    source in its group (a star: the group becomes one cluster, in linear pairs)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for n, f in enumerate(facts):
        if f.link:
            groups[f.link].append(n)
    pairs: set[tuple[int, int]] = set()
    for members in groups.values():
        anchor = members[0]
        other = next((m for m in members if items[m].source_id != items[anchor].source_id), None)
        if other is None:
            continue  # one source only: its own items are never merged with each other
        for m in members[1:]:
            partner = anchor if items[m].source_id != items[anchor].source_id else other
            if m != partner:
                pairs.add((min(m, partner), max(m, partner)))
    return pairs


def _title_pairs(items: list[NewsItem], facts: list[_Facts],
                 threshold: float) -> set[tuple[int, int]]:
    """Same-day pairs of different sources whose title similarity reaches the threshold.

    Within a day, items are blocked by the numbers in their titles (textmatch's number
    veto): titles with numbers are compared with titles with the same numbers and with
    titles without numbers, never with titles whose numbers differ.
    """
    days: dict[str, dict[frozenset[str], list[int]]] = defaultdict(lambda: defaultdict(list))
    for n, f in enumerate(facts):
        if f.day and f.title:
            days[f.day][title_numbers(f.title)].append(n)
    pairs: set[tuple[int, int]] = set()
    for day, blocks in days.items():
        later = days.get(_next(day), {})
        every_later = [n for ms in later.values() for n in ms]
        for numbers, members in blocks.items():
            if numbers:
                _compare(members, blocks.get(frozenset(), []), items, facts, threshold, pairs)
            # next-day reposts: found at a lower cutoff, judged with a higher bar; blocked by
            # title numbers like same-day pairs (a numbered feed of 1,300 items made 34,000
            # next-day pairs that the number veto then refused, seconds per publish)
            others = (later.get(numbers, []) + later.get(frozenset(), [])) if numbers \
                else every_later
            _compare(members, others, items, facts, NEXT_DAY_TITLE, pairs, only_extra=True)
        _compare(blocks.get(frozenset(), []), [], items, facts, threshold, pairs)
    return pairs


NEXT_DAY_TITLE = 55.0  # title similarity from which a next-day repost is considered
NEXT_DAY_BODY = 70.0  # and the text similarity it needs on top
NEXT_DAY_BODY_MIN = 40.0  # text similarity a next-day repost with a near-equal title needs


def _next(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _compare(members: list[int], extra: list[int], items: list[NewsItem], facts: list[_Facts],
             threshold: float, pairs: set[tuple[int, int]], only_extra: bool = False) -> None:
    """Add pairs (members × later members + extra) scoring ≥ threshold, either scorer."""
    pool = members + extra
    titles = [facts[n].title for n in pool]
    compact = [t.replace(" ", "") for t in titles]
    for x, i in enumerate(members):
        rest = slice(len(members) if only_extra else x + 1, None)
        base = len(members) if only_extra else x + 1
        hits = process.extract(titles[x], titles[rest], scorer=fuzz.token_set_ratio,
                               processor=None, score_cutoff=threshold, limit=None)
        hits += process.extract(compact[x], compact[rest], scorer=fuzz.ratio,
                                processor=None, score_cutoff=threshold, limit=None)
        for _, _, k in hits:
            j = pool[base + k]
            if items[i].source_id != items[j].source_id:
                pairs.add((min(i, j), max(i, j)))


def _evaluate(a: _Facts, b: _Facts, s: DedupeSettings) -> tuple[float, list[str], bool]:
    score = title_similarity(a.title, b.title)
    reasons = [f"Titel {score:.0f} % ähnlich"]
    if a.link and a.link == b.link:
        reasons.insert(0, "gleicher Link (ohne Tracking-Parameter)")
        return 100.0, reasons, True
    if not a.day or not b.day or a.day != b.day and _next(min(a.day, b.day)) != max(a.day,
                                                                                  b.day):
        return score, [*reasons, "weder gleicher Link noch gleicher oder nächster Tag"], False
    body = body_similarity(a.body, b.body)
    if a.day == b.day:
        reasons.insert(0, f"gleicher Tag {a.day}")
        ok = score >= s.news_title_threshold
        if not ok:
            reasons.append(f"unter der Schwelle {s.news_title_threshold:g}")
        elif generic_title(a.title) or generic_title(b.title):
            ok = body >= BODY_SAME
            reasons.append(f"allgemeiner Titel: Text {body:.0f} % ähnlich"
                           + ("" if ok else f" (unter {BODY_SAME:g})"))
    else:  # a repost the next day under its own URL: title and text must both agree
        reasons.insert(0, f"nächster Tag ({a.day} / {b.day})")
        strong = score >= s.news_title_threshold and body >= NEXT_DAY_BODY_MIN
        ok = not generic_title(a.title) and not generic_title(b.title) and (
            strong or score >= NEXT_DAY_TITLE and body >= NEXT_DAY_BODY)
        reasons.append(f"Text {body:.0f} % ähnlich" + ("" if ok else
                       f" (nächster Tag braucht Titel ≥ {s.news_title_threshold:g} und Text ≥ "
                       f"{NEXT_DAY_BODY_MIN:g} oder Titel ≥ {NEXT_DAY_TITLE:g} und Text ≥ "
                       f"{NEXT_DAY_BODY:g}; kein allgemeiner Titel)"))
    numbers = title_numbers_differ(a.title, b.title)
    if numbers:
        ok = False
        reasons.append(f"andere Nummer im Titel ({numbers[0]} ≠ {numbers[1]})")
    return score, reasons, ok


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
