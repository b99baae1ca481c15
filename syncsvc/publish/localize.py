"""Which text of an event a language's views show, and in which language it is written.

Publishing in several languages is one lookup per record, not a second pipeline: the
records carry the German text plus the authored translations (``Event.translations``,
from the city's schedule file), the translation memory maps recurring partner titles
(``publish.memory``), and a source may be written in another language
(``[[sources]] language``). For a view in language L an event shows

- its source's own text, in its source's language, when that is not German;
- else the translation to L from the record, then the memory's title for L;
- else the German text, labelled German (RFC 5545 ``LANGUAGE=de``, ``lang="de"``).

German views show what they always showed; only texts of a source in another language
are labelled there (``marks``), so the German calendar.ics keeps its bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..dedupe.textmatch import normalize_title
from ..i18n import SOURCE
from ..models import Event

Memory = Mapping[str, Mapping[str, str]]  # normalized German title → {language: title}


@dataclass(frozen=True, slots=True)
class Text:
    title: str
    title_lang: str
    description: str
    description_html: str
    description_lang: str


class Localizer:
    """The texts of one language's views (``lang`` = "de": the German views)."""

    def __init__(self, lang: str = SOURCE, memory: Memory | None = None,
                 source_langs: Mapping[str, str] | None = None) -> None:
        self.lang = lang
        self.memory = memory or {}
        self.source_langs = {k: v for k, v in (source_langs or {}).items() if v != SOURCE}

    def text(self, ev: Event) -> Text:
        own = self.source_langs.get(ev.source_id, SOURCE)
        german = Text(ev.summary, own, ev.description, ev.description_html, own)
        if own != SOURCE or self.lang == SOURCE:
            return german
        title, description = "", ""
        for lang, t, d in ev.translations:
            if lang == self.lang:
                title, description = t, d
        if not title:
            title = self.memory.get(normalize_title(ev.summary), {}).get(self.lang, "")
        if description:
            german = replace(german, description=description, description_html="",
                             description_lang=self.lang)
        if title:
            german = replace(german, title=title, title_lang=self.lang)
        return german

    def marks(self, text: Text) -> bool:
        """Whether the texts carry a language label: always in a translated view, in the
        German views only for a text that is not German."""
        return self.lang != SOURCE or text.title_lang != SOURCE or text.description_lang != \
            SOURCE

    def event(self, ev: Event) -> Event:
        """The record with this view's texts (what the renderers print)."""
        t = self.text(ev)
        if (t.title, t.description, t.description_html) == (ev.summary, ev.description,
                                                             ev.description_html):
            return ev
        return replace(ev, summary=t.title, description=t.description,
                       description_html=t.description_html)


def source_languages(sources) -> dict[str, str]:
    """source id → language, for the sources not written in German."""
    return {s.id: s.language for s in sources if s.language != SOURCE}
