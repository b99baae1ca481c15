"""One pass over the sources: fetch → parse → normalize → decide → store.

Fetches run concurrently (network-bound); parsing and storing run one source at a
time in the calling thread, so SQLite sees one writer. A failure in one source is
recorded in its status and never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from ..config import Settings, SourceConfig
from ..errors import ConfigError, FetchError, ParseError, SourceError
from ..fetch import Fetcher
from ..fetch.pool import fetch_all
from ..logs import fields
from ..models import Fetched, NotModified, Parsed, SyncReport, Validators, digest
from ..store import Store, event_from_json, event_to_json, item_from_json, item_to_json

# parse, normalize and guard (icalendar, feedparser, holidays, recurring-ical-events) are
# imported by the first source that answers with a body: a pass of 304s never needs them,
# and importing them was a third of such a pass (bench: warm ≤ 2 % of a cold pass).

log = logging.getLogger(__name__)

UNCONDITIONAL_EVERY = timedelta(days=1)  # some servers answer 304 forever
FETCH_WORKERS = 32  # at most, for slow partners; fetch.POOL_SIZE keeps one connection each


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Pipeline:
    def __init__(self, settings: Settings, store: Store, fetcher: Fetcher | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings = settings
        self.store = store
        self.fetcher = fetcher or Fetcher(settings)
        self.clock = clock

    def sync_all(self, sources: Iterable[SourceConfig] | None = None, *,
                 progress: Callable[[SyncReport], None] | None = None) -> list[SyncReport]:
        """Fetch concurrently (see fetch.pool), process each source as its fetch ends;
        the reports come back in the order of ``sources``."""
        todo = [s for s in (self.settings.sources if sources is None else sources) if s.enabled]
        self.store.sync_sources(todo)
        reports: dict[int, SyncReport] = {}
        for i, fetched in fetch_all(self._fetch, todo, max_workers=FETCH_WORKERS):
            reports[i] = report = self._process(todo[i], *fetched)
            if progress:
                progress(report)
        return [reports[i] for i in range(len(todo))]

    def sync_source(self, source: SourceConfig) -> SyncReport:
        self.store.sync_sources([source])
        return self._process(source, *self._fetch(source))

    # --- stages --------------------------------------------------------------------

    def _fetch(self, source: SourceConfig):
        """Conditional GET, except once a day (``due``) when validators are ignored."""
        row = self.store.source(source.id)
        last_full = row.get("last_unconditional") or ""
        due = (not last_full or _parse(last_full) < self.clock() - UNCONDITIONAL_EVERY
               or row.get("config_hash") != source_fingerprint(source))
        validators = self.store.validators(source.id)
        started = time.monotonic()
        result: Fetched | NotModified | FetchError
        try:
            result = self.fetcher.fetch(source, validators, force=due)
        except FetchError as e:
            result = e
        except Exception as e:  # a bug must not take the other sources down
            log.exception("unexpected fetch failure", extra=fields(source=source.id))
            result = FetchError(source.id, f"Unerwarteter Fehler beim Abruf: {e}")
        return result, time.monotonic() - started, due

    def _process(self, source: SourceConfig, result, duration: float, due: bool) -> SyncReport:
        report = SyncReport(source.id, duration_s=duration)
        now = iso(self.clock())
        try:
            if isinstance(result, FetchError):
                raise result
            if isinstance(result, NotModified):
                self._not_modified(source, report, now, duration)
            else:
                self._apply(source, result, report, now, duration, due)
        except SourceError as e:
            self._failed(source, e, report, now, duration)
        except Exception as e:  # keep the daemon alive; the message goes to status
            log.exception("unexpected failure", extra=fields(source=source.id))
            self._failed(source, SourceError(source.id, f"Interner Fehler: {e}"), report, now,
                         duration)
        return report

    def _not_modified(self, source, report, now, duration) -> None:
        report.ok = report.not_modified = True
        report.http_status = 304
        self.store.update_source(source.id, last_attempt=now, last_success=now, http_status=304,
                                 last_error="", consecutive_failures=0, gone=0)
        self.store.log_fetch(source.id, now, "not-modified", http_status=304,
                             duration_ms=int(duration * 1000))
        log.info("not modified", extra=fields(source=source.id, stage="sync",
                                              duration_ms=int(duration * 1000)))

    def _apply(self, source, fetched: Fetched, report, now, duration, due) -> None:
        from ..normalize import normalize_items

        parsed = self._parse(source, fetched.body)
        report.http_status = fetched.http_status
        report.skipped = list(parsed.skipped)
        values = {"last_attempt": now, "last_success": now, "http_status": fetched.http_status,
                  "last_error": "", "consecutive_failures": 0, "gone": 0,
                  "etag": fetched.validators.etag,
                  "last_modified": fetched.validators.last_modified,
                  "skipped_count": len(parsed.skipped),
                  "skipped_sample": "; ".join(parsed.skipped[:3])}
        if due:
            values["last_unconditional"] = now
            values["config_hash"] = source_fingerprint(source)
        if source.kind == "feed":
            self._apply_news(source, normalize_items(parsed.items, source), report, values)
        else:
            self._apply_events(source, parsed, report, values, now)
        if report.changed:
            self.store.update_source(source.id, last_change=now)
        self.store.log_fetch(source.id, now, "ok", http_status=fetched.http_status,
                             duration_ms=int(duration * 1000), size=len(fetched.body))
        report.ok = True
        log.info("synced: %d entries, %d skipped, changed=%s",
                 report.count, len(report.skipped), report.changed,
                 extra=fields(source=source.id, stage="sync", duration_ms=int(duration * 1000)))

    def _apply_events(self, source, parsed: Parsed, report, values: dict, now: str) -> None:
        from ..guard import Horizon, refuse_flooding_series, shrink_decision, upcoming_count
        from ..guard.categories import cap_categories
        from ..normalize import normalize_events

        events = normalize_events(parsed.events, source, self.settings.timezone)
        horizon = Horizon.around(self.clock(), self.settings)
        cap = self.settings.max_occurrences
        assessed = refuse_flooding_series(events, horizon, cap, self.clock())
        events, after = assessed.kept, assessed.upcoming
        events, capped = cap_categories(events)
        report.skipped += assessed.problems + capped
        values["skipped_count"] = len(report.skipped)
        values["skipped_sample"] = "; ".join(report.skipped[:3])
        future = Horizon(self.clock(), horizon.end)
        row = self.store.source(source.id)
        before = row.get("upcoming_count")
        if before is None:  # first sync after an upgrade: count what is stored
            before = upcoming_count(self.store.events(source.id), future, cap)
        held = self.store.held(source.id) if row.get("held_reason") else None
        records = sorted(event_to_json(e) for e in events) if held is not None else []
        decision = shrink_decision(before, after, self.settings, row.get("held_syncs") or 0,
                                   same_as_held=held is not None and held["records"] == records)
        if not decision.apply:
            self.store.hold(source.id, "event", records or sorted(event_to_json(e)
                                                                 for e in events), {})
            self.store.update_source(source.id, last_attempt=now, last_success=now,
                                     http_status=values["http_status"], held_count=after,
                                     held_syncs=decision.held_syncs,
                                     held_reason=decision.reason)
            report.count = len(events)
            log.warning("shrink held: %s", decision.reason, extra=fields(source=source.id))
            return
        if held is not None or row.get("held_reason"):
            self.store.release(source.id)
        values.update(held_count=0, held_syncs=0, held_reason="", upcoming_count=after)
        report.changed = self.store.replace_events(source.id, events, **values)
        report.count = len(events)

    def _apply_news(self, source, items, report, values: dict) -> None:
        """The shrink guard for feeds: a feed that lost most of its items is held."""
        from ..guard import shrink_decision

        row = self.store.source(source.id)
        held = self.store.held(source.id) if row.get("held_reason") else None
        records = sorted(item_to_json(i) for i in items)
        decision = shrink_decision(len(self.store.news(source.id)), len(items), self.settings,
                                   row.get("held_syncs") or 0, what="Nachrichten",
                                   same_as_held=held is not None and held["records"] == records)
        report.count = len(items)
        if not decision.apply:
            self.store.hold(source.id, "news", records, {})
            self.store.update_source(source.id, last_attempt=values["last_attempt"],
                                     last_success=values["last_success"],
                                     http_status=values["http_status"], held_count=len(items),
                                     held_syncs=decision.held_syncs,
                                     held_reason=decision.reason)
            log.warning("shrink held: %s", decision.reason, extra=fields(source=source.id))
            return
        if held is not None or row.get("held_reason"):
            self.store.release(source.id)
        values.update(held_count=0, held_syncs=0, held_reason="")
        report.changed = self.store.replace_news(source.id, items, **values)

    def _parse(self, source: SourceConfig, body: bytes) -> Parsed:
        if source.kind == "ics":
            from ..parse.ics import parse_ics

            return parse_ics(body, source.id, self.settings.timezone)
        if source.kind == "feed":
            from ..parse.feed import parse_feed

            return parse_feed(body, source.id, source.url)
        if source.kind == "csv":
            from ..parse.csv import parse_csv

            return parse_csv(body, source.id, self.settings.timezone)
        from ..parse import holidays as hol
        from ..parse.schedule import parse_schedule

        try:
            ranges = hol.load_school_holidays(self.settings.school_holidays, self._fetch_aux)
        except (ConfigError, FetchError) as e:
            raise ParseError(source.id, f"Ferientermine nicht verfügbar: {e}") from e
        return parse_schedule(body, source.id, self.settings.timezone, ranges,
                              hol.public_holidays_he, self.clock().date())

    def _fetch_aux(self, url: str) -> bytes:
        aux = SourceConfig(id="school-holidays", name="Schulferien", url=url, kind="ics")
        result = self.fetcher.fetch(aux, Validators(), force=True)
        return result.body  # type: ignore[union-attr]

    def _failed(self, source, err: SourceError, report, now, duration) -> None:
        row = self.store.source(source.id)
        status = getattr(err, "http_status", None)
        gone = 1 if getattr(err, "gone", False) else 0
        report.error = err.message
        report.http_status = status
        retry = getattr(err, "retry_after", None)
        self.store.update_source(
            source.id, last_attempt=now, http_status=status, last_error=err.message,
            error_count=(row.get("error_count") or 0) + 1, gone=gone,
            consecutive_failures=(row.get("consecutive_failures") or 0) + 1,
            retry_after_until=iso(self.clock() + timedelta(seconds=retry)) if retry else "",
        )
        self.store.log_fetch(source.id, now, "error", http_status=status,
                             duration_ms=int(duration * 1000), error=err.message)
        log.warning("failed: %s", err.message,
                    extra=fields(source=source.id, stage="sync", duration_ms=int(duration * 1000)))

    def accept(self, source_id: str) -> bool:
        """Admin override of the shrink guard: apply the held set now."""
        held = self.store.held(source_id)
        if held is None:
            return False
        now = iso(self.clock())
        if held["kind"] == "event":
            self.store.replace_events(source_id, [event_from_json(r) for r in held["records"]],
                                      held_count=0, held_syncs=0, held_reason="",
                                      last_change=now)
        else:
            self.store.replace_news(source_id, [item_from_json(r) for r in held["records"]],
                                    held_count=0, held_syncs=0, held_reason="", last_change=now)
        self.store.release(source_id)
        log.info("held set accepted by admin", extra=fields(source=source_id))
        return True


def source_fingerprint(source: SourceConfig) -> str:
    """What shapes a source's stored records besides its body: a change forces a refetch
    without validators, so new categories apply even while the server answers 304."""
    return digest((source.url, source.kind, source.categories))


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))

