"""publish_all: every output file (main feeds, per-category and per-source views, manifest).

``now`` only selects which events and occurrences are listed; it never appears in the bytes,
so the same data at the same selection gives the same files and HTTP validators stay stable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path

from dateutil.relativedelta import relativedelta

from ..config import Settings
from ..logs import fields
from ..models import PublishedEvent, PublishedItem
from ..recur.memo import ExpansionStore, KeptExpansions
from .common import Fragments, Listed, slugify
from .fragments import FragmentStore, Persisted, salt
from .ics import Cached, CacheKey, calendar_chunks, vevent_blocks
from .jsonfeed import entry_renderer, event_entries, events_json_chunks, render_news_json
from .languages import language_views
from .localize import Localizer, Memory, source_languages
from .memo import Keyed, Members, page_key
from .outputs import PublishResult, Run, View, write_outputs
from .pages import page_files
from .rss import event_items, events_rss_chunks, item_renderer, render_news
from .select import (
    Selection,
    category_keys,
    items_by_source,
    owner_key,
    select,
    source_keys,
    split,
)
from .widget import widget_cuts, widget_files

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def publish_all(
    events: Sequence[PublishedEvent],
    items: Sequence[PublishedItem],
    settings: Settings,
    *,
    now: datetime,
    source_names: Mapping[str, str],
    vevent_cache: Mapping[CacheKey, Cached] | None = None,
    save_vevents: Callable[[Mapping[CacheKey, Cached]], None] | None = None,
    own: Sequence[PublishedEvent] | None = None,
    memory: Memory | None = None,
    page_keys: Mapping[str, str] | None = None,
    fragments: FragmentStore | None = None,
    expansions: ExpansionStore | None = None,
) -> PublishResult:
    """Render every view and write the ones whose bytes changed; drop stale views.

    ``vevent_cache``: VEVENTs serialized by earlier runs (see ics.block_key); the ones
    rendered instead come back in ``PublishResult.vevents`` or, with ``save_vevents``,
    are handed to it as soon as the .ics views are written, so they are not held while
    the other formats render (the memory peak of a cold publish).

    ``own``: every partner's records as it published them (publish.own); per-source views
    are cut from these instead of the merged entries when given.

    ``memory``: the translation memory (publish.memory) for the views of
    ``settings.languages`` after German (publish.languages).

    ``page_keys``: the pages' keys recorded after the last complete publish (see
    publish.memo); pages whose key is unchanged are not rendered again. This run's keys
    are in ``PublishResult.page_keys``, to be recorded once the run counts as published.

    ``fragments``: where the German views' RSS items and events.json entries persist
    between runs (publish.fragments); without it they are rendered in every run.
    ``expansions``: where series expansions of the day persist (recur.memo)."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    start = now - timedelta(days=settings.past_days)
    end = now + relativedelta(months=settings.future_months)
    fresh: dict[CacheKey, Cached] = {}
    langs = source_languages(settings.sources)
    german = Localizer(memory=memory, source_langs=langs)
    context = tuple(sorted(langs.items()))
    members = Members()
    home = _url(settings, "")
    items_: Fragments[Listed, bytes]
    entries: Fragments[Listed, bytes]
    if fragments is None:
        items_, entries = event_items(home, settings.timezone), event_entries(german)
    else:
        items_ = Persisted(item_renderer(home, settings.timezone), fragments, "rss-item",
                           salt("rss-item", home, settings.timezone), members)
        entries = Persisted(entry_renderer(german), fragments, "json-entry",
                            salt("json-entry", context), members)
    run = Run(vevent_blocks(vevent_cache, fresh, german), items_, entries, members, context)
    del vevent_cache  # held by run.blocks until the .ics views are written

    def hand_over() -> None:
        if save_vevents is not None:
            save_vevents(fresh)
            fresh.clear()

    outputs: dict[str, tuple[View, Callable[[], bytes | list[bytes]]]] = {}
    # the source views' own copies mostly recur as the published (and, kept, as yesterday)
    memo: dict = {} if expansions is None else KeptExpansions(expansions)
    sel = select(events, now, start, end, settings.max_occurrences, memo)
    _add_set(outputs, settings, run, "", sel, items, _main_titles(settings.name))
    by_cat = split(sel, category_keys)
    categories = _categories(events)
    for slug, cat in categories:
        _add_category(outputs, settings, run, slug, cat, by_cat.get(slug, Selection()))
    del by_cat
    if own is None:
        by_source = split(sel, source_keys)
    else:
        by_source = split(select(own, now, start, end, settings.max_occurrences, memo),
                          owner_key)
    if isinstance(memo, KeptExpansions):
        memo.save()
    del memo
    news = items_by_source(items)
    with_events = {s.source_id for pe in events for s in pe.sources}
    cuts = widget_cuts(sel, [slug for slug, _ in categories],
                       sorted(set(source_names) | with_events), now, settings.timezone)
    for sid, sname in _sources(events, items, source_names):
        sub = news.get(sid, [])
        has_events, has_news = _source_kinds(settings, sid, sid in with_events, sub)
        sel_s = by_source.get(sid, Selection()) if has_events else None
        _add_set(outputs, settings, run, f"sources/{sid}/", sel_s, sub if has_news else None,
                 _source_titles(settings.name, sname), source=sid, source_name=sname)
    pages = [page_files(sel.listed, sel.upcoming, settings, source_names, german, run.blocks,
                        run.members), widget_files(cuts, german, settings.timezone).items()]
    for lang in settings.languages[1:]:
        localizer = Localizer(lang, memory, langs)
        views, translated = language_views(settings, sel, localizer, source_names,
                                           run.members)
        outputs.update(views)
        pages += [translated, widget_files(cuts, localizer, settings.timezone).items()]
    del sel, by_source, news
    result = write_outputs(Path(settings.output_dir), outputs, run, after_ics=hand_over,
                           pages=chain.from_iterable(pages), page_keys=page_keys)
    return replace(result, vevents=fresh)


