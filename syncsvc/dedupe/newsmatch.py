"""Evidence for news pairs: which link fragments identify an article, generic titles, bodies.

A ``#fragment`` is part of an article's address when one listing page carries several
articles (``/integration/#kurse``, ``/integration/#ehrenamt``), and mere navigation when
the same fragment appears on many different pages of one feed (a skip link such as
``#content``). The feeds themselves say which: a fragment that one feed uses on two or
more different pages is navigation there; a page that one feed links with different
fragments is a listing, its fragments identify articles. Without evidence either way, a
few universal skip-link names count as navigation and anything else is kept.

A title that is only a word for the kind of text plus a date ("Pressemitteilung vom
14.10.2026", "Newsletter November 2026") says nothing about the content: two of them on
one day are the same article only if the bodies agree too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz

from .textmatch import canonical_url, normalize_title

# the universal names of skip links and page anchors (used only without evidence)
NAVIGATION = frozenset(("content", "main", "main-content", "maincontent", "top", "oben",
                        "inhalt", "start", "page", "skip", "nav", "navigation", "header"))
_MONTHS = frozenset(("januar", "februar", "maerz", "april", "mai", "juni", "juli", "august",
                     "september", "oktober", "november", "dezember", "jan", "feb", "mrz",
                     "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez", "vom",
                     "ausgabe", "nr", "kw"))
BODY_SAME = 60.0  # token-set similarity of two bodies that tell the same story


def split_link(url: str) -> tuple[str, str]:
    """(canonical link without fragment, fragment)."""
    frag = url.partition("#")[2].strip() if url and "#" in url else ""
    return canonical_url(url), frag


def link_keys(links: Iterable[tuple[str, str]]) -> list[str]:
    """Per (source, raw link): the comparable key, with the fragment where it identifies."""
    links = list(links)
    pages: dict[tuple[str, str], set[str]] = defaultdict(set)  # (source, frag) → pages
    frags: dict[tuple[str, str], set[str]] = defaultdict(set)  # (source, page) → frags
    parts = []
    for source, url in links:
        page, frag = split_link(url)
        parts.append((source, page, frag))
        if page and frag:
            pages[(source, frag)].add(page)
            frags[(source, page)].add(frag)
    out = []
    for source, page, frag in parts:
        if not page or not frag:
            out.append(page)
        elif len(frags[(source, page)]) > 1:
            out.append(f"{page}#{frag}")  # a listing page: the fragment names the article
        elif len(pages[(source, frag)]) > 1 or frag.casefold() in NAVIGATION:
            out.append(page)  # navigation: the same anchor on many pages
        else:
            out.append(f"{page}#{frag}")
    return out


def generic_title(norm_title: str) -> bool:
    """At most one word left once numbers, years, months and "vom/Nr." are gone."""
    words = [w for w in norm_title.split() if not w.isdigit() and w not in _MONTHS]
    return len(words) <= 1


def body_similarity(a: str, b: str) -> float:
    """0..100 for two plain-text bodies (normalized like titles); 0 if one is empty."""
    na, nb = normalize_title(a[:2000]), normalize_title(b[:2000])
    if not na or not nb:
        return 0.0
    return fuzz.token_set_ratio(na, nb)


_WS = re.compile(r"\s+")
