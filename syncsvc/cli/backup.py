"""Online, consistent copy of the database with SQLite's backup API."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import UserError
from ..logs import fields

log = logging.getLogger(__name__)


def backup(database: Path, target: Path | str, timezone: str) -> Path:
    """Copy ``database`` to ``target`` while the service may be writing; returns the path.

    A target folder gets a file name with the local time in ``timezone`` (the admin's
    cron and restore examples read it that way), ``syncsvc-YYYYMMDD-HHMMSS.db``: names
    sort by time, except within the hour that repeats when summer time ends. The copy is
    checked with ``PRAGMA integrity_check`` before it is reported as done.
    """
    if not Path(database).exists():
        raise UserError(f"Keine Datenbank unter {database} – es gibt nichts zu sichern.")
    if str(target).endswith(("/", "\\")):  # "backups/" names a folder, even a new one
        Path(target).mkdir(parents=True, exist_ok=True)
    target = Path(target)
    if target.is_dir():
        target = target / f"syncsvc-{datetime.now(ZoneInfo(timezone)):%Y%m%d-%H%M%S}.db"
    if target.exists():
        raise UserError(f"{target} gibt es schon – bitte einen neuen Dateinamen angeben.")
    folder = target.parent
    if not folder.is_dir():
        raise UserError(f"Den Ordner {folder} gibt es nicht – die Sicherung wurde nicht "
                        f"geschrieben. Bitte den Ordner anlegen (mkdir -p {folder}) oder "
                        "einen vorhandenen angeben.")
    src = sqlite3.connect(str(database), timeout=30)
    try:
        dst = sqlite3.connect(str(target))
    except sqlite3.Error as e:  # e.g. no write permission in the folder
        src.close()
        raise UserError(f"{target} lässt sich nicht anlegen – darf syncsvc in den "
                        f"Ordner {folder} schreiben?") from e
    try:
        src.backup(dst)
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as e:  # the database itself is damaged
        dst.close()
        target.unlink(missing_ok=True)
        raise UserError(f"Die Datenbank {database} ist beschädigt ({e}) – es wurde keine "
                        "Sicherung geschrieben. Die letzte gute Sicherung zurückspielen "
                        "(Handbuch, Abschnitt 8).") from e
    finally:
        dst.close()
        src.close()
    if ok != "ok":
        target.unlink(missing_ok=True)
        raise UserError(f"Sicherung fehlerhaft ({ok}) – bitte erneut versuchen.")
    log.info("backup written to %s", target, extra=fields(source="*"))
    return target
