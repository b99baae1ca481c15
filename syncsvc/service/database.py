"""Opening the database for writing (`sync`, `run`, `accept`, moderation).

SQLite makes a missing file on connect, so a deleted database (an `rm`, a volume mounted
in the wrong place) used to come back empty without a word: subscribers' clients then got
new UIDs where a merged event's winner had changed and SEQUENCE from 0 again, which
several of them ignore as older than what they have. A writer now refuses when the
database is missing, or has never published, while the output folder holds a calendar
that syncsvc published: that calendar proves there was a database. A genuinely first start
(no published calendar) creates it as before; ``fresh`` (`--neue-datenbank`) is the
deliberate new start. A damaged file is refused with a German sentence at start-up.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Settings
from ..errors import UserError
from ..logs import fields
from ..publish.ics import PRODID
from ..store import Store
from ..store.lock import ONE_OFF

log = logging.getLogger(__name__)

FRESH_FLAG = "--neue-datenbank"
_CHUNK = 1 << 16


def open_writer(settings: Settings, *, role: str = ONE_OFF, fresh: bool = False) -> Store:
    """The single writer's store, or UserError/StoreError/LockedError in German."""
    path = Path(settings.database)
    published = published_calendar(settings)
    if published is not None and not path.exists() and not fresh:
        raise UserError(_refusal(f"Die Datenbank {path} fehlt", published))
    store = Store(path, lock=True, role=role)
    try:
        store.check()
        if published is not None and store.never_published():
            if not fresh:
                raise UserError(_refusal(f"Die Datenbank {path} hat noch nie veröffentlicht",
                                         published))
            log.warning("neue Datenbank %s neben veröffentlichten Kalendern in %s (%s)",
                        path, settings.output_dir, FRESH_FLAG, extra=fields(source="*"))
    except BaseException:
        store.close()
        raise
    return store


def published_calendar(settings: Settings) -> Path | None:
    """The output folder's calendar.ics if syncsvc published it and it holds an event."""
    path = Path(settings.output_dir) / "calendar.ics"
    try:
        with path.open("rb") as fh:
            head = fh.read(_CHUNK)
            if f"PRODID:{PRODID}".encode() not in head:
                return None
            tail = b""
            while head:  # VTIMEZONEs come first; a large calendar is never read whole
                if b"BEGIN:VEVENT" in tail + head:
                    return path
                tail, head = head[-16:], fh.read(_CHUNK)
    except OSError:
        return None
    return None


def _refusal(what: str, calendar: Path) -> str:
    return (f"{what}, aber {calendar} ist von syncsvc veröffentlicht: es gab sie also. Mit "
            "einer neuen, leeren Datenbank gingen die festen Kennungen und Versionen der "
            "veröffentlichten Termine verloren (Abonnenten sähen Termine doppelt oder "
            "Änderungen nicht), dazu zurückgehaltene Stände und der Zustand der Quellen. "
            "Bitte die letzte Sicherung zurückspielen (Handbuch, Abschnitt 8). Wer bewusst "
            f"neu anfangen will: `syncsvc sync {FRESH_FLAG}` (oder `syncsvc run "
            f"{FRESH_FLAG}`) legt sie neu an.")
