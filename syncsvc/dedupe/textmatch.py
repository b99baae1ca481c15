"""Text evidence and the pairwise verdict for events (news shares the text helpers).

German-aware title normalisation, canonical URLs, fuzzy scores (rapidfuzz), the ``Rec``
record with each event's precomputed evidence, and ``evaluate``/``hard_veto``, which turn
two records into a readable German decision. Identity (``Match``, clusters, UIDs) lives in
``identity``; the names are re-exported here for the modules that import them from here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

from ..config import DedupeSettings
from ..models import Event
from .evidence import (
    VILLAGES,
    Vocabulary,
    block_keys,
    compare_titles,
    head_segment,
    kind_conflict,
    near_words,
    place_keys,
    place_relation,
    place_words,
    vocabulary,
)
from .identity import ref

STOP_WORDS = frozenset((
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "eines", "und", "oder", "in", "im", "am", "an", "ab", "zum", "zur", "zu", "fuer", "mit",
    "von", "vom", "bei", "beim", "auf", "aus", "ueber", "nach", "idstein", "idsteiner",
    "ev", "the", "and", "of",
))
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"\b\d+\b")
_NUMBER_NOT_YEAR = re.compile(r"\b(?!(?:19|20)\d\d\b)\d+\b")
_COMBINING = re.compile("[\u0300-\u036f]")
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc"
                       r"|_hsmi|ref_src|wt_mc|pk_campaign|pk_kwd|pk_source|pk_medium)$")
SAME_LOCATION = 80.0  # location similarity from which the location bonus applies
EVIDENCE_FLOOR = 50.0  # below this title similarity (and another place) a pair is not scored


def normalize_title(title: str) -> str:
    """Casefold, transliterate umlauts/ß, drop accents, punctuation, quotes and stop words."""
    text = (title or "").casefold()
    if not text.isascii():  # (str.translate with a table costs more than four replaces)
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
        if not text.isascii():
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    words = _NON_WORD.sub(" ", text).split()
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


@lru_cache(maxsize=1 << 17)
def title_similarity(a: str, b: str) -> float:
    """0..100 for two *normalized* titles; word sets or compounds ("Kinder-Flohmarkt")."""
    if not a or not b:
        return 0.0
    compact = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    return max(fuzz.token_set_ratio(a, b), compact)


@lru_cache(maxsize=1 << 16)
def title_numbers(title: str) -> frozenset[str]:
    """Numbers in a normalized title, years excepted: "teil 2 2026" → {"2"}."""
    return frozenset(_NUMBER_NOT_YEAR.findall(title))


@lru_cache(maxsize=1 << 16)
def _stem(title: str) -> str:
    return " ".join(_NUMBER.sub(" ", title).split())


def number_conflict(a: str, b: str) -> tuple[str, str] | None:
    """Both normalized titles carry numbers (not years) and they differ: "Teil 1" vs "Teil 2"."""
    return numbers_differ(title_numbers(a), title_numbers(b))


def numbers_differ(na: frozenset[str], nb: frozenset[str]) -> tuple[str, str] | None:
    """The two sets of title numbers, readable, when both have some and they differ."""
    if na and nb and na != nb:
        return " ".join(sorted(na)), " ".join(sorted(nb))
    return None


@dataclass(slots=True, eq=False)
class Rec:
    """An event (or a series occurrence) with its matching evidence precomputed (not
    frozen: 150,000 frozen inits cost a measurable share of a 100k dedupe; never changed)."""

    ev: Event
    ref: str  # member ref (occurrences: "source:uid@occurrence")
    base: str  # "source:uid", as config's force_* lists name it
    title: str  # normalize_title(summary)
    place: str  # normalize_title(location)
    day: date  # local start date in the event's zone
    utc: datetime | None  # start instant; None for all-day
    prio: int
    ts: int = 0  # utc as epoch seconds (fast arithmetic); 0 for all-day
    numbers: frozenset[str] = frozenset()  # numbers in the title (not years)
    stem: str = ""  # title without its numbers
    concepts: frozenset[str] = frozenset()  # title words after vocabulary and filler
    places: tuple = (frozenset(), frozenset())  # (venue words, words of the first segment)
    villages: frozenset[str] = frozenset()  # Stadtteile named in title or location
    explain: frozenset[str] = frozenset()  # words of place and organiser (explain extras)
    state: str = "CONFIRMED"  # CONFIRMED | CANCELLED | DELETED (a date a series removed)
    target: tuple = ()  # series occurrences: the published entry key they belong to
    occ: str = ""  # series occurrences: the occurrence key
    keys: frozenset[str] = frozenset()  # blocking keys of the title concepts
    pkeys: frozenset[str] = frozenset()  # blocking keys of the place
    rare: frozenset[str] = frozenset()  # concepts that can show agreement (not common)


DEFAULT_VOCAB = vocabulary((), normalize_title)


def make_rec(ev: Event, prio: int, start: str = "", occ_ref: str = "", *,
             vocab: Vocabulary = DEFAULT_VOCAB, org: str = "", state: str = "",
             target: tuple = (), location: str | None = None) -> Rec:
    """Precompute evidence; ``start`` overrides the event's start (series occurrences)."""
    start = start or ev.start
    day, utc, ts = _when(start, ev.tzid)
    loc = ev.location if location is None else location
    (title, place, concepts, places, villages, explain, keys, pkeys, rare, numbers,
     stem) = _evidence(ev.summary, loc, org, vocab)
    return Rec(ev, occ_ref or ref(ev.source_id, ev.uid, ev.recurrence_id),
               ref(ev.source_id, ev.uid), title, place, day, utc, prio, ts, numbers, stem,
               concepts, places, villages, explain,
               state or ("CANCELLED" if ev.status == "CANCELLED" else "CONFIRMED"), target,
               start if target else "", keys, pkeys, rare)


