"""Composition: what the CLI and the daemon call; nothing else composes stages.

    config.load ─► Service(settings, store)
      sync():       fetch.Fetcher | parse | normalize | guard | store     (service.sync)
      republish():  store | dedupe | identity | publish.publish_all       (service.republish)
      status():     per-source health for the CLI, /status and /admin     (service.status)
      app():        serve.make_app over this service's settings and status

A ``Service`` is built from one ``Settings`` and everything it holds (the fetcher with
its timeouts, size cap and private-network policy; the WSGI app with its Cache-Control
and index page) derives from those settings only. The daemon's reload builds a new
Service and swaps it whole, so a reload applies everything or nothing: before, the
fetcher kept the startup limits and the index page the startup name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from ..config import Settings, SourceConfig
from ..store import Store
from . import freshness
from . import status as _status
from .sync import Pipeline, SyncReport


class Service:
    def __init__(self, settings: Settings, store: Store, pipeline: Pipeline | None = None):
        self.settings = settings
        self.store = store
        self.pipeline = pipeline or Pipeline(settings, store)

    @classmethod
    def open(cls, settings: Settings, *, lock: bool = True, fresh: bool = False) -> Service:
        """A service over its own store. ``lock``: as the single writer (LockedError while
        another process holds the lock), refused when the database is lost or damaged
        (``fresh``: a new one is meant, ``service.database``); without: a reader, which
        never creates a missing database. Close it, or use ``with``."""
        if not lock:
            return cls(settings, Store(settings.database, create=False))
        from .database import open_writer

        return cls(settings, open_writer(settings, fresh=fresh))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sync_and_publish(self, sources: Iterable[SourceConfig] | None = None, *,
                         progress: Callable[[SyncReport], None] | None = None,
                         now: datetime | None = None):
        """One pass, then a republish if anything a resident sees may have changed.
        Returns (reports, the publish outcome or None when nothing was published)."""
        reports = self.sync(sources, progress=progress)
        now = now or datetime.now(UTC)
        return reports, (self.republish(now) if self.publish_needed(reports, now) else None)

    def source_rows(self, now: datetime | None = None) -> list[dict]:
        """Per-source health rows (``syncsvc sources``)."""
        return _status.source_status(self.settings, self.store, now)

    def sync(self, sources: Iterable[SourceConfig] | None = None, *,
             progress: Callable[[SyncReport], None] | None = None) -> list[SyncReport]:
        """One pass over ``sources`` (default: all enabled ones)."""
        try:
            return self.pipeline.sync_all(sources, progress=progress)
        finally:
            self.store.checkpoint()  # every write pass ends in the main file (store.wal)

    def publish_needed(self, reports=(), now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return freshness.needed(self.settings, self.store, list(reports), now)

    def republish(self, now: datetime | None = None):
        from .republish import republish  # dedupe and the renderers: only when needed

        try:
            return republish(self.settings, self.store, now or datetime.now(UTC))
        finally:
            self.store.checkpoint()

    def moderate(self, sub_id: int, action: str, *, reason: str = "",
                 form: dict[str, str] | None = None, publish: bool = True) -> list[str]:
        """Approve, reject or edit a submission of „Termin melden“, rebuild the events of
        the source ``formular`` and (``publish``) republish when they changed. Returns
        German problems; with problems nothing was changed (``service.moderation``)."""
        from .moderation import moderate

        now = datetime.now(UTC)
        problems, changed = moderate(self.settings, self.store, sub_id, action,
                                     reason=reason, form=form, now=now)
        self.store.checkpoint()
        if publish and not problems and (changed or self.publish_needed((), now)):
            self.republish(now)
        return problems

    def accept(self, source_id: str) -> bool:
        """Apply a shrink-held set of one source (the admin's override)."""
        try:
            return self.pipeline.accept(source_id)
        finally:
            self.store.checkpoint()

    def dedupe_events(self):
        """The real event dedupe over the stored inputs of the enabled sources, as the
        next publish runs it (``syncsvc explain``)."""
        from ..dedupe import dedupe_events
        from ..recur.expand import occurrences

        active = {s.id: s for s in self.settings.sources if s.enabled}
        events = [e for e in self.store.events() if e.source_id in active]
        return dedupe_events(events, active, self.settings.dedupe, self.store.memory("event"),
                             expand=occurrences)

    def dedupe_news(self):
        """The real news dedupe over the stored items: (published, matches)."""
        from ..dedupe import dedupe_news

        active = {s.id: s for s in self.settings.sources if s.enabled}
        items = [i for i in self.store.news() if i.source_id in active]
        return dedupe_news(items, active, self.settings.dedupe, self.store.memory("news"),
                           self.settings.timezone)

    def status(self) -> dict:
        return _status.read_status(self.settings)

    def app(self, *, status, metrics, healthy, admin):
        from ..serve import make_app
        from ..serve.submit import make_submit
        from ..submit.notify import announce
        from .public import public_status

        settings = self.settings
        form = make_submit(settings, notify=lambda sub_id, values: announce(
            settings, sub_id, values)) if settings.submissions.enabled else None
        return make_app(settings, status=lambda: public_status(status(), settings),
                        metrics=metrics, healthy=healthy, admin=admin, submit=form)