def _main_titles(name: str) -> dict[str, str]:
    return {"ics": f"{name} – Termine", "events": f"{name} – Kommende Termine",
            "news": f"{name} – Neuigkeiten"}


def _source_titles(name: str, source: str) -> dict[str, str]:
    return {"ics": f"{name} – Termine von {source}",
            "events": f"{name} – Kommende Termine von {source}",
            "news": f"{name} – Neuigkeiten von {source}"}


def _add_set(outputs: dict, settings: Settings, run: Run, prefix: str, sel: Selection | None,
             items: Sequence[PublishedItem] | None, titles: dict[str, str],
             source: str = "", source_name: str = "") -> None:
    cal = "calendar.ics"
    source_kw: dict = {"source": source, "source_name": source_name}
    if sel is not None:
        source_kw["entries"] = len(sel.listed)
        _add(outputs, View(prefix + cal, titles["ics"], "ics", "events", **source_kw),
             _ics(settings, run, sel.calendar, titles["ics"], prefix + cal))
        _add(outputs, View(prefix + "events.rss", titles["events"], "rss", "events",
                           **source_kw), _events_rss(settings, run, sel.upcoming, titles["events"],
                                                       prefix + "events.rss"))
        _add(outputs, View(prefix + "events.json", titles["ics"], "json", "events",
                           **source_kw), _events_json(settings, run, sel.listed, titles["ics"],
                                                        prefix + "events.json"))
    if items is not None:
        source_kw["entries"] = len(items)
        _add(outputs, View(prefix + "news.rss", titles["news"], "rss", "news", **source_kw),
             _news_rss(settings, run, items, titles["news"], prefix + "news.rss"))
        _add(outputs, View(prefix + "feed.json", titles["news"], "json", "news",
                           **source_kw),
             _news_json(settings, run, items, titles["news"], prefix + "feed.json"))


