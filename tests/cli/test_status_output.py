"""`syncsvc status` and `sources` speak like /admin: local time, German health states."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from syncsvc import cli
from syncsvc.service.status import HEALTH_LABELS

from conftest import DATA

SOURCES = """
[[sources]]
id = "verein"
name = "Verein für Begegnung"
url = "../feeds/verein.ics"
kind = "ics"

[[sources]]
id = "kaputt"
name = "Kaputter Partner"
url = "../feeds/kaputt.ics"
kind = "ics"
"""


@pytest.fixture
def synced(write_config, tmp_path):
    """Two synced sources in a zone far from UTC (and from Berlin): one good, one failing."""
    shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics", tmp_path / "feeds" / "verein.ics")
    (tmp_path / "feeds" / "kaputt.ics").write_text("<html>Wartung</html>")
    settings = write_config(SOURCES, service='timezone = "Pacific/Kiritimati"\n')
    conf = ["--config", str(settings.config_path)]
    assert cli.main([*conf, "sync"]) == 0
    return settings, conf


def set_times(db, source: str, attempt: str, success: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE sources SET last_attempt = ?, last_success = ? WHERE id = ?",
                     (attempt, success, source))
    conn.close()


def test_status_shows_local_time_and_german_states(synced, capsys):
    settings, conf = synced
    # Kiritimati is UTC+14: 13:05 UTC on 1 December is 03:05 on 2 December there.
    set_times(settings.database, "verein", "2025-12-01T13:05:00Z", "2025-12-01T13:05:00Z")
    capsys.readouterr()
    assert cli.main([*conf, "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    verein = next(line for line in lines if line.startswith("verein: "))
    assert "Versuch 02.12.2025, 03:05 Uhr, Erfolg 02.12.2025, 03:05 Uhr" in verein
    assert verein.startswith("verein: veraltet, ")  # the fixed success lies in the past
    kaputt = next(line for line in lines if line.startswith("kaputt: "))
    assert kaputt.startswith("kaputt: fehlerhaft, ") and "Erfolg –" in kaputt
    assert "T13:05" not in "\n".join(lines) and "failing" not in "\n".join(lines)


def test_sources_table_shows_local_time_and_german_states(synced, capsys):
    settings, conf = synced
    capsys.readouterr()
    assert cli.main([*conf, "sources"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].startswith("verein") and f"  {HEALTH_LABELS['ok']}  " in table[1]
    assert table[2].startswith("kaputt") and f"  {HEALTH_LABELS['failing']}  " in table[2]
    assert " Uhr " in table[1] and "Z " not in table[1]

    set_times(settings.database, "verein", "2025-07-01T22:30:00Z", "2025-07-01T22:30:00Z")
    assert cli.main([*conf, "sources"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert "veraltet" in row and "02.07.2025, 12:30 Uhr" in row
