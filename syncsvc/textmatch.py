"""Text evidence and cluster bookkeeping shared by event and news deduplication.

German-aware title normalisation, canonical URLs, fuzzy scores (rapidfuzz), the
``Match`` record that explains one pairwise decision, and the stable-UID assignment.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

from .config import DedupeSettings, SourceConfig
from .models import Event, SourceRef

STOP_WORDS = frozenset((
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "eines", "und", "oder", "in", "im", "am", "an", "ab", "zum", "zur", "zu", "fuer", "mit",
    "von", "vom", "bei", "beim", "auf", "aus", "ueber", "nach", "idstein", "idsteiner",
    "ev", "the", "and", "of",
))
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"\b\d+\b")
_YEAR = re.compile(r"^(19|20)\d\d$")
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc"
                       r"|_hsmi|ref_src|wt_mc|pk_campaign|pk_kwd|pk_source|pk_medium)$")
SAME_LOCATION = 80.0  # location similarity from which the location bonus applies


def normalize_title(title: str) -> str:
    """Casefold, transliterate umlauts/ß, drop accents, punctuation, quotes and stop words."""
    text = (title or "").casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
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


def title_similarity(a: str, b: str) -> float:
    """0..100 for two *normalized* titles; word sets or compounds ("Kinder-Flohmarkt")."""
    if not a or not b:
        return 0.0
    compact = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    return max(fuzz.token_set_ratio(a, b), compact)


def number_conflict(a: str, b: str) -> tuple[str, str] | None:
    """Both normalized titles carry numbers (not years) and they differ: "Teil 1" vs "Teil 2"."""
    na = {n for n in _NUMBER.findall(a) if not _YEAR.match(n)}
    nb = {n for n in _NUMBER.findall(b) if not _YEAR.match(n)}
    if na and nb and na != nb:
        return " ".join(sorted(na)), " ".join(sorted(nb))
    return None


@dataclass(frozen=True)
class Match:
    """One explained pairwise decision (refs "source_id:uid" or "source_id:uid@recurrence")."""

    a: str
    b: str
    score: float
    reasons: tuple[str, ...]
    merged: bool


def ref(source_id: str, uid: str, recurrence_id: str = "") -> str:
    base = f"{source_id}:{uid}"
    return f"{base}@{recurrence_id}" if recurrence_id else base


def priority(sources: Mapping[str, SourceConfig], source_id: str) -> int:
    src = sources.get(source_id)
    return src.priority if src else 0


def source_ref(sources: Mapping[str, SourceConfig], source_id: str, url: str) -> SourceRef:
    src = sources.get(source_id)
    return SourceRef(source_id=source_id, name=src.name if src else source_id, url=url)


def unite(groups: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """Union of category lists, first spelling wins, order stable."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for cat in group:
            key = cat.strip().casefold()
            if key and key not in seen:
                seen.add(key)
                out.append(cat.strip())
    return tuple(out)


def derived_uid(winner_ref: str) -> str:
    return hashlib.sha256(winner_ref.encode("utf-8")).hexdigest()[:24] + "@syncsvc"


@dataclass(frozen=True)
class UidClaim:
    """One published unit asking for a UID: its remembered candidates, best first."""

    winner_ref: str
    candidates: tuple[tuple[int, str], ...]  # (-priority, remembered UID), best first


def claim(member_refs: Sequence[tuple[int, str]], memory: Mapping[str, str],
          winner_ref: str) -> UidClaim:
    """member_refs: (priority, ref); remembered UIDs ordered by priority desc, then UID."""
    found = {(-prio, memory[r]) for prio, r in member_refs if r in memory}
    return UidClaim(winner_ref, tuple(sorted(found)))


def assign_uids(claims: Sequence[UidClaim]) -> dict[str, str]:
    """winner_ref → published UID; a remembered UID goes to one unit only, deterministically."""
    order = sorted(claims, key=lambda c: (c.candidates[:1] == (), c.candidates, c.winner_ref))
    taken: set[str] = set()
    out: dict[str, str] = {}
    for c in order:
        uid = next((u for _, u in c.candidates if u not in taken), "")
        if not uid:
            uid = derived_uid(c.winner_ref)
            n = 1
            while uid in taken:
                uid, n = derived_uid(f"{c.winner_ref}#{n}"), n + 1
        taken.add(uid)
        out[c.winner_ref] = uid
    return out


