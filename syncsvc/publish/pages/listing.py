"""/termine/ and its filter pages: upcoming dates grouped by day, static, no JavaScript.

Filters are pages of their own (per category, per partner, per month) rather than a
script: old phones and screen readers get plain links, and each filter page has an
address a partner can share. Only filters with upcoming dates are offered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from html import escape

from ...i18n import translator
from ...models import SourceRef
from ..common import slugify
from ..memo import Keyed, page_key
from . import dates
from .layout import Site, lang_attrs, page_chunks
from .links import Links, category_page, month_page, partner_page
from .model import CANCELLED, MOVED, PAGE_DIR, Entry


def event_item(e: Entry, links: Links, *, show_day: bool = False) -> str:
    pe, tr = e.listed.published, links.tr
    _ = tr.gettext
    label = _labels(links.lang)
    when = dates.when(e.start, e.end, tr) if show_day else dates.hours(e.start, e.end, tr)
    badge = ""
    if e.status == CANCELLED:
        badge = label["cancelled"]
    elif e.status == MOVED:
        badge = label["moved"]
    meta = [f"<time datetime=\"{escape(dates.iso(e.start))}\">{escape(when)}</time>"]
    if e.event.location.strip():
        meta.append(f"<bdi>{escape(e.event.location)}</bdi>")
    lines = [f"<p class=\"ev-title\">{badge}<a href=\"{escape(links.url(e.page))}\""
             f"{lang_attrs(e.title_lang, links.lang)}>{escape(e.title)}</a></p>",
             f"<p class=\"meta\">{' · '.join(meta)}</p>"]
    if e.status == MOVED and e.original is not None:
        moved = _("Neuer Termin; ursprünglich {when}").format(
            when=dates.when(e.original, None, tr))
        lines.append(f"<p class=\"meta\">{escape(moved)}</p>")
    extra = []
    if pe.categories:
        extra.append(label["category"] + ", ".join(links.category_link(c) for c in pe.categories))
    if pe.sources:
        extra.append(label["from"] + ", ".join(links.partner_link(s) for s in pe.sources))
    if extra:
        lines.append(f"<p class=\"meta\">{' · '.join(extra)}</p>")
    css = " class=\"cancelled\"" if e.status == CANCELLED else ""
    return f"<li{css}>{''.join(lines)}</li>"


@lru_cache(maxsize=32)
def _labels(lang: str) -> dict[str, str]:
    """The fixed words of a listed date, translated and escaped once per language (they
    were looked up and escaped again for each of 100,000 dates)."""
    _ = translator(lang).gettext
    return {"cancelled": "<span class=\"badge no\">" + escape(_("Abgesagt")) + "</span> ",
            "moved": "<span class=\"badge mv\">" + escape(_("Verlegt")) + "</span> ",
            "category": escape(_("Kategorie:")) + " ", "from": escape(_("Von:")) + " "}


def by_day(entries: Sequence[Entry], links: Links) -> Iterator[str]:
    """The dates grouped by day, one chunk a day (``layout.page_chunks``)."""
    if not entries:
        yield "<p>" + escape(links.tr.gettext("Zurzeit sind keine Termine angekündigt.")) + \
            "</p>"
        return
    days: dict = {}
    for e in entries:
        days.setdefault(e.day, []).append(e)
    sep = ""
    for day, group in days.items():
        items = "\n".join(event_item(e, links) for e in group)
        yield (f"{sep}<h2>{escape(dates.day(day, links.tr))}</h2>\n<ul class=\"events\">\n"
               f"{items}\n</ul>")
        sep = "\n"


def month_key(e: Entry) -> str:
    return _month(e.day)


@lru_cache(maxsize=4096)
def _month(day: date) -> str:
    """A few hundred days, asked for once per entry and page (122,000 strftime calls in
    a 1 %-changed pass at 100 partners)."""
    return day.strftime("%Y-%m")


def filters(entries: Sequence[Entry], links: Links, partners: dict[str, str]) -> str:
    tr = links.tr
    _ = tr.gettext
    cats: Counter[str] = Counter()
    names: dict[str, str] = {}
    for e in entries:
        for c in dict.fromkeys(slugify(c) for c in e.listed.published.categories):
            cats[c] += 1
        for c in e.listed.published.categories:
            names.setdefault(slugify(c), c)
    rows = [_filter_list(tr, _("Nach Kategorie"), [
        (links.url(category_page(names[s])), names[s], n)
        for s, n in sorted(cats.items(), key=lambda kv: names[kv[0]].casefold())])]
    per_partner = Counter(sid for e in entries for sid in
                          dict.fromkeys(s.source_id for s in e.listed.published.sources)
                          if sid in partners)
    rows.append(_filter_list(tr, _("Nach Partner"), [
        (links.url(partner_page(sid)), partners[sid], n)
        for sid, n in sorted(per_partner.items(), key=lambda kv: partners[kv[0]].casefold())]))
    months: Counter[str] = Counter()
    first: dict[str, Entry] = {}  # each month's first entry, which names the month
    for e in entries:
        key = month_key(e)
        months[key] += 1
        first.setdefault(key, e)
    rows.append(_filter_list(tr, _("Monatsübersicht"), [
        (links.url(month_page(k)), dates.month(first[k].day, tr), n)
        for k, n in sorted(months.items())]))
    return ("<nav class=\"filters\" aria-label=\"" + escape(_("Termine filtern")) + "\">"
            + "".join(r for r in rows if r) + "</nav>")


def _filter_list(tr, heading: str, rows: list[tuple[str, str, int]]) -> str:
    if not rows:
        return ""
    items = "".join(f"<li><a href=\"{escape(url)}\"><bdi>{escape(label)}</bdi></a> "
                    f"<span class=\"meta\">({escape(_count(tr, n))})</span></li>"
                    for url, label, n in rows)
    return f"<h2>{escape(heading)}</h2><ul>{items}</ul>"


def _count(tr, n: int) -> str:
    return tr.ngettext("{n} Termin", "{n} Termine", n).format(n=n)


def listing(site: Site, links: Links, title: str, intro: str, entries: Sequence[Entry],
            path: str, nav: str = "") -> Iterator[str]:
    """A listing page in chunks (one a day): never held whole, see ``page_chunks``."""
    _ = links.tr.gettext
    back_to, by_days = _("Zurück zu allen Terminen"), _("Termine nach Tagen")
    back = "" if path == f"{PAGE_DIR}/index.html" else (
        f"<p><a href=\"{escape(links.url(PAGE_DIR + '/'))}\">{escape(back_to)}</a></p>")

    def body() -> Iterator[str]:
        yield (f"<h1>{escape(title)}</h1>\n<p>{intro}</p>\n{back}{nav}\n"
               f"<section aria-label=\"{escape(by_days)}\">")
        yield from by_day(entries, links)
        yield "</section>"

    canonical = links.url(PAGE_DIR + "/") if not back else links.url(path)
    return page_chunks(site, f"{title} – {site.name}", body(), canonical=canonical)


def filter_pages(site: Site, links: Links, upcoming: Sequence[Entry],
                 partners: dict[str, str],
                 entry_key: Callable[[Entry], str] | None = None,
                 ) -> dict[str, Callable[[], Iterable[str]]]:
    """path → render (its chunks) for /termine/, every category, partner and month page. With
    ``entry_key`` (an entry's input digest), each render is ``Keyed`` by its inputs."""
    out: dict[str, Callable[[], Iterable[str]]] = {}
    index = f"{PAGE_DIR}/index.html"
    tr = links.tr
    _ = tr.gettext

    def everything() -> Iterable[str]:
        return listing(site, links, _("Alle Termine"), escape(
            _("Kommende Termine der Partner im Netzwerk {name}, nach Tagen.").format(
                name=site.name)), upcoming, index, filters(upcoming, links, partners))

    out[index] = everything if entry_key is None else Keyed(
        page_key("index", site, link_inputs(links), tuple(sorted(partners.items())),
                 tuple(map(entry_key, upcoming))), everything)
    names = {slugify(c): c for e in upcoming for c in reversed(e.listed.published.categories)}
    by_slug, by_source = _grouped(upcoming)
    for slug, name in names.items():
        out[category_page(name)] = _page(
            site, links, _("Termine: {name}").format(name=name),
            escape(_("Kommende Termine der Kategorie „{name}“.").format(name=name)),
            by_slug[slug], category_page(name), entry_key)
    for sid, name in partners.items():
        subset = by_source.get(sid, [])
        if subset:
            out[partner_page(sid)] = _page(
                site, links, _("Termine von {name}").format(name=name),
                escape(_("Kommende Termine, angekündigt von {name}.").format(name=name)),
                subset, partner_page(sid), entry_key)
    months: dict[str, list[Entry]] = {}
    for e in upcoming:
        months.setdefault(month_key(e), []).append(e)
    for key, subset in months.items():
        label = dates.month(subset[0].day, tr)
        out[month_page(key)] = _page(site, links, _("Termine im {month}").format(month=label),
                                     escape(_("Alle Termine im {month}.").format(month=label)),
                                     subset, month_page(key), entry_key)
    return out


def _grouped(upcoming: Sequence[Entry]) -> tuple[dict[str, list[Entry]],
                                                 dict[str, list[Entry]]]:
    """The entries of each category slug and of each source, in ``upcoming``'s order, in
    one pass (a scan of every entry per category and per partner grew with their
    product: 4.2 s of a profiled 300-partner publish)."""
    by_slug: dict[str, list[Entry]] = {}
    by_source: dict[str, list[Entry]] = {}
    for e in upcoming:
        published = e.listed.published
        for slug in dict.fromkeys(slugify(c) for c in published.categories):
            by_slug.setdefault(slug, []).append(e)
        for sid in dict.fromkeys(s.source_id for s in published.sources):
            by_source.setdefault(sid, []).append(e)
    return by_slug, by_source


def _page(site: Site, links: Links, title: str, intro: str, subset: list[Entry],
          path: str, entry_key: Callable[[Entry], str] | None) -> Callable[[], Iterable[str]]:
    def render() -> Iterable[str]:
        return listing(site, links, title, intro, subset, path)
    if entry_key is None:
        return render
    return Keyed(page_key("listing", site, link_inputs(links), title, intro, path,
                          tuple(map(entry_key, subset))), render)


def link_inputs(links: Links) -> tuple:
    """What every page's links depend on (sets sorted: their order varies per process)."""
    return links.base, tuple(sorted(links.categories)), tuple(sorted(links.partners)), \
        links.lang


def partner_names(refs: Sequence[SourceRef], names: dict[str, str], safe) -> dict[str, str]:
    out: dict[str, str] = {}
    for ref in refs:
        if safe(ref.source_id):
            out.setdefault(ref.source_id, names.get(ref.source_id, ref.name))
    return dict(sorted(out.items()))
