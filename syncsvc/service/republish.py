"""Stored entries → dedupe → published identity → output files.

Runs after any source changed. SEQUENCE and DTSTAMP come from the store's record of
each published entry, never from the clock alone, so unchanged data republishes
byte-identical files and HTTP validators stay stable.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from ..config import Settings
from ..dedupe import DedupeResult, dedupe_events, dedupe_news
from ..dedupe.authority import OVERRULED_META, to_json
from ..logs import fields
from ..models import PublishedEvent, PublishedItem, digest
from ..publish.memory import load_memory
from ..publish.own import own_records
from ..publish.views import publish_all
from ..recur.expand import occurrences
from ..store import Store
from ..submit import FORM_ID, FORM_SOURCE
from .freshness import local_day, publish_fingerprint
from .sync import iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Republished:
    events: tuple[PublishedEvent, ...]
    items: tuple[PublishedItem, ...]
    dedupe: DedupeResult  # without its matches (see build)
    changed_files: tuple[str, ...]
    own: tuple[PublishedEvent, ...] = ()  # every partner's records as it published them


def member_ref(source_id: str, uid: str, recurrence_id: str = "") -> str:
    return f"{source_id}:{uid}" + (f"@{recurrence_id}" if recurrence_id else "")


def build(settings: Settings, store: Store, now: datetime) -> Republished:
    """Dedupe what is stored and attach stable identity; writes no files."""
    active = {s.id: s for s in settings.sources if s.enabled}
    active.setdefault(FORM_ID, FORM_SOURCE)  # approved submissions (syncsvc.submit)
    events = [e for e in store.events() if e.source_id in active]
    items = [i for i in store.news() if i.source_id in active]
    memory = store.memory("event")  # read once: for dedupe and for record_published
    result = dedupe_events(events, active, settings.dedupe, memory,
                           expand=occurrences, explain=False)  # `syncsvc explain` asks for them
    news, _ = dedupe_news(items, active, settings.dedupe, store.memory("news"),
                          settings.timezone)
    stamp = iso(now)
    state = store.record_published(
        "event", [(p.uid, p.event.recurrence_id, _event_digest(p),
                   [member_ref(*m) for m in p.members]) for p in result.published], stamp,
        memory)
    published = tuple(replace(p, sequence=state[p.uid, p.event.recurrence_id][0],
                              dtstamp=state[p.uid, p.event.recurrence_id][1])
                      for p in result.published)
    store.record_published("news", [(p.uid, "", digest(p),
                                     [member_ref(*m) for m in p.members]) for p in news], stamp)
    store.set_merge_counts(_merge_counts(published))
    store.set_meta(OVERRULED_META, to_json(result.overruled))  # read by /status and /admin
    return Republished(published, tuple(news), result, (),
                       tuple(own_records(published, events)))


def republish(settings: Settings, store: Store, now: datetime) -> Republished:
    """Build and write every output; returns which files changed. The data version read
    first is recorded as published only once every file is written."""
    version = store.data_version()
    built = build(settings, store, now)
    names = {FORM_ID: FORM_SOURCE.name, **{s.id: s.name for s in settings.sources}}
    keys = [(p.uid, p.event.recurrence_id) for p in built.events]
    page_keys = store.page_keys()
    result = publish_all(built.events, built.items, settings, now=now, source_names=names,
                         vevent_cache=store.vevent_cache("event"),
                         save_vevents=lambda fresh: store.save_vevents("event", fresh, keys),
                         own=built.own, memory=load_memory(settings.translations)[0],
                         page_keys=page_keys, fragments=store, expansions=store)
    store.save_page_keys(result.page_keys, page_keys)
    changed = tuple(result.written) + tuple(result.removed)
    store.set_meta("published_day", local_day(settings, now))
    store.set_meta("published_config", publish_fingerprint(settings))
    store.mark_published(version)
    log.info("published %d events, %d news items, %d files changed",
             len(built.events), len(built.items), len(changed), extra=fields(source="*"))
    return replace(built, changed_files=changed)


def _event_digest(p: PublishedEvent) -> str:
    """Digest of what is published, without the fields derived from the digest itself.
    Dedupe's entries have neither yet: they are digested as they are, not copied."""
    return digest(p if p.sequence == 0 and p.dtstamp == "" else
                  replace(p, sequence=0, dtstamp=""))


def _merge_counts(published: tuple[PublishedEvent, ...]) -> dict[str, int]:
    """Per source: how many of its entries were merged into another source's event."""
    counts: Counter[str] = Counter()
    for p in published:
        for ref in p.sources[1:]:
            counts[ref.source_id] += 1
    return dict(counts)
