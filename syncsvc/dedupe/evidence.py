"""Precision-first evidence for one pair of events: a false merge hides a real event.

A title is reduced to *concepts*: normalized words, with the network's bilingual
vocabulary and the admin's ``[dedupe] synonyms`` mapped onto one spelling and filler
words dropped. Two entries are the same event only if they share concepts, their extra
words are explained (by the other entry's place or organiser) or the place is the same,
and nothing contradicts: no other level/language/number of the same kind, no other known
place (a different venue or Stadtteil; a vague "Idstein" stays neutral).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from rapidfuzz import fuzz

from .caches import run_cache

# The network's terms in English (and common rewordings) → the German concept.
VOCABULARY: tuple[tuple[str, str], ...] = (
    ("language cafe", "sprachcafe"), ("language café", "sprachcafe"),
    ("cooking night", "kochabend"), ("cooking evening", "kochabend"),
    ("movie night", "filmabend"), ("film night", "filmabend"), ("cinema night", "filmabend"),
    ("bike repair workshop", "fahrradwerkstatt"), ("bike repair", "fahrradwerkstatt"),
    ("evening hike", "wanderung abend"), ("hike", "wanderung"), ("walk", "wanderung"),
    ("city tour", "stadtfuehrung"), ("guided tour", "stadtfuehrung"),
    ("newcomers", "neuzugewanderte"), ("job application", "bewerbung"),
    ("christmas party", "weihnachtsfeier"), ("parents cafe", "elterncafe"),
    ("game night", "spieleabend"), ("games night", "spieleabend"),
    ("women s meeting", "frauentreff"), ("clothes store", "kleiderkammer"),
    ("eritrean", "eritreisch"), ("syrian", "syrisch"), ("afghan", "afghanisch"),
    ("ukrainian", "ukrainisch"), ("arabic", "arabisch"), ("persian", "persisch"),
    ("turkish", "tuerkisch"), ("kurdish", "kurdisch"), ("russian", "russisch"),
    ("informationsabend", "infoabend"), ("informationsveranstaltung", "infoabend"),
    ("geoeffnet", "oeffnung"), ("oeffnungszeit", "oeffnung"), ("oeffnungszeiten", "oeffnung"),
)
# Words that say nothing about which event it is (they neither match nor count against).
FILLER = frozenset((
    "internationaler", "internationale", "internationales", "international", "interkulturelle",
    "interkultureller", "interkulturelles", "offene", "offener", "offenes", "open", "fuer",
    "alle", "wie", "geht", "das", "es", "deutschland", "germany", "your", "with", "for", "a",
    "termin", "treffen", "treffpunkt", "veranstaltung", "event", "neu", "new", "wir", "netzwerks",
))
# Values of one kind: two titles naming different values are different events.
KINDS: dict[str, frozenset[str]] = {
    "Sprachniveau": frozenset(("a1", "a2", "b1", "b2", "c1", "c2")),
    "Stufe": frozenset(("grundlagen", "einsteiger", "anfaenger", "anfaengerinnen", "basis",
                         "fortgeschrittene", "fortgeschrittenen", "aufbau", "aufbaukurs")),
    "Sprache/Herkunft": frozenset((
        "arabisch", "ukrainisch", "syrisch", "afghanisch", "persisch", "eritreisch", "tuerkisch",
        "kurdisch", "russisch", "englisch", "franzoesisch", "farsi", "dari", "tigrinya",
        "somalisch", "polnisch", "rumaenisch", "albanisch", "italienisch", "spanisch")),
}
_LEVEL_SAME = {"anfaenger": "basis", "anfaengerinnen": "basis", "einsteiger": "basis",
               "grundlagen": "basis", "fortgeschrittenen": "fortgeschrittene",
               "aufbaukurs": "fortgeschrittene", "aufbau": "fortgeschrittene"}
# Idstein's Stadtteile: naming one of them is a place, wherever it is written.
VILLAGES = frozenset((
    "dasbach", "ehrenbach", "eschenhahn", "heftrich", "kroeftel", "lenzhahn", "oberrod",
    "niederrod", "niederauroff", "oberauroff", "walsdorf", "woersdorf",
))
# Place words that do not identify a venue (the core town is vague on purpose).
PLACE_FILLER = frozenset((
    "idstein", "germany", "deutschland", "treffpunkt", "raum", "saal", "kleiner", "grosser",
    "parkplatz", "untergeschoss", "obergeschoss", "eg", "og", "hof", "am", "an", "der", "des",
    "im", "ev", "kath", "stadt",
))
_PLACE_SAME = (("buecherei", "bibliothek"), ("buergerzentrum", "buergerhaus"))
_SPLIT = re.compile(r"[,;\n(]")


INFLECTION = 5  # letters a German ending adds: "-s", "-en", "-innen" (Anfänger/-innen)
COMMON_SHARE = 0.1  # a word in more than this share of distinct titles identifies nothing
COMMON_MIN_TITLES = 200  # below this many distinct titles, shares say too little


@dataclass(frozen=True, slots=True, eq=False)
class Phrases:
    """Phrase → concept replacements, longest phrase first. Hashed by identity: it keys
    the per-title cache, and hashing every phrase on each lookup cost more than the lookup."""

    pairs: tuple[tuple[str, str], ...]
    firsts: frozenset[str]  # the phrases' first words: a title without one needs no scan


@dataclass(frozen=True, slots=True, eq=False)
class Vocabulary:
    """Phrase → concept replacements (built-in vocabulary plus admin synonyms) and the
    words too common among this run's titles to say which event it is (identity-hashed,
    as it keys the evidence cache)."""

    table: Phrases
    common: frozenset[str] = frozenset()

    def concepts(self, title: str) -> frozenset[str]:
        return _concepts(title, self.table)

    def rare(self, concepts: frozenset[str]) -> frozenset[str]:
        """The words that can show two titles agree: common words only ever disagree
        ("für Frauen" vs "für Jugendliche"), a title of common words alone keeps them."""
        return (concepts - self.common or concepts) if self.common else concepts

    def with_titles(self, titles: Iterable[str]) -> Vocabulary:
        """The same vocabulary, plus the common words of these normalized titles (IDF):
        "Gruppe" in every title of a network is filler there, whatever a list says."""
        distinct = set(titles)
        if len(distinct) < COMMON_MIN_TITLES:
            return self
        table = self.table
        df = Counter(chain.from_iterable(_concepts(t, table) for t in distinct))
        cut = COMMON_SHARE * len(distinct)
        return Vocabulary(self.table, frozenset(w for w, n in df.items() if n > cut))


def vocabulary(synonyms: Iterable[Sequence[str]] = (), norm=None) -> Vocabulary:
    """The default vocabulary extended by ``[dedupe] synonyms`` (first spelling wins)."""
    pairs = list(VOCABULARY)
    for group in synonyms:
        names = [norm(g) if norm else g for g in group if g]
        pairs += [(n, names[0]) for n in names[1:] if n and n != names[0]]
    pairs.sort(key=lambda p: -len(p[0]))  # longest phrase first
    return Vocabulary(Phrases(tuple(pairs), frozenset(p.split()[0] for p, _ in pairs)))


@run_cache(maxsize=1 << 18)
def _concepts(title: str, table: Phrases) -> frozenset[str]:
    words = title.split()
    if not table.firsts.isdisjoint(words):  # else no phrase can occur: nothing to replace
        text = f" {title} "
        for phrase, concept in table.pairs:
            if f" {phrase} " in text:
                text = text.replace(f" {phrase} ", f" {concept} ")
        words = text.split()
    # a year says nothing about which event it is (words are ASCII after normalizing)
    return frozenset(w for w in words if w not in FILLER and not (
        len(w) == 4 and w[:2] in _CENTURIES and w.isdigit()))


_CENTURIES = ("19", "20")


@run_cache(maxsize=1 << 16)
def place_words(norm_location: str, norm_head: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all venue words, words of the first named segment) of a normalized location."""
    for word, same in _PLACE_SAME:
        norm_location, norm_head = (norm_location.replace(word, same),
                                    norm_head.replace(word, same))

    def useful(text: str) -> frozenset[str]:
        return frozenset(w for w in text.split() if w not in PLACE_FILLER and not w.isdigit()
                         and len(w) > 1)
    return useful(norm_location), useful(norm_head)


