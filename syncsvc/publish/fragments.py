"""RSS items and events.json entries kept between runs, like the VEVENTs (publish.ics).

A view lists every upcoming occurrence, and one changed occurrence changes its key, so
the whole view is rendered again: at 100 partners, 10,000 RSS items through ElementTree
and 10,000 JSON entries when one partner had changed one event, a third of that pass.
The fragments are pure functions of the listed occurrence and a few settings, so each
is stored under the occurrence's digest (``Members``, already computed for the view
keys) and a salt of everything else it reads: the format, the rendering code
(``memo.code_version``), the base URL, the zone and the sources' languages. A view
rendered again takes the stored bytes of every occurrence whose digest is there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from .common import Fragments, Listed
from .memo import Members, page_key


class FragmentStore(Protocol):
    """Where fragments persist (``store.Store``)."""

    def fragments(self, kind: str, salt: str) -> dict[str, bytes]: ...

    def save_fragments(self, kind: str, salt: str, fresh: Mapping[str, bytes],
                       gone: Iterable[str]) -> None: ...


def salt(kind: str, *inputs: object) -> str:
    """What every fragment of ``kind`` depends on besides its occurrence (and the code)."""
    return page_key("fragment", kind, inputs)


class Persisted(Fragments[Listed, bytes]):
    """Fragments that read what earlier runs rendered and store what this run renders.

    The stored rows are read when the format is first asked for one; when its views
    are written (``clear``), the fragments rendered in this run are stored and the rows
    of occurrences no view lists any more are dropped."""

    def __init__(self, render: Callable[[Listed], bytes], store: FragmentStore, kind: str,
                 salt: str, members: Members) -> None:
        super().__init__(self._lookup)
        self._inner, self._store, self._kind, self._salt = render, store, kind, salt
        self._members = members
        self._known: dict[str, bytes] | None = None
        self._fresh: dict[str, bytes] = {}

    def _lookup(self, x: Listed) -> bytes:
        if self._known is None:
            self._known = self._store.fragments(self._kind, self._salt)
        key = self._members.of(x)
        hit = self._known.get(key)
        if hit is None:
            hit = self._fresh.get(key)
        if hit is None:
            hit = self._fresh[key] = self._inner(x)
        return hit

    def clear(self) -> None:
        if self._known is not None:  # a view was rendered: keep the new, drop the unlisted
            gone = self._known.keys() - self._members.digests(Listed)
            self._store.save_fragments(self._kind, self._salt, self._fresh, gone)
        self._known, self._fresh = None, {}
        super().clear()
