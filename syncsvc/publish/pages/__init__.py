"""The public German pages under /termine/, written by publish_all with the feeds.

They come from the same ``Selection`` as calendar.ics and events.json (one selection, one
horizon), so a page never shows what the calendar does not: /termine/ and its filter
pages list the occurrences not over yet (like events.rss), every occurrence in the
horizon (like events.json) has its page and its single-event .ics. Static files, because
they are what thousands of phones fetch and ETag/304 should answer; every renderer is
pure (records in, bytes out; ``now`` selects, it is never printed).

``upcoming.json`` hands the next dates to the start page (``serve.index``), which is
rendered per request and drops the ones that are over by then.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from ..common import Fragments, Listed, slugify
from ..localize import Localizer
from ..memo import Keyed, Members, page_key
from . import dates
from .event import render_ics, render_page
from .help import render_guide
from .layout import CSP, site_of
from .links import SAFE_ID, Links
from .listing import filter_pages, link_inputs, partner_names
from .model import CANCELLED, MOVED, PAGE_DIR, Entry, entries

__all__ = ["CSP", "PAGE_DIR", "Render", "page_files"]
UPCOMING = f"{PAGE_DIR}/upcoming.json"
UPCOMING_MAX = 30  # the start page shows 5; the rest covers dates ending between publishes


Render = Callable[[], bytes | Iterable[bytes]]


def page_files(listed: Sequence[Listed], upcoming: Sequence[Listed], settings,
               source_names: Mapping[str, str],
               localizer: Localizer | None = None,
               blocks: Fragments | None = None,
               members: Members | None = None) -> Iterator[tuple[str, Render]]:
    """(path relative to output_dir, render) of every page of this run, in
    ``localizer``'s language (German: under termine/, any other under <lang>/termine/),
    made as they are written: a language's entries are built when its first page is
    asked for and dropped after its last, never every language's at once, and no page's
    render and key outlive its write (they were a tenth of a publish's memory at 100
    partners, times the number of languages). ``blocks``: the German views' VEVENTs,
    reused by the single-event .ics files (those pages are then written while the views'
    blocks are still held). ``members``: the run's record digests (publish.memo), which
    key the pages."""
    loc = localizer or Localizer()
    site = site_of(settings, loc.lang)
    tz = settings.timezone
    all_entries = entries(list(listed), tz, loc)
    by_guid = {e.listed.guid: e for e in all_entries}
    soon = [by_guid[x.guid] for x in upcoming if x.guid in by_guid]
    del by_guid
    refs = [s for e in soon for s in e.listed.published.sources]
    partners = partner_names(refs, dict(source_names), SAFE_ID.match)
    links = Links(site.base, frozenset(slugify(c) for e in soon
                                       for c in e.listed.published.categories),
                  frozenset(partners), loc.lang)
    members = members if members is not None else Members()
    digests = {id(e): members.once(e) for e in all_entries}  # whole entries, not kept

    def entry_key(e: Entry) -> str:
        return digests[id(e)]

    prefix = site.prefix
    for path, render in filter_pages(site, links, soon, partners, entry_key).items():
        yield prefix + path, _utf8(render)
    yield prefix + f"{PAGE_DIR}/abonnieren.html", _utf8(lambda: render_guide(site))
    yield prefix + UPCOMING, lambda: upcoming_json(soon[:UPCOMING_MAX], links)
    # what every page shares, digested once: its repr in each page's key grew with the
    # network (the links hold every partner and category)
    shared = page_key(site, link_inputs(links))
    shared_ics = page_key(site, tz, settings.interval_s, loc.lang)
    for e in all_entries:
        yield prefix + e.page, Keyed(page_key("html", entry_key(e), shared),
                                     _utf8(_bind(render_page, e, site, links)))
        yield prefix + e.ics, Keyed(page_key("ics", entry_key(e), shared_ics,
                                             loc.text(e.listed.occurrence.event)),
                                    _bind(render_ics, e, site, tz, settings.interval_s, loc,
                                          blocks))


def _bind(fn, *args) -> Callable:
    return lambda: fn(*args)


def _utf8(render: Callable[[], str | Iterable[str]]) -> Callable[[], bytes | Iterable[bytes]]:
    """A page's text as UTF-8: one bytes object, or a listing's chunks one by one (the
    encoding of the whole is the chunks' encodings in order; write_atomic streams them)."""
    if isinstance(render, Keyed):
        return Keyed(render.key, _utf8(render.render))

    def encoded() -> bytes | Iterable[bytes]:
        text = render()
        if isinstance(text, str):
            return text.encode("utf-8")
        return (chunk.encode("utf-8") for chunk in text)
    return encoded


def upcoming_json(soon: Sequence[Entry], links: Links) -> bytes:
    """The start page's next dates, in the pages' language (``title_lang``: the language
    the title is written in; ``status`` is the badge's word, ``cancelled`` its kind)."""
    rows = []
    _ = links.tr.gettext
    for e in soon:
        end = e.end if e.end is not None else e.start
        note = {CANCELLED: _("Abgesagt"), MOVED: _("Verlegt")}.get(e.status, "")
        rows.append({"title": e.title, "when": dates.when(e.start, e.end, links.tr),
                     "title_lang": e.title_lang, "cancelled": e.status == CANCELLED,
                     "start": dates.iso(e.start), "end": dates.iso(end),
                     "all_day": not hasattr(e.start, "hour"), "place": e.event.location,
                     "page": links.url(e.page), "status": note})
    return (json.dumps(rows, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
