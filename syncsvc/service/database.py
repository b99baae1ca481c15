"""Opening the database for writing (`sync`, `run`, `accept`, moderation).

SQLite makes a missing file on connect, so a deleted database (an `rm`, a volume mounted
in the wrong place) used to come back empty without a word: subscribers' clients then got
new UIDs where a merged event's winner had changed, and SEQUENCE from 0 again, which a
client may take as older than the copy it has. A writer now refuses when the
database is missing, or has never published, while the output folder holds a calendar
that syncsvc published: that calendar proves there was a database. A genuinely first start
(no published calendar) creates it as before; ``fresh`` (`--neue-datenbank`) is the
deliberate new start; it takes the SEQUENCE of every published UID as the floor, so no
event is republished below what clients already saw (``seed_sequences``). A damaged file
is refused with a German sentence at start-up.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Settings
from ..errors import UserError
from ..logs import fields
from ..publish import PRODID
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
            floors = seed_sequences(store, settings)
            log.warning("Neue Datenbank %s (%s) neben veröffentlichten Kalendern: SEQUENCE "
                        "von %d Terminen aus %s übernommen", path, FRESH_FLAG, len(floors),
                        settings.output_dir, extra=fields(source="*"))
    except BaseException:
        store.close()
        raise
    return store


def seed_sequences(store: Store, settings: Settings) -> dict[str, int]:
    """UID → highest SEQUENCE in the published calendars (the unified one and each
    partner's, whose folded records have UIDs of their own), stored as the floor."""
    import icalendar  # only at a deliberate fresh start

    out = Path(settings.output_dir)
    floors: dict[str, int] = {}
    for path in [out / "calendar.ics", *sorted(out.glob("sources/*/calendar.ics"))]:
        try:
            cal = icalendar.Calendar.from_ical(path.read_bytes())
            for ev in cal.walk("VEVENT"):
                uid, seq = str(ev.get("UID", "")), int(str(ev.get("SEQUENCE", 0)))
                if uid:
                    floors[uid] = max(seq, floors.get(uid, 0))
        except Exception as e:  # noqa: BLE001 - a broken file must not stop the start
            log.warning("%s nicht lesbar, SEQUENCE daraus nicht übernommen: %s", path, e,
                        extra=fields(source="*"))
    store.seed_sequence_floors(floors)
    return floors


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
            f"{FRESH_FLAG}`) legt sie neu an und übernimmt die Versionen (SEQUENCE) aus "
            "den veröffentlichten Kalendern.")
