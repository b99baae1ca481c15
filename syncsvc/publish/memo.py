"""Incremental pages: a page is rendered again only when what it is rendered from changed.

Every occurrence has an HTML page and a single-event .ics in each published language,
tens of thousands of files at a large network, and rendering them was most of a publish
even when one partner had changed one event. The renderers are pure (records in, bytes
out), so a page's bytes are a function of its inputs: each page carries a key, the
digest of those inputs and of the rendering code itself (this package's sources, the
gettext catalogs, the versions of icalendar, Babel and the zone data). A page whose key
equals the one recorded by the last complete publish, and whose file is still there,
keeps its file untouched; any other page is rendered and written as before. A key that
misses an input would publish a stale page, so keys are built from whole records
(``repr`` of frozen dataclasses), never from a chosen subset of their fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # syncsvc/
# What a page's bytes depend on besides its records: the renderers and their helpers.
_CODE = ("publish/**/*.py", "recur/vevent.py", "i18n/**/*.py", "i18n/locale/**/*.po",
         "instants.py", "models.py")
_LIBRARIES = ("icalendar", "babel", "tzdata", "nh3", "markupsafe")


@dataclass(frozen=True, slots=True)
class Keyed:
    """A page's render function with the key of its inputs."""

    key: str
    render: Callable[[], bytes]

    def __call__(self) -> bytes:
        return self.render()


def page_key(*inputs: object) -> str:
    """The key of a page rendered from ``inputs`` (frozen records, strings, tuples; no
    sets, whose order changes between processes) by the current code."""
    text = repr((code_version(), inputs))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Digest of the rendering code and the libraries it calls (computed once)."""
    h = hashlib.sha256()
    for pattern in _CODE:
        for path in sorted(_PACKAGE.glob(pattern)):
            h.update(str(path.relative_to(_PACKAGE)).encode())
            h.update(path.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-".encode())
    return h.hexdigest()[:16]