def head_segment(location: str) -> str:
    """The first part of a location that names something ("Killingerhaus, …")."""
    for part in _SPLIT.split(location or ""):
        if part.strip(" :"):
            return part
    return ""


@run_cache(maxsize=1 << 17)
def same_word(a: str, b: str) -> bool:
    """Equal, an inflection of each other (≥ 5 letters in common, an ending of at most
    INFLECTION letters), a compound and its head, or a typo. A longer tail is a compound
    *modifier*: "Frauenfrühstück" is a Frühstück, not the "Frauen" of "Yoga für Frauen"."""
    if a == b:
        return True
    if len(a) >= 5 and len(b) >= 5 and abs(len(a) - len(b)) <= INFLECTION and (
            a.startswith(b) or b.startswith(a)):
        return True
    if len(a) >= 6 and len(b) >= 6 and (a.endswith(b) or b.endswith(a)):
        return True  # a German compound and its head: "Themenworkshop" / "Workshop"
    return len(a) > 5 and len(b) > 5 and fuzz.ratio(a, b) >= 90


def _covered(word: str, pool: frozenset[str]) -> bool:
    """``word`` is the same word as one in ``pool``: exact first; inflections, compounds
    and typos need five letters on both sides, and numbers only ever match themselves."""
    if word in pool:
        return True
    if len(word) < 5 or word.isdigit():
        return False
    return any(same_word(word, p) for p in pool if len(p) >= 5)


