"""The pairwise verdict for two event records: a score and readable German reasons.

``evaluate`` weighs what two records share (title concepts, place, time) against what
counts against a match (another place, level, number, own title words, a time off the
series' slot, only one cancelled); ``hard_veto`` is the subset that forbids two records
in one cluster whatever links them (the complete-link check in ``events``).
"""

from __future__ import annotations

from datetime import timedelta

from ..config import DedupeSettings
from .caches import run_cache
from .evidence import compare_titles, kind_conflict, near_words, place_relation
from .records import Rec
from .textmatch import numbers_conflict, numbers_differ, title_similarity


def same_time(a: Rec, b: Rec, tol: timedelta) -> str:
    """A readable reason if a and b start together, else ""."""
    if a.utc is None or b.utc is None:
        return f"gleicher Tag {a.day.isoformat()} (ganztägig)" if a.day == b.day else ""
    seconds = abs(a.ts - b.ts)
    if seconds > tol.total_seconds():
        return ""
    return _time_reason(seconds // 60)


@run_cache(maxsize=1024)
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
    if a.utc is not None and b.utc is not None:  # same_time, inlined: the common case
        seconds = abs(a.ts - b.ts)
        when = _time_reason(seconds // 60) if seconds <= _far(tol) else ""
    else:
        when = same_time(a, b, max(tol, WIDE))
    if not when or (a.state == "DELETED" and b.state == "DELETED"):
        return None
    na, nb = a.numbers, b.numbers
    if numbers_conflict(na, nb):  # vetoed whatever else agrees: "Modul 1" / "Modul 2"
        return _numbered(when, title_similarity(a.title, b.title), na, nb)
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
    return _judge(when, title_similarity(a.title, b.title), _words(shared),
                  _words(ea), _words(eb), place, late, mixed, off_series,
                  kind_conflict(a.concepts, b.concepts), _status(a, b),
                  bool(apart) and frozenset((a.base, b.base)) in apart, s.location_bonus,
                  s.title_threshold)


@run_cache(maxsize=64)
def _far(tol: timedelta) -> float:
    return max(tol, WIDE).total_seconds()


@run_cache(maxsize=1 << 14)
def _words(words: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(words))


def _numbered(when: str, fuzzy: float, na: frozenset[str], nb: frozenset[str]) -> tuple:
    numbers = numbers_differ(na, nb) or ("", "")
    return 0.0, (when, f"Titel {fuzzy:.0f} % ähnlich",
                 f"andere Nummer im Titel ({numbers[0]} ≠ {numbers[1]})"), False


def _status(a: Rec, b: Rec) -> str:
    """"" if both are live or both cancelled; "authority" if the cancelled/deleted one has
    the higher priority (its decision wins); "conflict" otherwise."""
    if (a.state == "CONFIRMED") == (b.state == "CONFIRMED"):
        return ""
    dead, live = (a, b) if a.state != "CONFIRMED" else (b, a)
    return "authority" if dead.prio > live.prio else "conflict"


@run_cache(maxsize=1 << 16)
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
