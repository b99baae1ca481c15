"""Identity of published entries: the explained pairwise decision, clusters, stable UIDs.

Shared by event and news dedupe. A published UID must survive re-runs and reorderings:
a remembered UID goes to the unit holding its highest-priority member, deterministically,
and a new unit derives its UID from its winner's reference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..config import SourceConfig
from ..models import SourceRef


@dataclass(frozen=True, slots=True)
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
    """Union of category lists, case-insensitive, first spelling wins, order stable."""
    seen: dict[str, str] = {}
    for group in groups:
        for cat in group:
            cat = cat.strip()
            if cat and cat.casefold() not in seen:
                seen[cat.casefold()] = cat
    return tuple(seen.values())


def derived_uid(winner_ref: str) -> str:
    return hashlib.sha256(winner_ref.encode("utf-8")).hexdigest()[:24] + "@syncsvc"


UidClaim = tuple[str, tuple[tuple[int, str], ...]]  # winner ref, (-priority, remembered UID)


def claim(member_refs: Sequence[tuple[int, str]], memory: Mapping[str, str],
          winner_ref: str) -> UidClaim:
    """member_refs: (priority, ref); remembered UIDs ordered by priority desc, then UID."""
    if not memory:
        return winner_ref, ()
    return winner_ref, tuple(sorted({(-p, memory[r]) for p, r in member_refs if r in memory}))


def assign_uids(claims: Sequence[UidClaim]) -> dict[str, str]:
    """winner_ref → published UID; a remembered UID goes to one unit only, deterministically."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    remembered = sorted((c for c in claims if c[1]), key=lambda c: (c[1], c[0]))
    fresh = sorted(c[0] for c in claims if not c[1])  # as (not c[1], c[1], c[0]) sorts them
    for winner, candidates in [*remembered, *((w, ()) for w in fresh)]:
        uid = next((u for _, u in candidates if u not in taken), "")
        n = 0
        while not uid or uid in taken:  # nothing remembered: derive from the winner
            uid, n = derived_uid(f"{winner}#{n}" if n else winner), n + 1
        taken.add(uid)
        out[winner] = uid
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
        return [sorted(m) if len(m) > 1 else m for m in self.members.values()]
