"""The write-ahead log: committed data into the main file at the end of every write pass.

In WAL mode a commit lands in ``<database>-wal``; SQLite copies it into the main file
(a checkpoint) on its own only once the log holds 1,000 pages, and on a clean close. A
small database could therefore live in the log for weeks, and an ``rm syncsvc.db-wal``
(it looks like a temporary file) followed by a kill or a crash lost everything: the main
file did not even hold the tables. So every write pass ends with a checkpoint.

Deleting the log under a running process is worse than a crash: the connection keeps
writing into the unlinked file, which no other connection sees (they open a new, empty
log next to a wal-index that points into the old one and fail with „disk I/O error“)
and which vanishes with the process. The end of the pass notices that the file at the
path is no longer the one that was opened, copies everything into the main file and
opens the connection again, which starts a new log.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from ..logs import fields

log = logging.getLogger(__name__)

FileId = tuple[int, int]  # st_dev, st_ino
BUSY_MS = 30_000  # how long a writer waits for another (store.connection)
WAIT_MS = 1_000  # how long the checkpoint at the end of a pass waits for readers


def wal_path(database: Path | str) -> Path:
    return Path(f"{database}-wal")


def file_id(path: Path) -> FileId | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def end_of_pass(conn: sqlite3.Connection, database: Path, opened: FileId | None) -> bool:
    """Checkpoint ``conn`` (``opened``: the log it opened, None outside WAL mode); True
    when the log was deleted under it and everything is in the main file now, so the
    caller may open the connection again (which starts a new log; ``reopened``)."""
    vanished = opened is not None and file_id(wal_path(database)) != opened
    try:
        # TRUNCATE: every committed page into the main file, the log emptied. It waits
        # for readers of older pages (/status, the form: milliseconds), but at most
        # WAIT_MS, not the 30 s writers wait: then it copies what it can, as PASSIVE
        # does, reports busy, and the next pass finishes the job.
        conn.execute(f"PRAGMA busy_timeout={WAIT_MS}")
        try:
            busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    except sqlite3.DatabaseError as e:  # the data stays in the log until the next pass
        log.warning("Checkpoint der Datenbank %s fehlgeschlagen: %s", database, e,
                    extra=fields(source="*", stage="store"))
        return False
    if vanished and busy:
        log.warning("Das Schreibprotokoll %s wurde gelöscht; ein Leser hält es noch, der "
                    "nächste Durchlauf versucht es erneut.", wal_path(database),
                    extra=fields(source="*", stage="store"))
    return vanished and not busy


def reopened(database: Path | str) -> None:
    log.warning(f"Das Schreibprotokoll {wal_path(database)} wurde gelöscht, während "
                "syncsvc lief. Alle Änderungen sind in die Datenbank übernommen, ein neues "
                "Schreibprotokoll ist angelegt. Die Dateien -wal und -shm neben der "
                "Datenbank gehören zu ihr: bitte nie löschen, solange syncsvc läuft.",
                extra=fields(source="*", stage="store"))


def database_gone(database: Path | str) -> None:
    """The log went with the database file itself: a new connection would open an empty
    database (or someone else's) at the path, so this one stays on the data it has."""
    log.error(f"Die Datenbank {database} wurde gelöscht oder ersetzt, während syncsvc lief. "
              "Der Dienst arbeitet mit den geöffneten Daten weiter, aber sie gehen beim "
              "Beenden verloren: bitte die letzte Sicherung zurückspielen (Handbuch, "
              "Abschnitt 8) und den Dienst neu starten.",
              extra=fields(source="*", stage="store"))