def _add_category(outputs: dict, settings: Settings, run: Run, slug: str, cat: str,
                  sel: Selection) -> None:
    title = f"{settings.name} – Termine: {cat}"
    base = f"calendar/{slug}"
    entries = len(sel.listed)
    _add(outputs, View(base + ".ics", title, "ics", "events", category=cat, entries=entries),
         _ics(settings, run, sel.calendar, title, base + ".ics"))
    _add(outputs, View(base + ".rss", title, "rss", "events", category=cat, entries=entries),
         _events_rss(settings, run, sel.upcoming, title, base + ".rss"))
    _add(outputs, View(base + ".json", title, "json", "events", category=cat, entries=entries),
         _events_json(settings, run, sel.listed, title, base + ".json"))


def _add(outputs: dict, view: View, render: Callable[[], bytes]) -> None:
    outputs[view.path] = (view, render)


def _url(settings: Settings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}/{path}"


def _keyed(run: Run, settings: Settings, records: Sequence, *params: object):
    """A view's key (publish.memo): its parameters, the settings every view reads and its
    members' digests."""
    return page_key(params, settings.name, settings.base_url, settings.timezone,
                    settings.interval_s, run.context, run.members.all(records))


def _ics(settings: Settings, run: Run, ordered: list, title: str, path: str):
    return Keyed(_keyed(run, settings, ordered, "ics", path, title),
                 lambda: calendar_chunks(
        ordered, run.blocks, name=settings.name, tz=settings.timezone,
        base_url=settings.base_url, refresh_s=settings.interval_s, self_path="/" + path,
        title=title))


def _events_rss(settings: Settings, run: Run, listed: list, title: str, path: str):
    return Keyed(_keyed(run, settings, listed, "events.rss", path, title),
                 lambda: events_rss_chunks(
        listed, run.items, title=title, link=_url(settings, ""), self_url=_url(settings, path),
        description=f"Kommende Termine im Netzwerk {settings.name}"))


def _events_json(settings: Settings, run: Run, listed: list, title: str, path: str):
    return Keyed(_keyed(run, settings, listed, "events.json", path, title),
                 lambda: events_json_chunks(
        listed, run.entries, title=title, home_page_url=_url(settings, ""),
        feed_url=_url(settings, path), tz=settings.timezone))


def _news_rss(settings: Settings, run: Run, items: Sequence[PublishedItem], title: str,
              path: str):
    return Keyed(_keyed(run, settings, items, "news.rss", path, title), lambda: render_news(
        items, title=title, link=_url(settings, ""), self_url=_url(settings, path),
        description=f"Neuigkeiten der Partner im Netzwerk {settings.name}"))


def _news_json(settings: Settings, run: Run, items: Sequence[PublishedItem], title: str,
               path: str):
    return Keyed(_keyed(run, settings, items, "feed.json", path, title),
                 lambda: render_news_json(
        items, title=title, home_page_url=_url(settings, ""), feed_url=_url(settings, path),
        description=f"Neuigkeiten der Partner im Netzwerk {settings.name}"))


def _categories(events: Sequence[PublishedEvent]) -> list[tuple[str, str]]:
    """(slug, display name) per category; spellings that share a slug share a view."""
    names: dict[str, str] = {}
    for name in sorted({c for pe in events for c in pe.categories if c.strip()}):
        names.setdefault(slugify(name), name)
    return sorted(names.items())


def _sources(events: Sequence[PublishedEvent], items: Sequence[PublishedItem],
             source_names: Mapping[str, str]) -> list[tuple[str, str]]:
    ids = set(source_names)
    ids |= {s.source_id for e in events for s in e.sources}
    ids |= {s.source_id for i in items for s in i.sources}
    out = []
    for sid in sorted(ids):
        if not _SAFE_ID.match(sid):
            log.warning("id is not a safe path segment; no views",
                        extra=fields(source=sid, stage="publish"))
            continue
        out.append((sid, source_names.get(sid, sid)))
    return out


def _source_kinds(settings: Settings, sid: str, has_events: bool,
                  items: Sequence[PublishedItem]) -> tuple[bool, bool]:
    """Event views for calendar sources, news views for feed sources (and any with data)."""
    kind = next((s.kind for s in settings.sources if s.id == sid), "")
    return (kind in ("ics", "schedule") or has_events, kind == "feed" or bool(items))
