"""Which language a request for ``/`` gets: a stable URL per language, a hint from the browser.

Every language has its own start page (``/de/``, ``/ar/`` …) that always shows that
language, so a link or a bookmark never changes language and no cookie is needed. Only
``/`` looks at ``Accept-Language``: when the browser prefers a configured language other
than German, it redirects there (302, ``Vary: Accept-Language``); otherwise ``/`` is the
German start page it always was. Matching is Babel's ``negotiate_locale`` (language tags
with or without region, „uk-UA“ finds „uk“).
"""

from __future__ import annotations

from collections.abc import Sequence

from babel.core import negotiate_locale

from ..i18n import SOURCE


def preferred(header: str) -> list[str]:
    """The header's language tags, best first (q=0 means „not this one“)."""
    ranked = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        tag = tag.strip().replace("-", "_")
        if tag and tag != "*" and q > 0:
            ranked.append((-q, n, tag))
    return [tag for _, _, tag in sorted(ranked)]


def start_language(header: str, languages: Sequence[str]) -> str:
    """The configured language for ``/``; German when nothing else matches better."""
    if len(languages) < 2 or not header:
        return SOURCE
    for tag in preferred(header):
        found = negotiate_locale([tag], list(languages), sep="_")
        if found is None:
            found = negotiate_locale([tag.split("_")[0]], list(languages), sep="_")
        if found is not None:
            return found
    return SOURCE
