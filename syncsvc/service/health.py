"""What ``/healthz`` answers: is this service doing its job, as a supervisor needs to know.

"The scheduler thread exists" was all it checked, so it said 200 while a job hung, while
the database file was deleted or corrupt, and while every publish failed. Now each of
those makes it 503, with the German reason in the log (the public answer stays one word).
The database is read through its own read-only connection: it never creates a missing
file (sqlite would, silently and empty) and never shares the scheduler's connection.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote


class Heartbeat:
    """When the scheduler last showed progress (a tick, a synced source, a publish)."""

    def __init__(self) -> None:
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def beat(self, *_: object) -> None:  # usable as a progress callback
        with self._lock:
            self._at = time.monotonic()

    def age_s(self) -> float:
        with self._lock:
            return time.monotonic() - self._at


def stall_limit_s(total_timeout_s: float) -> float:
    """How long without progress counts as stalled: longer than any one source may take
    (its fetch deadline, parsing within the CPU budget) and than a large publish."""
    return max(600.0, 4 * total_timeout_s)


def database_problems(path: Path) -> list[str]:
    """German reasons the database is unusable or publishing fails; empty when fine."""
    if not Path(path).is_file():
        return [f"Datenbank {path} fehlt"]
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=5)
        try:
            rows = dict(conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('publish_error')").fetchall())
        finally:
            conn.close()
    except sqlite3.Error as e:
        return [f"Datenbank {path} nicht lesbar: {e}"]
    error = str(rows.get("publish_error") or "")
    return [f"Veröffentlichen schlägt fehl: {error}"] if error else []


def problems(thread: threading.Thread | None, heartbeat: Heartbeat, limit_s: float,
             database: Path, overdue: list[str] | None = None) -> list[str]:
    """Every reason the service is unhealthy right now; ``overdue``: the scheduler's jobs
    that have not run for far too long (``timers.Timers.overdue``, on the monotonic
    clock: a loop that ticks but never runs a job is stalled too)."""
    found = []
    if thread is None or not thread.is_alive():
        found.append("der Zeitplan (Scheduler) läuft nicht")
    elif heartbeat.age_s() > limit_s:
        found.append(f"der Zeitplan hängt: seit {heartbeat.age_s():.0f} s kein Fortschritt")
    else:
        found += overdue or []
    return found + database_problems(database)
