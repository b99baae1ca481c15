"""Writing a publish run: the views' files, views.json, and removal of stale views.

Format by format, so only one format's rendered fragments are held at a time; every file
through ``write.write_atomic`` (unchanged bytes keep the file and its mtime).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.languages import known_language
from ..logs import fields
from ..models import PublishedEvent
from .common import Fragments, Listed, slugify
from .ics import Block, Cached, CacheKey
from .jsonfeed import dump
from .memo import Keyed, Members
from .write import remove_file, remove_leftovers, sync_all, write_atomic

log = logging.getLogger(__name__)

# subtrees whose stale files are removed (and every language folder, see write_outputs)
MANAGED_DIRS = ("calendar", "sources", "termine", "widget")


@dataclass(frozen=True)
class View:
    path: str  # relative to the output folder, with "/"
    title: str
    kind: str  # "ics" | "rss" | "json" (events.json or JSON Feed: see content)
    content: str  # "events" | "news"
    category: str = ""
    source: str = ""  # source id
    source_name: str = ""
    entries: int = 0  # occurrences in the horizon / news items: 0 = not offered on the index
    language: str = ""  # a translated view's language ("" = the German views)


@dataclass(frozen=True)
class PublishResult:
    written: tuple[str, ...]  # files whose content changed (or are new)
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]  # stale views of vanished categories/sources
    views: tuple[View, ...]
    # VEVENTs serialized in this run (not found in the cache passed in), to persist
    vevents: Mapping[CacheKey, Cached] = field(default_factory=dict, repr=False,
                                               compare=False)
    # path → key of every keyed page written or kept (publish.memo), to record
    page_keys: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


@dataclass(frozen=True)
class Run:
    """Per-run caches: every record is rendered once per format and shared by the views."""

    blocks: Fragments[PublishedEvent, Block | Exception | None]  # serialized VEVENTs
    items: Fragments[Listed, bytes]  # serialized RSS <item>s of occurrences
    entries: Fragments[Listed, bytes]  # dumped events.json entries
    members: Members = field(default_factory=Members)  # the records' digests (view keys)
    context: tuple = ()  # what every view's texts also depend on (sources' languages)


def write_outputs(root: Path, outputs: dict, run: Run,
               after_ics: Callable[[], None] = lambda: None,
               pages: Iterable[tuple[str, Callable[[], Any]]] = (),
               page_keys: Mapping[str, str] | None = None) -> PublishResult:
    """Write format by format (.ics, events .rss, events .json, the rest), releasing each
    format's cache when its views are written, so only one format's fragments are held;
    the public pages (not views: not in views.json) right after the .ics views, whose
    VEVENTs their single-event calendars reuse. ``page_keys``: the pages' keys of the
    last complete publish; this run's come back in ``PublishResult.page_keys``."""
    files = remove_leftovers(root)
    changed: dict[str, bool] = {}
    keys: dict[str, str] = {}
    known = _Known(page_keys or {}, files)
    for phase, cache in ((_ICS, run.blocks), (_EVENTS_RSS, run.items),
                         (_EVENTS_JSON, run.entries), (None, None)):
        for path, (view, render) in outputs.items():
            if path not in changed and (phase is None or _phase(view) == phase):
                changed[path] = _write(root, path, render, known, keys)
        if phase == _ICS:
            _write_pages(root, pages, changed, known, keys)
        if cache is not None:
            cache.clear()
        if phase == _ICS:
            after_ics()
    written = [p for p in changed if changed[p]]
    unchanged = [p for p in changed if not changed[p]]
    views = tuple(view for view, _ in outputs.values())
    # a language dropped from the config: its folder goes, as a vanished category's views do
    languages = _languages(root) | {v.language for v in views if v.language}
    manifest = _manifest(views)
    (written if write_atomic(root / "views.json", manifest) else unchanged).append("views.json")
    removed = _remove_stale(root, set(changed), tuple(sorted(languages)))
    for path in written + removed:
        log.debug("published %s", path, extra=fields(source="*", stage="publish"))
    return PublishResult(tuple(written), tuple(unchanged), tuple(removed), views,
                         page_keys=keys)


@dataclass(frozen=True)
class _Known:
    """The keys the last complete publish recorded and the files there at the start."""

    keys: Mapping[str, str]
    files: frozenset[str]

    def unchanged(self, path: str, key: str) -> bool:
        return self.keys.get(path) == key and path in self.files


def _write(root: Path, path: str, render: Callable, known: _Known,
           keys: dict[str, str], durable: bool = True) -> bool:
    """Write one file (True: its bytes changed). A ``Keyed`` render whose key the last
    publish recorded and whose file was there when this run began is not called at all
    (publish.memo); ``keys`` receives the key of every keyed file of this run."""
    if isinstance(render, Keyed):
        keys[path] = render.key
        if known.unchanged(path, render.key):
            return False
    return write_atomic(root / path, render(), durable=durable)


def _write_pages(root: Path, pages: Iterable[tuple[str, Callable[[], Any]]],
                 changed: dict[str, bool], known: _Known,
                 keys: dict[str, str]) -> None:
    written = False
    for path, render in pages:
        changed[path] = _write(root, path, render, known, keys, durable=False)
        written = written or changed[path]
    if written:
        sync_all()  # durable before the run counts as published


_ICS, _EVENTS_RSS, _EVENTS_JSON = ("ics", "events"), ("rss", "events"), ("json", "events")


def _phase(view: View) -> tuple[str, str]:
    return (view.kind, view.content)


def _manifest(views: Sequence[View]) -> bytes:
    """views.json, read by the index page (serve.index.load_views): a list, URL paths."""
    rows = [{"path": "/" + v.path, "title": v.title, "kind": v.kind, "content": v.content,
             "category": v.category or None,
             "category_slug": slugify(v.category) if v.category else None,
             "source": v.source or None, "source_name": v.source_name or None,
             "entries": v.entries, **({"language": v.language} if v.language else {})}
            for v in views]
    return dump(rows)


def _languages(root: Path) -> set[str]:
    """The languages the last run's views.json lists (their folders are managed too)."""
    try:
        rows = json.loads((root / "views.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    found = [r.get("language") for r in rows if isinstance(r, dict)] if isinstance(
        rows, list) else []
    return {x for x in found if isinstance(x, str) and known_language(x) and x != "de"}


def _remove_stale(root: Path, keep: set[str], languages: tuple[str, ...] = ()) -> list[str]:
    """Delete the files of the managed folders this run did not write or keep, and the
    folders left empty (one walk: two globs and a stat per file cost seconds at 20,000
    pages)."""
    removed = []
    for top in MANAGED_DIRS + languages:
        base = root / top
        if not base.is_dir():
            continue
        found = []
        for folder, _dirs, files in os.walk(base, topdown=False):
            rel_dir = Path(folder).relative_to(root).as_posix()
            for name in files:
                rel = f"{rel_dir}/{name}"
                if rel not in keep and remove_file(Path(folder, name)):
                    found.append(rel)
            if folder != str(base) and not os.listdir(folder):
                os.rmdir(folder)
        removed += sorted(found)
        if top in languages and not any(base.iterdir()):
            base.rmdir()
    return removed
