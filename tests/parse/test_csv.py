"""CSV source: golden files as Excel (German) and LibreOffice write them, a broken row,
and a sync that publishes spreadsheet rows like any source's events."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest

from syncsvc.cli import main
from syncsvc.errors import ParseError
from syncsvc.parse.csv import parse_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"


def _doc(parsed) -> dict:
    return {"events": [{"uid": e.uid, "summary": e.summary, "start": e.start.isoformat(),
                        "end": e.end.isoformat() if e.end else None, "location": e.location,
                        "description": e.description, "url": e.url,
                        "categories": list(e.categories)} for e in parsed.events],
            "skipped": list(parsed.skipped)}


@pytest.mark.parametrize("name", ["excel-de", "libreoffice", "broken-row"])
def test_golden(name):
    parsed = parse_csv((DATA / f"{name}.csv").read_bytes(), "partner", "Europe/Berlin")
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert _doc(parsed) == expected


def test_excel_file_really_is_windows_1252_and_semicolons():
    raw = (DATA / "excel-de.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    parsed = parse_csv(raw, "partner", "Europe/Berlin")
    assert parsed.events[0].location == "Bürgerhaus „Löwen“, Idstein"
    assert parsed.events[1].description == "Mit Musik; Essen und Spielen"


def test_broken_rows_are_named():
    parsed = parse_csv((DATA / "broken-row.csv").read_bytes(), "p", "Europe/Berlin")
    assert [e.summary for e in parsed.events] == ["Gültiger Termin"]
    assert [s.split(" ")[1] for s in parsed.skipped] == ["3", "4", "5"]


def test_uid_is_stable_per_row_and_ignores_description():
    a = parse_csv(b"Titel;Datum;Beschreibung\nA;01.05.2026;eins\n", "p", "Europe/Berlin")
    b = parse_csv(b"Titel,Datum,Beschreibung\nA,2026-05-01,zwei\n", "p", "Europe/Berlin")
    c = parse_csv(b"Titel;Datum\nA;02.05.2026\n", "p", "Europe/Berlin")
    assert a.events[0].uid == b.events[0].uid != c.events[0].uid


def test_missing_title_column_refuses_the_file():
    with pytest.raises(ParseError, match="„Titel“"):
        parse_csv(b"Name;Datum\nA;01.05.2026\n", "p", "Europe/Berlin")


def test_sync_publishes_csv_rows(write_config, tmp_path, capsys):
    day = date.today() + timedelta(days=10)
    rows = ("Titel;Datum;Beginn;Ende;Ort;Beschreibung;Link\r\n"
            f"Kochabend „Heimat“;{day:%d.%m.%Y};18:30;21:00;Küche im Löwen;"
            "<b>Alle</b> <img src=x onerror=alert(1)>;javascript:alert(1)\r\n")
    (tmp_path / "feeds" / "tabelle.csv").write_bytes(rows.encode("cp1252"))
    settings = write_config(sources="""
        [[sources]]
        id = "tabelle"
        name = "Verein mit Tabelle"
        url = "../feeds/tabelle.csv"
        kind = "csv"
        """)
    assert main(["sync", "--config", str(settings.config_path)]) == 0
    cal = icalendar.Calendar.from_ical((settings.output_dir / "calendar.ics").read_bytes())
    events = [c for c in cal.walk("VEVENT") if str(c["SUMMARY"]) == "Kochabend „Heimat“"]
    assert len(events) == 1
    ev = events[0]
    assert ev.decoded("DTSTART").hour == 18 and str(ev["LOCATION"]) == "Küche im Löwen"
    assert "onerror" not in ev.to_ical().decode() and "javascript" not in ev.to_ical().decode()
    doc = json.loads((settings.output_dir / "events.json").read_text(encoding="utf-8"))
    assert "Kochabend „Heimat“" in json.dumps(doc, ensure_ascii=False)
