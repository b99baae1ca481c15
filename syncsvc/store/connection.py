"""Opening the SQLite file: WAL mode, migrations, and German errors.

SQLite creates a missing file on connect. Only a caller that means to create the
database gets that (``create``): a reader (`status`, /status, `sources`) that opened a
deleted database used to leave a new, empty one behind, and the next start carried on
with it as if nothing had happened.

The connection is plain ``sqlite3``; the sqlite-utils ``Database`` over it is made on
first use (``utils_database``). A pass in which every source answers 304 reads and
updates a few rows and never needs it, and importing sqlite-utils (with click, pluggy and
dateutil) was a third of that pass's CPU.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import StoreError
from .schema import migrate
from .wal import BUSY_MS

if TYPE_CHECKING:
    from sqlite_utils import Database

RESTORE = "Bitte die letzte gute Sicherung zurückspielen (Handbuch, Abschnitt 8)."


def connect(path: Path, *, create: bool) -> tuple[sqlite3.Connection, bool]:
    """A migrated connection and whether it is in WAL mode."""
    if not create and not path.is_file():
        raise StoreError(missing(path))
    uri = f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        migrate(conn)
    except sqlite3.DatabaseError as e:
        raise StoreError(problem(path, e)) from e
    return conn, mode == "wal"


def utils_database(conn: sqlite3.Connection) -> Database:
    """sqlite-utils over ``conn``, for the table operations it does well (upserts of many
    rows, lookups by key)."""
    from sqlite_utils import Database

    db = Database(conn)
    # sqlite-utils probes ON CONFLICT support by creating and dropping a scratch
    # table the first time an upsert runs: inside one of our transactions that
    # fails ("database table is locked"), and on the read-only /status path it
    # would write. SQLite has had ON CONFLICT since 3.24, so say so up front.
    if sqlite3.sqlite_version_info >= (3, 24, 0):
        db._supports_on_conflict = True  # noqa: SLF001 - sqlite-utils' cache
    else:
        db.supports_on_conflict  # noqa: B018 - probed once, outside our transactions
    return db


def rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[dict]:
    """The rows of a query as dicts by column name (what ``Database.query`` gives)."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def missing(path: Path) -> str:
    return (f"Keine Datenbank unter {path}: es wurde noch nichts abgerufen (erst `syncsvc "
            f"sync` ausführen oder den Dienst starten), oder sie wurde gelöscht. {RESTORE}")


def problem(path: Path, e: sqlite3.DatabaseError) -> str:
    """The German sentence for an SQLite error on ``path``."""
    if getattr(e, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or \
            "malformed" in str(e) or "not a database" in str(e):
        return f"Die Datenbank {path} ist beschädigt ({e}). {RESTORE}"
    return f"Die Datenbank {path} lässt sich nicht öffnen: {e}"


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Read every page once (``PRAGMA quick_check``, 0.25 s for 140 MB): a damaged table
    is found at start-up, not by a pass that then fails source by source."""
    try:
        found = [r[0] for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as e:
        raise StoreError(problem(path, e)) from e
    if found != ["ok"]:
        raise StoreError(f"Die Datenbank {path} ist beschädigt ({'; '.join(found)}). {RESTORE}")
