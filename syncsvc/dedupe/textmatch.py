"""Text helpers shared by event and news dedupe: German-aware title normalisation,
canonical URLs, fuzzy title similarity (rapidfuzz) and the numbers in a title.

The event side builds on them in ``records`` (each event's precomputed evidence) and
``verdict`` (the readable German decision for a pair).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rapidfuzz import fuzz

from .caches import run_cache

STOP_WORDS = frozenset((
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "eines", "und", "oder", "in", "im", "am", "an", "ab", "zum", "zur", "zu", "fuer", "mit",
    "von", "vom", "bei", "beim", "auf", "aus", "ueber", "nach", "idstein", "idsteiner",
    "ev", "the", "and", "of",
))
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER_NOT_YEAR = re.compile(r"\b(?!(?:19|20)\d\d\b)\d+\b")
_COMBINING = re.compile("[\u0300-\u036f]")
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc"
                       r"|_hsmi|ref_src|wt_mc|pk_campaign|pk_kwd|pk_source|pk_medium)$")


def normalize_title(title: str) -> str:
    """Casefold, transliterate umlauts/ß, drop accents, punctuation, quotes and stop words."""
    text = (title or "").casefold()
    if not text.isascii():  # (str.translate with a table costs more than four replaces)
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
        if not text.isascii():
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    words = _WORD.findall(text)  # the runs between non-word characters
    kept = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return " ".join(kept)


def canonical_url(url: str) -> str:
    """A comparable form of a link: https, no www., no tracking parameters, no fragment."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = "https" if parts.scheme.lower() in ("http", "https", "") else parts.scheme.lower()
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k.lower())]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


@run_cache(maxsize=1 << 17)
def title_similarity(a: str, b: str) -> float:
    """0..100 for two *normalized* titles; word sets or compounds ("Kinder-Flohmarkt")."""
    if not a or not b:
        return 0.0
    compact = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    return max(fuzz.token_set_ratio(a, b), compact)


def title_numbers(title: str) -> frozenset[str]:
    """Numbers in a normalized title, years excepted: "teil 2 2026" → {"2"} (not cached:
    the callers' evidence caches hold it, and a cache here only churned at 100k titles)."""
    return frozenset(_NUMBER_NOT_YEAR.findall(title))


def title_numbers_differ(a: str, b: str) -> tuple[str, str] | None:
    """``numbers_differ`` of two normalized titles: both carry numbers (not years) and they
    differ, "Teil 1" vs "Teil 2"."""
    return numbers_differ(title_numbers(a), title_numbers(b))


def numbers_conflict(na: frozenset[str], nb: frozenset[str]) -> bool:
    """Both titles carry numbers (not years) and they differ: a veto, whatever agrees."""
    return bool(na) and bool(nb) and na != nb


def numbers_differ(na: frozenset[str], nb: frozenset[str]) -> tuple[str, str] | None:
    """The two sets of title numbers, readable, when they conflict (``numbers_conflict``)."""
    if numbers_conflict(na, nb):
        return _numbers_text(na), _numbers_text(nb)
    return None


@run_cache(maxsize=1 << 16)
def _numbers_text(numbers: frozenset[str]) -> str:
    return " ".join(sorted(numbers))


@run_cache(maxsize=1 << 18)
def norm_title(text: str) -> str:
    return normalize_title(text)
