"""Interface strings in the residents' languages: gettext catalogs read with Babel.

Every word the public pages, the start page, the calendars' shell and the embed widget
show is a German msgid in the code (``_("Abgesagt")``), extracted with Babel into
``locale/syncsvc.pot``; volunteers translate one ``locale/<lang>/LC_MESSAGES/syncsvc.po``
per language in any PO editor. The .po files are read as they are (Babel's reader, then
Babel's writer into an in-memory .mo for the standard ``gettext`` lookup with the
language's plural rule), so nothing compiled is committed. A msgid a catalog lacks (or
has only as fuzzy) is shown in German and logged once, never left blank. Direction and
locale data come from Babel's CLDR: Arabic and Dari/Farsi pages are right-to-left.
"""

from __future__ import annotations

import gettext
import logging
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ..logs import fields

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "syncsvc"
SOURCE = "de"


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later (tables of labels)."""
    return msgid


def po_path(lang: str, root: Path = LOCALE_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator:
    """One language's strings, dates locale and writing direction."""

    def __init__(self, lang: str, catalog: Catalog | None = None) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)
        self.direction = direction(lang)
        self._catalog = catalog
        self._missed: set[str] = set()
        if catalog is None:
            self._gnu: gettext.NullTranslations = gettext.NullTranslations()
        else:
            buf = BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            self._gnu = gettext.GNUTranslations(buf)

    @property
    def is_source(self) -> bool:
        return self.lang == SOURCE

    def gettext(self, msgid: str) -> str:
        self._check(msgid)
        return self._gnu.gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self._check(singular)
        return self._gnu.ngettext(singular, plural, n)

    def has(self, msgid: str) -> bool:
        """Whether the catalog translates ``msgid`` (German always does)."""
        if self._catalog is None:
            return self.is_source
        msg = self._catalog.get(msgid)
        if msg is None or msg.fuzzy:
            return False
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        return all(strings)

    def _check(self, msgid: str) -> None:
        if self.is_source or msgid in self._missed or self.has(msgid):
            return
        self._missed.add(msgid)
        log.warning("no %s translation for %r: shown in German", self.lang, msgid,
                    extra=fields(source="*", stage="publish"))


def load(lang: str, root: Path = LOCALE_DIR) -> Translator:
    """The translator for ``lang``; a missing .po file means German for every string."""
    if lang == SOURCE:
        return Translator(lang)
    path = po_path(lang, root)
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
    except OSError:
        log.warning("no catalog %s: %s shown in German", path, lang,
                    extra=fields(source="*", stage="publish"))
        catalog = Catalog(locale=lang, domain=DOMAIN)
    return Translator(lang, catalog)


@lru_cache(maxsize=32)
def translator(lang: str) -> Translator:
    return load(lang)


@lru_cache(maxsize=64)
def direction(lang: str) -> str:
    """"rtl" or "ltr", from CLDR (Arabic, Dari/Farsi: right-to-left)."""
    return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"


@lru_cache(maxsize=64)
def native_name(lang: str) -> str:
    """The language's name in itself (CLDR): „العربية“, „Українська“ – for language links."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]