class Clusters:
    """Union-find over indices that also tracks each cluster's members."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> int:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return ri
        if len(self.members[ri]) < len(self.members[rj]):
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.members[ri].extend(self.members.pop(rj))
        return ri

    def groups(self) -> list[list[int]]:
        return [sorted(m) for m in self.members.values()]


@dataclass(frozen=True)
class Rec:
    """An event (or a series occurrence) with its matching evidence precomputed."""

    ev: Event
    ref: str  # member ref (occurrences: "source:uid@occurrence")
    base: str  # "source:uid", as config's force_* lists name it
    title: str  # normalize_title(summary)
    place: str  # normalize_title(location)
    day: date  # local start date in the event's zone
    utc: datetime | None  # start instant; None for all-day
    prio: int


def make_rec(ev: Event, prio: int, start: str = "", occ_ref: str = "") -> Rec:
    """Precompute evidence; ``start`` overrides the event's start (series occurrences)."""
    start = start or ev.start
    if len(start) == 10:
        day, utc = date.fromisoformat(start), None
    else:
        utc = datetime.fromisoformat(start.replace("Z", "+00:00"))
        day = utc.astimezone(_zone(ev.tzid)).date()
    base = ref(ev.source_id, ev.uid)
    return Rec(ev, occ_ref or ref(ev.source_id, ev.uid, ev.recurrence_id), base,
               _norm(ev.summary), _norm(ev.location), day, utc, prio)


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return normalize_title(text)


@lru_cache(maxsize=64)
def _zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid or "Europe/Berlin")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Berlin")


def candidate_pairs(recs: Sequence[Rec], tol: timedelta) -> list[tuple[int, int]]:
    """Pairs of different sources whose starts are within ``tol`` (all-day: same local day)."""
    timed = sorted((r.utc, i) for i, r in enumerate(recs) if r.utc is not None)
    out = []
    for k, (t, i) in enumerate(timed):
        for n in range(k + 1, len(timed)):
            t2, j = timed[n]
            if t2 - t > tol:
                break
            out.append((i, j))
    by_day: dict[date, list[int]] = {}
    for i, r in enumerate(recs):
        by_day.setdefault(r.day, []).append(i)
    for day_idx in by_day.values():
        alls = [i for i in day_idx if recs[i].utc is None]
        timed_today = [i for i in day_idx if recs[i].utc is not None]
        for n, i in enumerate(alls):
            out.extend((i, j) for j in (*alls[n + 1:], *timed_today))
    return [(i, j) for i, j in out if recs[i].ev.source_id != recs[j].ev.source_id]


def same_time(a: Rec, b: Rec, tol: timedelta) -> str:
    """A readable reason if a and b start together, else ""."""
    if a.utc is None or b.utc is None:
        return f"gleicher Tag {a.day.isoformat()} (ganztägig)" if a.day == b.day else ""
    minutes = abs(a.utc - b.utc) // timedelta(minutes=1)
    if abs(a.utc - b.utc) > tol:
        return ""
    return "gleiche Startzeit" if minutes == 0 else f"Start {minutes} min auseinander"


def evaluate(a: Rec, b: Rec, s: DedupeSettings, tol: timedelta,
             apart: set[frozenset[str]]) -> tuple[float, list[str], bool]:
    """Score one time-compatible pair: title evidence, location bonus, vetoes."""
    reasons = [same_time(a, b, tol)]
    score = title_similarity(a.title, b.title)
    reasons.append(f"Titel {score:.0f} % ähnlich")
    if a.place and b.place:
        place = title_similarity(a.place, b.place)
        if place >= SAME_LOCATION:
            score += s.location_bonus
            reasons.append(f"gleicher Ort ({place:.0f} %, +{s.location_bonus:g})")
        else:
            reasons.append(f"anderer Ort ({place:.0f} %)")
    ok = score >= s.title_threshold
    if not ok:
        reasons.append(f"unter der Schwelle {s.title_threshold:g}")
    numbers = number_conflict(a.title, b.title)
    if numbers:
        ok = False
        reasons.append(f"andere Nummer im Titel ({numbers[0]} ≠ {numbers[1]})")
    if (a.ev.status == "CANCELLED") != (b.ev.status == "CANCELLED"):
        ok = False
        reasons.append("nur einer der beiden ist abgesagt")
    if frozenset((a.base, b.base)) in apart:
        ok = False
        reasons.append("per Konfiguration getrennt (force_apart)")
    return score, reasons, ok