@lru_cache(maxsize=1 << 16)
def _when(start: str, tzid: str) -> tuple[date, datetime | None, int]:
    """(local day, UTC instant or None for all-day, epoch seconds or 0) of a start key."""
    if len(start) == 10:
        return date.fromisoformat(start), None, 0
    utc = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return utc.astimezone(_zone(tzid)).date(), utc, int(utc.timestamp())


@lru_cache(maxsize=1 << 18)
def _evidence(summary: str, loc: str, org: str, vocab: Vocabulary) -> tuple:
    """The text evidence of one title/place/organiser (a series' dates share it)."""
    title = norm_title(summary)
    concepts = vocab.concepts(title)
    rare = vocab.rare(concepts)
    place, words, explain, places = _place_facts(loc)
    villages = (concepts | words) & VILLAGES
    explain = explain | _org_words(org)
    return (title, place, concepts, places, villages, explain, block_keys(rare),
            place_keys(places, villages), rare, title_numbers(title), _stem(title))


@lru_cache(maxsize=1 << 14)
def _place_facts(loc: str) -> tuple[str, frozenset[str], frozenset[str], tuple]:
    """(normalized place, its words, the words that explain a title, venue words)."""
    place = norm_title(loc)
    words = frozenset(place.split())
    explain = words | frozenset(place.replace(" ", "").split())
    return place, words, explain, place_words(place, norm_title(head_segment(loc)))


@lru_cache(maxsize=1 << 12)
def _org_words(org: str) -> frozenset[str]:
    return frozenset(norm_title(org).split())


@lru_cache(maxsize=1 << 18)
def norm_title(text: str) -> str:
    return normalize_title(text)


@lru_cache(maxsize=64)
def _zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid or "Europe/Berlin")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Berlin")