def _split_compound(word: str, own: frozenset[str], pool: frozenset[str]) -> bool:
    """``word`` is the first part of a compound in ``pool`` whose rest is another word of
    its own title: "Kinder-Flohmarkt" against "Kinderflohmarkt" (one word written as two)."""
    return len(word) >= 3 and any(
        len(p) > len(word) and p.startswith(word) and _covered(p[len(word):], own)
        for p in pool)


def _same_place_word(word: str, pool: Iterable[str]) -> bool:
    """Places match on a word or its inflection ("Killingerhauses"), never on a compound's
    head: "Familienzentrum" is not the "Caritas-Zentrum"."""
    return any(word == p or (len(word) >= 5 and len(p) >= 5 and (
        word.startswith(p) or p.startswith(word))) for p in pool)


@run_cache(maxsize=1 << 16)
def kind_conflict(a: frozenset[str], b: frozenset[str]) -> str:
    """A readable veto when both titles name different values of one kind, else ""."""
    for kind, values in KINDS.items():
        va = {_LEVEL_SAME.get(w, w) for w in a & values}
        vb = {_LEVEL_SAME.get(w, w) for w in b & values}
        if va and vb and va != vb:
            return f"andere {kind} im Titel ({' '.join(sorted(va))} ≠ {' '.join(sorted(vb))})"
    return ""


@run_cache(maxsize=1 << 16)
def place_relation(pa: tuple[frozenset, frozenset], pb: tuple[frozenset, frozenset],
                   va: frozenset[str], vb: frozenset[str]) -> str:
    """"same", "other" (a contradiction) or "vague" for two places and their villages."""
    if va and vb:
        return "same" if va & vb else "other"
    (all_a, head_a), (all_b, head_b) = pa, pb
    if (va and all_b and not vb) or (vb and all_a and not va):
        return "other"  # a Stadtteil against a named venue in the core town
    if not head_a or not head_b:
        return "vague"
    if any(_same_place_word(w, all_b) for w in head_a) or any(
            _same_place_word(w, all_a) for w in head_b):
        return "same"
    return "other"


def compare_titles(a: frozenset[str], b: frozenset[str], explain_a: frozenset[str],
                   explain_b: frozenset[str]) -> tuple[frozenset, ...]:
    """(shared, extra in a, extra in b, explained in a, explained in b): words of one
    title found in the other's place or organiser name are explained, not extra."""
    shared, shared_b = _shared_words(a, b)
    extra_a = _unexplained(a - shared, explain_b)
    extra_b = _unexplained(b - shared_b, explain_a)
    return shared, extra_a, extra_b, a - shared - extra_a, b - shared_b - extra_b


@run_cache(maxsize=1 << 17)
def _unexplained(words: frozenset[str], explain: frozenset[str]) -> frozenset[str]:
    return frozenset(w for w in words if not _covered(w, explain)) if words else words


@run_cache(maxsize=1 << 16)
def _shared_words(a: frozenset[str], b: frozenset[str]) -> tuple[frozenset, frozenset]:
    """(words of a found in b, words of b found in a); titles repeat across a network."""
    return (frozenset(w for w in a if _covered(w, b) or _split_compound(w, a, b)),
            frozenset(w for w in b if _covered(w, a) or _split_compound(w, b, a)))


def block_keys(concepts: frozenset[str]) -> frozenset[str]:
    """Keys two titles share whenever ``compare_titles`` could find a shared word: the
    word, its first five letters (inflections, compounds) and last six (a compound's
    head). Numbers get a key only in a title of numbers alone (a shared "2" is no
    evidence, but "Termin 2" vs "Termin 2" has nothing else)."""
    words = [w for w in concepts if not w.isdigit()]
    if len(words) == 1:  # the common case: one rare word (and numbers)
        return _word_keys(words[0])
    return _keys(frozenset(words) if words else concepts)


@run_cache(maxsize=1 << 16)
def _keys(words: frozenset[str]) -> frozenset[str]:
    return frozenset().union(*map(_word_keys, words))


@run_cache(maxsize=1 << 16)
def _word_keys(w: str) -> frozenset[str]:
    if len(w) >= 6:
        return frozenset(("<" + w[:5], ">" + w[-6:]))
    return frozenset(("<" + w[:5] if len(w) >= 5 else w,))  # equal words share the prefix


@run_cache(maxsize=1 << 14)
def place_keys(places: tuple[frozenset, frozenset], villages: frozenset[str]) -> frozenset[str]:
    """Keys two locations share whenever ``place_relation`` could call them the same."""
    return frozenset({w[:5] for w in places[0]} | {"~" + v for v in villages})


def near_words(ea: frozenset[str], eb: frozenset[str], threshold: float = 80.0) -> bool:
    """Every extra word has a long counterpart at least ``threshold`` % similar
    ("bürgerliches" / "bürgerschaftliches": 81): a rewording, acceptable only at the same
    place. ``[dedupe] title_threshold`` sets the threshold."""
    def paired(xs, ys):
        return all(len(x) >= 10 and any(len(y) >= 10 and fuzz.ratio(x, y) >= threshold
                                        for y in ys) for x in xs)
    return bool(ea and eb) and paired(ea, eb) and paired(eb, ea)
