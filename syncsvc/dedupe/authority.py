"""The authority rule's outcome: partners still announcing a date the city cancelled or moved.

A higher-priority source's cancellation or move of an occurrence wins over lower-priority
copies of it: they fold into that occurrence (``verdict.AUTHORITY`` is the reason) and
are no longer published on their own. The partner's calendar is still wrong, and its
residents may still go to a cancelled café, so every such fold is recorded as an
``Overruled`` case; the service stores them and /admin shows them in German.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from .records import Rec

WHAT = {"abgesagt": "abgesagt", "verlegt": "verlegt"}  # the admin reads the German word
OVERRULED_META = "dedupe_overruled"  # the store's meta key for the last dedupe's cases


@dataclass(frozen=True, slots=True)
class Overruled:
    """One partner's copy of a date that a higher-priority source cancelled or moved."""

    partner: str  # source id of the copy
    ref: str  # the copy's member ref ("source:uid", occurrences "source:uid@start")
    authority: str  # source id whose decision won (the city)
    day: str  # the date in question, local ISO date
    title: str  # the authority's title for it
    what: str  # "abgesagt" | "verlegt"
    moved_to: str = ""  # for a move: the new local ISO date, if known


def overruled(groups: Iterable[Sequence[int]], recs: Sequence[Rec],
              moved_to: Mapping[tuple, str]) -> tuple[Overruled, ...]:
    """The cases in the final clusters: every live member of a cluster holding a cancelled
    or removed date of a higher-priority source (the cluster check keeps the others out)."""
    out = []
    for grp in groups:
        if len(grp) < 2:
            continue
        dead = [recs[i] for i in grp if recs[i].state != "CONFIRMED"]
        if not dead:
            continue
        boss = max(dead, key=lambda r: (r.prio, r.state == "DELETED", r.ref))
        moved = boss.state == "DELETED" and bool(boss.target[2:3] and boss.target[2])
        for i in grp:
            r = recs[i]
            if r.state != "CONFIRMED" or r.prio >= boss.prio or (
                    r.ev.source_id == boss.ev.source_id):
                continue
            out.append(Overruled(
                partner=r.ev.source_id, ref=r.ref, authority=boss.ev.source_id,
                day=boss.day.isoformat(), title=boss.ev.summary,
                what="verlegt" if moved else "abgesagt",
                moved_to=moved_to.get(boss.target, "") if moved else ""))
    return tuple(sorted(out, key=lambda c: (c.day, c.partner, c.ref)))


def notes(cases: Iterable[Overruled], names: Mapping[str, str]) -> list[str]:
    """German lines for /admin, one per partner and date (a partner listing it twice is
    told once)."""
    lines: dict[str, None] = {}
    for c in cases:
        partner, city = names.get(c.partner, c.partner), names.get(c.authority, c.authority)
        when = _german_day(c.day)
        line = (f"Partner {partner} kündigt einen Termin an, den {city} {WHAT[c.what]} hat: "
                f"„{c.title}“ am {when}")
        if c.moved_to:
            line += f" (neuer Termin: {_german_day(c.moved_to)})"
        lines[line + "."] = None
    return list(lines)


def to_json(cases: Iterable[Overruled]) -> str:
    return json.dumps([asdict(c) for c in cases], ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> tuple[Overruled, ...]:
    """What ``to_json`` wrote; unreadable or foreign content reads as no cases."""
    try:
        rows = json.loads(text or "[]")
        return tuple(Overruled(**row) for row in rows if row.get("what") in WHAT)
    except (ValueError, TypeError, AttributeError):
        return ()


def stored_notes(text: str, sources: Iterable) -> list[str]:
    """The German lines for what the last republish stored (``to_json``), with today's names."""
    return notes(from_json(text), {s.id: s.name for s in sources})


def _german_day(iso_day: str) -> str:
    try:
        return f"{date.fromisoformat(iso_day):%d.%m.%Y}"
    except ValueError:
        return iso_day
