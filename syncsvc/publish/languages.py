"""The views of every configured language besides German, under ``/<lang>/``.

A language is a folder and a text lookup, not a pipeline of its own: the same selection
as the German views (so ``/ar/calendar.ics`` lists exactly the occurrences of
``/calendar.ics``), rendered with that language's texts (``publish.localize``) and
interface strings (``i18n``). Per language: calendar.ics, events.json (with the embed
widget's words and the writing direction) and the pages under termine/. Category, partner
and news views stay German, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ..i18n import Translator, translator
from .ics import calendar_chunks, language_blocks
from .jsonfeed import event_entries, events_json_chunks
from .localize import Localizer
from .memo import Keyed, Members, page_key
from .outputs import View
from .pages import Render, page_files
from .select import Selection


def widget_labels(tr: Translator) -> dict[str, str]:
    """The embed widget's words (static/embed.js reads them from events.json)."""
    _ = tr.gettext
    return {"none": _("Keine anstehenden Termine."), "list": _("Anstehende Termine"),
            "list_category": _("Anstehende Termine: {category}"),
            "cancelled": _("Abgesagt:"), "failed": _("Die Termine können gerade nicht "
                                                    "angezeigt werden."),
            "time": _("{time} Uhr")}


def language_views(settings, sel: Selection, localizer: Localizer, source_names: Mapping[str, str],
                   members: Members | None = None,
                   ) -> tuple[dict[str, tuple[View, Callable]], Iterator[tuple[str, Render]]]:
    """(views as publish_all's outputs, its pages as they are written) of one language.
    ``members``: the run's record digests (the German views already made them; each
    language reuses them)."""
    members = members if members is not None else Members()
    lang = localizer.lang
    tr = translator(lang)
    base = settings.base_url.rstrip("/")
    title = tr.gettext("{name} – Termine").format(name=settings.name)
    entries = len(sel.listed)
    ics, json = f"{lang}/calendar.ics", f"{lang}/events.json"

    def render_ics() -> list[bytes]:
        return calendar_chunks(sel.calendar, language_blocks(localizer), name=settings.name,
                               tz=settings.timezone, base_url=settings.base_url,
                               refresh_s=settings.interval_s, self_path="/" + ics, title=title)

    def render_json() -> list[bytes]:
        extra = {"language": lang, "writing_direction": tr.direction,
                 "labels": widget_labels(tr)}
        return events_json_chunks(sel.listed, event_entries(localizer), title=title,
                                  home_page_url=f"{base}/{lang}/", feed_url=f"{base}/{json}",
                                  tz=settings.timezone, extra=extra)

    # keys (publish.memo): the German views' inputs (digested once, in ``members``) plus
    # this language's texts
    texts = tuple(localizer.text(pe.event) for pe in sel.calendar)
    common = (lang, title, settings.name, base, settings.timezone, settings.interval_s,
              tuple(sorted(localizer.source_langs.items())))
    ics_key = page_key("ics", ics, common, members.all(sel.calendar), texts)
    json_key = page_key("json", json, common, members.all(sel.listed),
                        tuple(localizer.text(x.occurrence.event) for x in sel.listed))
    views: dict[str, tuple[View, Callable]] = {
        ics: (View(ics, title, "ics", "events", entries=entries, language=lang),
              Keyed(ics_key, render_ics)),
        json: (View(json, title, "json", "events", entries=entries, language=lang),
               Keyed(json_key, render_json))}
    pages = page_files(sel.listed, sel.upcoming, settings, source_names, localizer,
                       members=members)
    return views, pages