def same_time(a: Rec, b: Rec, tol: timedelta) -> str:
    """A readable reason if a and b start together, else ""."""
    if a.utc is None or b.utc is None:
        return f"gleicher Tag {a.day.isoformat()} (ganztägig)" if a.day == b.day else ""
    seconds = abs(a.ts - b.ts)
    if seconds > tol.total_seconds():
        return ""
    return _time_reason(seconds // 60)


@lru_cache(maxsize=1024)
def _time_reason(minutes: int) -> str:
    return "gleiche Startzeit" if minutes == 0 else f"Start {minutes} min auseinander"


AUTHORITY = "abgesagt/verlegt von der Quelle mit höherer Priorität: gilt für beide"
SERIES_TIME = timedelta(minutes=10)  # a one-off folds into a series date only this close
WIDE = timedelta(minutes=60)  # strong title and place: a listing this late is the same


def evaluate(a: Rec, b: Rec, s: DedupeSettings, tol: timedelta,
             apart: set[frozenset[str]]) -> tuple[float, tuple[str, ...], bool] | None:
    """Score one pair: shared title concepts, explained extras, place, vetoes (German).

    None when the two share nothing but the time slot (no common title concept and no
    common place) or are two deleted dates: never merged, not worth explaining.
    """
    when = same_time(a, b, max(tol, WIDE))
    if not when or (a.state == "DELETED" and b.state == "DELETED"):
        return None
    numbers = numbers_differ(a.numbers, b.numbers)
    if numbers:  # vetoed whatever else agrees: "Modul 1" / "Modul 2" (cheap, common)
        return _numbered(when, title_similarity(a.title, b.title), numbers)
    shared, ea, eb, xa, xb = compare_titles(a.concepts, b.concepts, a.explain, b.explain)
    if xa and eb:  # a names b's place/organiser, but b has words a lacks: own words both
        ea = ea | xa
    if xb and ea:
        eb = eb | xb
    if shared and shared.isdisjoint(a.rare):
        shared = frozenset()  # only common words agree: no evidence (IDF)
    place = place_relation(a.places, b.places, a.villages, b.villages)
    if not shared and place != "same":
        return None
    late = a.utc is not None and b.utc is not None and abs(a.ts - b.ts) > tol.total_seconds()
    mixed = (a.utc is None) != (b.utc is None)
    off_series = off_series_time(a, b)
    return _judge(when, title_similarity(a.title, b.title), tuple(sorted(shared)),
                  tuple(sorted(ea)), tuple(sorted(eb)), place, late, mixed, off_series,
                  kind_conflict(a.concepts, b.concepts), _status(a, b),
                  bool(apart) and frozenset((a.base, b.base)) in apart, s.location_bonus,
                  s.title_threshold)


@lru_cache(maxsize=1 << 12)
def _numbered(when: str, fuzzy: float, numbers: tuple[str, str]) -> tuple:
    return 0.0, (when, f"Titel {fuzzy:.0f} % ähnlich",
                 f"andere Nummer im Titel ({numbers[0]} ≠ {numbers[1]})"), False


def _status(a: Rec, b: Rec) -> str:
    """"" if both are live or both cancelled; "authority" if the cancelled/deleted one has
    the higher priority (its decision wins); "conflict" otherwise."""
    if (a.state == "CONFIRMED") == (b.state == "CONFIRMED"):
        return ""
    dead, live = (a, b) if a.state != "CONFIRMED" else (b, a)
    return "authority" if dead.prio > live.prio else "conflict"


@lru_cache(maxsize=1 << 16)
def _judge(when: str, fuzzy: float, shared: tuple, ea: tuple, eb: tuple, place: str, late: bool,
           mixed: bool, off_series: bool, kinds: str, status: str,
           forced_apart: bool, bonus: float,
           threshold: float) -> tuple[float, tuple[str, ...], bool]:
    """The readable decision for one combination of evidence (cached: combinations repeat)."""
    union = len(shared) + len(ea) + len(eb)
    score = 50.0 + 50.0 * len(shared) / union if shared else 0.0
    reasons = [when, f"Titel {fuzzy:.0f} % ähnlich",
               f"gemeinsame Titelwörter: {' '.join(shared) or '–'}"]
    vetoes = []
    if place == "same":
        score += bonus
        reasons.append(f"gleicher Ort (+{bonus:g})")
    elif place == "other":
        vetoes.append("anderer Ort (anderes Haus oder anderer Stadtteil)")
    else:
        reasons.append("Ort unbestimmt (neutral)")
    if ea and eb and place == "same" and near_words(frozenset(ea), frozenset(eb), threshold):
        reasons.append(f"ähnliche Wörter ({' '.join(ea)} / {' '.join(eb)}, ≥ {threshold:g} %), "
                       "gleicher Ort")
    elif ea and eb:
        vetoes.append(f"beide Titel haben eigene Wörter ({' '.join(ea)} / {' '.join(eb)})")
    elif (ea or eb) and place != "same":
        vetoes.append(f"zusätzliche Wörter ({' '.join(ea or eb)}) ohne gleichen Ort")
    elif ea or eb:
        reasons.append(f"zusätzliche Wörter ({' '.join(ea or eb)}), aber gleicher Ort")
    if not shared:
        vetoes.append("kein gemeinsames Titelwort")
    if late and (ea or eb or place != "same"):
        vetoes.append("mehr als die Toleranz auseinander ohne gleichen Titel und Ort")
    if mixed and (ea or eb):
        vetoes.append("ganztägig gegen Termin mit Uhrzeit: nur bei gleichem Titel")
    if off_series:
        vetoes.append("Einzeltermin zu anderer Uhrzeit als der Serientermin (eine Serie hat "
                      "ihre feste Zeit; eine Kopie übernimmt sie)")
    if kinds:
        vetoes.append(kinds)
    if status == "conflict":
        vetoes.append("nur einer der beiden ist abgesagt")
    elif status == "authority":
        reasons.append(AUTHORITY)
    if forced_apart:
        vetoes.append("per Konfiguration getrennt (force_apart)")
    return round(score, 1), tuple(reasons + vetoes), not vetoes


def off_series_time(a: Rec, b: Rec) -> bool:
    """A one-off against a series date at another time of day: a series has its fixed
    time and a partner re-announcing one of its dates copies it, so a one-off at the same
    place that day but at another hour is another event (an extra session, a crowded hall)."""
    return ((not a.target) != (not b.target) and a.utc is not None and b.utc is not None
            and abs(a.ts - b.ts) > SERIES_TIME.total_seconds())


def hard_veto(a: Rec, b: Rec) -> str:
    """A contradiction that forbids a and b in one cluster whatever links them ("" if none)."""
    if a.ev.source_id == b.ev.source_id:
        return "Gruppe enthält schon einen Eintrag derselben Quelle"
    if place_relation(a.places, b.places, a.villages, b.villages) == "other":
        return f"Gruppe enthielte {a.ref} und {b.ref}: anderer Ort"
    if kind_conflict(a.concepts, b.concepts) or numbers_differ(a.numbers, b.numbers):
        return f"Gruppe enthielte {a.ref} und {b.ref}: andere Stufe/Nummer im Titel"
    if _status(a, b) == "conflict":
        return f"Gruppe enthielte {a.ref} und {b.ref}: nur einer ist abgesagt"
    if off_series_time(a, b):
        return (f"Gruppe enthielte {a.ref} und {b.ref}: Einzeltermin zu anderer Uhrzeit als "
                "die Serie")
    return ""
