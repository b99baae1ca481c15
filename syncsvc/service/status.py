"""Per-source health as admins read it (CLI, /status, /admin) and Prometheus metrics."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, date, datetime

from ..config import Settings
from ..instants import local_time
from ..models import Event

__all__ = ["HEALTH_LABELS", "local_time", "read_status", "source_status", "status_document",
           "stored_events"]
from ..store import Store

# The German word for each health state: /admin, /status and the CLI all show these.
HEALTH_LABELS = {
    "ok": "in Ordnung",
    "stale": "veraltet",
    "failing": "fehlerhaft",
    "shrink-held": "zurückgehalten",
    "gone": "entfernt (HTTP 410)",
    "new": "noch nicht abgerufen",
    "disabled": "abgeschaltet",
}


def health(row: dict, settings: Settings, now: datetime, enabled: bool = True) -> str:
    if not enabled:
        return "disabled"
    if row.get("gone"):
        return "gone"
    if row.get("held_reason"):
        return "shrink-held"
    if row.get("consecutive_failures"):
        return "failing"
    last = row.get("last_success")
    if not last:
        return "new" if not row.get("last_attempt") else "failing"
    age = (now - datetime.fromisoformat(last.replace("Z", "+00:00"))).total_seconds()
    return "stale" if age > settings.stale_after_s else "ok"


def source_status(settings: Settings, store: Store, now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(UTC)
    rows = {r["id"]: r for r in store.sources()}
    out = []
    for s in settings.sources:
        row = rows.get(s.id, {})
        state = health(row, settings, now, s.enabled)
        out.append({
            "id": s.id, "name": s.name, "kind": s.kind, "health": state,
            "health_label": HEALTH_LABELS[state], "stale": state == "stale",
            "last_attempt": row.get("last_attempt") or None,
            "last_success": row.get("last_success") or None,
            "last_change": row.get("last_change") or None,
            "http_status": row.get("http_status"), "count": row.get("count") or 0,
            "skipped": row.get("skipped_count") or 0,
            "skipped_sample": row.get("skipped_sample") or "",
            "merged": row.get("merged_count") or 0,
            "held": row.get("held_reason") or "",
            "last_error": row.get("last_error") or "",
            "retry_after_until": row.get("retry_after_until") or None,
        })
    return out


def warnings(settings: Settings, today: date | None = None) -> list[str]:
    """Service-wide warnings (e.g. school holiday data running out)."""
    today = today or datetime.now(UTC).date()
    if not any(s.kind == "schedule" for s in settings.sources):
        return []
    from ..parse import holidays as hol  # only with a city schedule (not on a warm pass)

    try:
        ranges = hol.load_school_holidays(settings.school_holidays)
    except Exception as e:  # shown to the admin, never fatal
        return [f"Ferientermine nicht lesbar ({settings.school_holidays}): {e}"]
    msg = hol.coverage_warning(hol.coverage_end(ranges), today, settings.school_holidays)
    return [msg] if msg else []


def status_document(settings: Settings, store: Store, now: datetime | None = None) -> dict:
    from ..dedupe.authority import OVERRULED_META, stored_notes  # not on a warm pass's path

    return {"service": settings.name, "sources": source_status(settings, store, now),
            "warnings": warnings(settings),
            "authority_notes": stored_notes(store.meta(OVERRULED_META), settings.sources)}


def stored_events(settings: Settings, known: str | None = None
                  ) -> tuple[str, list[Event] | None]:
    """The store's data version, and its events unless the version is ``known`` (the
    admin page's weekly chart reads through this, never the store itself)."""
    with Store(settings.database, create=False) as store:
        version = store.data_version()
        return version, None if version == known else store.events()


def read_status(settings: Settings) -> dict:
    """The status document from a connection of its own: safe to call from HTTP threads
    while the scheduler writes (WAL lets readers in)."""
    with Store(settings.database, create=False) as store:
        return status_document(settings, store)


class Metrics:
    """In-process counters for /metrics (fetches and their durations per source)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fetches: dict[tuple[str, str], int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.last_success: float = 0.0
        self.published_events = 0
        self.merges = 0

    def observe(self, reports) -> None:
        with self._lock:
            for r in reports:
                outcome = "error" if not r.ok else ("not_modified" if r.not_modified else "ok")
                self.fetches[(r.source_id, outcome)] += 1
                self.seconds[r.source_id] += r.duration_s
            if any(r.ok for r in reports):
                self.last_success = datetime.now(UTC).timestamp()

    def render(self) -> str:
        lines = ["# HELP syncsvc_fetch_total Fetch attempts per source and outcome.",
                 "# TYPE syncsvc_fetch_total counter"]
        with self._lock:
            for (src, outcome), n in sorted(self.fetches.items()):
                lines.append(f'syncsvc_fetch_total{{source="{src}",outcome="{outcome}"}} {n}')
            lines += ["# HELP syncsvc_fetch_seconds_total Time spent fetching per source.",
                      "# TYPE syncsvc_fetch_seconds_total counter"]
            for src, secs in sorted(self.seconds.items()):
                lines.append(f'syncsvc_fetch_seconds_total{{source="{src}"}} {secs:.3f}')
            lines += ["# HELP syncsvc_events_published Events in calendar.ics.",
                      "# TYPE syncsvc_events_published gauge",
                      f"syncsvc_events_published {self.published_events}",
                      "# HELP syncsvc_merges Entries merged into another source's event.",
                      "# TYPE syncsvc_merges gauge", f"syncsvc_merges {self.merges}",
                      "# HELP syncsvc_last_success_timestamp_seconds Last successful sync.",
                      "# TYPE syncsvc_last_success_timestamp_seconds gauge",
                      f"syncsvc_last_success_timestamp_seconds {self.last_success:.0f}"]
        return "\n".join(lines) + "\n"
