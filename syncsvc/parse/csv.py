"""Spreadsheet source (``kind = "csv"``): partners without a calendar keep a table in Excel.

Excel (German) saves ``;``-separated Windows-1252 with dates as TT.MM.JJJJ; LibreOffice
saves UTF-8 with ``,``. Both are accepted: the encoding is tried as UTF-8 first, the
delimiter is detected with ``csv.Sniffer``. Columns are matched by their German header
(case and surrounding spaces ignored). A bad row is skipped with a German sentence naming
the row, never the whole file. UIDs derive from the row's title, date, start and place, so
a re-saved sheet republishes the same events and an edited description keeps its UID.

``raw_event`` turns one row (header → text) into a ``RawEvent``; the submission form uses
it too, so both paths read dates and times the same way.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ParseError
from ..models import Parsed, RawEvent

COLUMNS = ("Titel", "Datum", "Beginn", "Ende", "Ganztägig", "Ort", "Beschreibung", "Link",
           "Kategorie")
REQUIRED = ("Titel", "Datum")
MAX_ROWS = 5000
_YES = {"ja", "j", "x", "1", "true", "wahr", "yes"}
_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$", re.IGNORECASE)


def parse_csv(body: bytes, source_id: str, default_tz: str) -> Parsed:
    """Rows of a spreadsheet → events; rows that cannot be read are listed in ``skipped``."""
    reader = _reader(_decode(body, source_id), source_id)
    header = {_key(h): h for h in (reader.fieldnames or [])}
    missing = [c for c in REQUIRED if _key(c) not in header]
    if missing:
        raise ParseError(source_id, "Tabelle ohne Spalte(n) " + ", ".join(
            f"„{c}“" for c in missing) + f"; erwartet werden {', '.join(COLUMNS)}.")
    events: list[RawEvent] = []
    skipped: list[str] = []
    for n, row in enumerate(reader, start=2):  # row 1 is the header, as Excel counts
        if n > MAX_ROWS + 1:
            skipped.append(f"Ab Zeile {n}: mehr als {MAX_ROWS} Zeilen, Rest nicht gelesen.")
            break
        values = {c: (row.get(header.get(_key(c), ""), "") or "").strip() for c in COLUMNS}
        if not any(values.values()):
            continue  # empty lines at the end of a sheet
        try:
            events.append(raw_event(values, source_id, default_tz))
        except ValueError as e:
            skipped.append(f"Zeile {n} übersprungen: {e}")
    return Parsed(events=tuple(events), skipped=tuple(skipped))


def raw_event(values: dict[str, str], source_id: str, default_tz: str) -> RawEvent:
    """One row (German column → text) → RawEvent; ValueError with a German reason."""
    title = values.get("Titel", "").strip()
    if not title:
        raise ValueError("„Titel“ ist leer.")
    day = parse_date(values.get("Datum", ""))
    all_day = values.get("Ganztägig", "").strip().lower() in _YES
    begin, end = values.get("Beginn", "").strip(), values.get("Ende", "").strip()
    start: date | datetime
    stop: date | datetime | None
    if all_day or not begin:
        start, stop = day, day + timedelta(days=1)
    else:
        zone = ZoneInfo(default_tz)
        start = datetime.combine(day, parse_time(begin, "Beginn"), zone)
        stop = datetime.combine(day, parse_time(end, "Ende"), zone) if end else None
        if stop is not None and stop <= start:
            stop += timedelta(days=1)  # 20:00–01:00 ends the next morning
    place = values.get("Ort", "").strip()
    category = values.get("Kategorie", "").strip()
    return RawEvent(
        uid=row_uid(source_id, title, start, place), summary=title, start=start, end=stop,
        description=values.get("Beschreibung", ""), location=place,
        url=values.get("Link", "").strip(), tzid=default_tz,
        categories=(category,) if category else (),
    )


def parse_date(text: str) -> date:
    text = text.strip()
    m = _DE_DATE.match(text)
    parts: tuple[str, ...] | None = (m.group(3), m.group(2), m.group(1)) if m else None
    if parts is None and (m := _ISO_DATE.match(text)):
        parts = m.groups()
    if parts is None:
        raise ValueError(f"„Datum“ „{text[:40]}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT).")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(f"„Datum“ „{text[:40]}“ gibt es nicht.") from None


def parse_time(text: str, column: str) -> time:
    m = _TIME.match(text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"„{column}“ „{text[:20]}“ ist keine Uhrzeit (HH:MM).")
    return time(int(m.group(1)), int(m.group(2)))


def row_uid(source_id: str, title: str, start: date | datetime, place: str) -> str:
    key = f"{source_id}\x1f{title}\x1f{start.isoformat()}\x1f{place}"
    return f"row-{hashlib.sha256(key.encode()).hexdigest()[:24]}@{source_id}"


def _decode(body: bytes, source_id: str) -> str:
    if not body.strip():
        raise ParseError(source_id, "Datei ist leer (keine Tabelle).")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")  # what German Excel writes
    if "\x00" in text or text.lstrip().startswith("<"):
        raise ParseError(source_id, "Datei ist keine CSV-Tabelle.")
    return text


def _reader(text: str, source_id: str) -> csv.DictReader:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,")
    except csv.Error:
        dialect = csv.excel if sample.count(",") > sample.count(";") else _Semicolon
    return csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)


class _Semicolon(csv.excel):
    delimiter = ";"


def _key(name: str) -> str:
    return (name or "").strip().lstrip("\ufeff").casefold()
