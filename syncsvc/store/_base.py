"""Connection, lock, sources and entries.

One transaction per source: a successful fetch replaces that source's set (upsert what
is there, delete what vanished); a failure only changes the source's error state, so the
last good data stays published.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..logs import fields as log_fields
from ..models import Event, NewsItem, Validators
from . import lock as _lock
from . import wal
from .codec import event_from_json, event_to_json, item_from_json, item_to_json
from .connection import connect, missing, quick_check, rows, utils_database
from .lock import ONE_OFF, LockHolder, holder_of

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger(__name__)

class BaseStore:
    """SQLite state of the service (WAL mode, migrated on open)."""

    def __init__(self, path: Path | str, *, lock: bool = False, role: str = ONE_OFF,
                 create: bool = True):
        """``lock``: the single writer (``store.lock``); ``create``: make the file when
        it is missing (else StoreError, see ``store.connection``)."""
        self.path = Path(path)
        self._create = create
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.is_file():
            raise StoreError(missing(self.path))
        self._lock: _lock.Lock | None = None
        self._source_columns: set[str] | None = None
        if lock:
            self._lock = _lock.acquire(self.path, role)
        self._wal_id: wal.FileId | None = None
        self._db_id: wal.FileId | None = None
        try:
            self._connect()
        except BaseException:
            self._release()
            raise

    def _connect(self) -> None:
        self.conn, in_wal = connect(self.path, create=self._create)
        self._db: Database | None = None
        self._db_id = wal.file_id(self.path)
        # the log this connection writes into (None: not in WAL mode, e.g. on a file
        # system without shared memory, where SQLite keeps its rollback journal)
        self._wal_id = wal.file_id(wal.wal_path(self.path)) if in_wal else None

    @property
    def db(self) -> Database:
        """sqlite-utils over this connection, made when first asked for (bulk upserts):
        a pass where every source answers 304 gets by without importing it."""
        if self._db is None:
            self._db = utils_database(self.conn)
        return self._db

    def _query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict]:
        return rows(self.conn, sql, params)

    def check(self) -> None:
        """Raise StoreError (German) when a page of the database is damaged."""
        quick_check(self.conn, self.path)

    def never_published(self) -> bool:
        """Nothing was ever published from this database (published rows are kept), and
        it was not started deliberately next to earlier outputs (``sequence_floor``)."""
        return not list(self._query("SELECT 1 FROM published UNION ALL "
                                    "SELECT 1 FROM sequence_floor LIMIT 1"))

    def checkpoint(self) -> None:
        """End of a write pass: everything committed into the main file (``store.wal``);
        a log deleted under this connection is replaced by a new one, a deleted database
        file is reported, never replaced by an empty one."""
        gone = wal.file_id(self.path) != self._db_id  # a new connection would not see it
        if wal.end_of_pass(self.conn, self.path, self._wal_id) and not gone:
            self.conn.close()
            self._connect()
            wal.reopened(self.path)
        if gone:
            wal.database_gone(self.path)  # every pass, until someone acts
        if self._lock is not None and _lock.restore(self._lock):
            log.warning("Die Sperrdatei %s war gelöscht und ist neu geschrieben.",
                        _lock.lock_path(self.path), extra=log_fields(source="*", stage="store"))

    @staticmethod
    def lock_holder(path: Path | str) -> LockHolder | None:
        """Who holds (or last held) the database lock, if the lock file is readable."""
        return holder_of(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()
        self._release()

    def _release(self) -> None:
        """After the connection: closing the database descriptor earlier would drop
        SQLite's own locks of this process (``store.lock``)."""
        if self._lock is not None:
            _lock.release(self._lock)
            self._lock = None

    # --- sources -------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Make the sources table know every configured source (config → rows)."""
        with self.conn:
            for s in sources:
                self._set_source(s.id, {"name": s.name, "kind": s.kind, "url": s.url})

    def _set_source(self, source_id: str, values: dict[str, Any]) -> None:
        """Upsert one sources row in plain SQL (call inside a transaction).

        sqlite-utils' upsert introspects the table on every call; at 1,000 sources that
        was most of the CPU of a pass where every source answered 304.
        """
        if self._source_columns is None:
            self._source_columns = {r[1] for r in self.conn.execute("PRAGMA table_info(sources)")}
        unknown = set(values) - self._source_columns
        if unknown:
            raise StoreError(f"sources: unbekannte Spalten {sorted(unknown)}")
        names = ["id", *values]  # validated against the schema above: safe to format
        updates = ", ".join(f"{k} = excluded.{k}" for k in values) or "id = excluded.id"
        self.conn.execute(
            f"INSERT INTO sources ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            f" ON CONFLICT(id) DO UPDATE SET {updates}", [source_id, *values.values()])

    def source(self, source_id: str) -> dict:
        found = list(self._query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return found[0] if found else {"id": source_id}

    def sources(self) -> list[dict]:
        return list(self._query("SELECT * FROM sources ORDER BY id"))

    def validators(self, source_id: str) -> Validators:
        row = self.source(source_id)
        return Validators(etag=row.get("etag") or "", last_modified=row.get("last_modified") or "")

    def update_source(self, source_id: str, **values: Any) -> None:
        with self.conn:
            self._set_source(source_id, values)

    def meta(self, key: str, default: str = "") -> str:
        found = list(self._query("SELECT value FROM meta WHERE key = ?", [key]))
        return found[0]["value"] if found else default

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])

    # --- publish bookkeeping ---------------------------------------------------------
    # Every change of stored entries bumps data_version in its own transaction; a publish
    # records the version it was built from. A pass (or start-up) that finds them apart
    # republishes, so a publish that failed (disk full) or was killed after the commit is
    # retried instead of leaving outputs stale until the next data change.

    def data_version(self) -> str:
        return str(self.meta("data_version", "0"))

    def published_version(self) -> str:
        return str(self.meta("published_version", "0"))

    def mark_published(self, version: str) -> None:
        self.set_meta("published_version", version)

    def _bump_data_version(self) -> None:
        """Call inside the transaction that changes entries."""
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('data_version', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")

    def log_fetch(self, source_id: str, at: str, outcome: str, *, http_status: int | None,
                  duration_ms: int, size: int = 0, error: str = "") -> None:
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO fetch_log (source_id, at, outcome, http_status, duration_ms, "
                "bytes, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [source_id, at, outcome, http_status, duration_ms, size, error])
            assert cur.lastrowid is not None  # set by the INSERT just executed
            if cur.lastrowid % 50 == 0:  # keep the log bounded: newest 200 rows per source
                self.conn.execute(
                    "DELETE FROM fetch_log WHERE source_id = ? AND id NOT IN (SELECT id FROM "
                    "fetch_log WHERE source_id = ? ORDER BY id DESC LIMIT 200)",
                    [source_id, source_id])

    # --- entries -------------------------------------------------------------------

    def replace_events(self, source_id: str, events: Sequence[Event], **source_values: Any) -> bool:
        """Replace one source's events in one transaction; True if anything changed."""
        rows = {e.key: e for e in events}
        with self.conn:
            old = {(r["uid"], r["recurrence_id"]): r["hash"] for r in self._query(
                "SELECT uid, recurrence_id, hash FROM events WHERE source_id = ?", [source_id])}
            new = {(k[1], k[2]): e.content_hash() for k, e in rows.items()}
            changed = old != new
            if changed:
                gone = [k for k in old if k not in new]
                self.conn.executemany(
                    "DELETE FROM events WHERE source_id = ? AND uid = ? AND recurrence_id = ?",
                    [(source_id, u, r) for u, r in gone],
                )
                self.db.table("events").upsert_all(
                    ({"source_id": source_id, "uid": e.uid, "recurrence_id": e.recurrence_id,
                      "start": e.start, "hash": new[(e.uid, e.recurrence_id)],
                      "data": event_to_json(e)} for e in rows.values()
                     if old.get((e.uid, e.recurrence_id)) != new[(e.uid, e.recurrence_id)]),
                    pk=("source_id", "uid", "recurrence_id"),
                )
                self._bump_data_version()
            self._set_source(source_id, {"count": len(rows), **source_values})
        return changed

    def replace_news(self, source_id: str, items: Sequence[NewsItem], **source_values: Any) -> bool:
        rows = {i.guid: i for i in items}
        with self.conn:
            old = {r["guid"]: r["hash"] for r in self._query(
                "SELECT guid, hash FROM news WHERE source_id = ?", [source_id])}
            new = {g: i.content_hash() for g, i in rows.items()}
            changed = old != new
            if changed:
                self.conn.executemany(
                    "DELETE FROM news WHERE source_id = ? AND guid = ?",
                    [(source_id, g) for g in old if g not in new],
                )
                self.db.table("news").upsert_all(
                    ({"source_id": source_id, "guid": g, "published": i.published,
                      "hash": new[g], "data": item_to_json(i)}
                     for g, i in rows.items() if old.get(g) != new[g]),
                    pk=("source_id", "guid"),
                )
                self._bump_data_version()
            self._set_source(source_id, {"count": len(rows), **source_values})
        return changed

    def events(self, source_id: str | None = None) -> list[Event]:
        where, args = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
        return [event_from_json(r["data"]) for r in self._query(
            f"SELECT data FROM events {where} ORDER BY source_id, uid, recurrence_id", args)]

    def news(self, source_id: str | None = None) -> list[NewsItem]:
        where, args = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
        return [item_from_json(r["data"]) for r in self._query(
            f"SELECT data FROM news {where} ORDER BY source_id, guid", args)]

    def drop_source_data(self, source_id: str) -> None:
        """Remove a source's entries (used when an admin removes it from the config)."""
        with self.conn:
            for table in ("events", "news", "pending"):
                self.conn.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])
            self.conn.execute("DELETE FROM sources WHERE id = ?", [source_id])
            self._bump_data_version()
