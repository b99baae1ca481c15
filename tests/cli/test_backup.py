"""`syncsvc backup PATH` while another connection writes, and the restore of docs/admin.de.md."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from syncsvc import cli
from syncsvc.models import Event
from syncsvc.store import Store

from conftest import DATA

SOURCES = """
[[sources]]
id = "verein"
name = "Verein für Begegnung e.V."
url = "../feeds/verein.ics"
kind = "ics"
"""


def extra_events(n: int) -> list[Event]:
    """A sizeable set for the 'writer' source: the copy must see all of one version of it."""
    return [Event(source_id="writer", uid=f"w{i}@test", summary=f"Termin {i} – Größe {n}",
                  start=f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}T17:00:00Z",
                  description="Beschreibung " * 20) for i in range(n)]


@pytest.fixture
def synced(tmp_path: Path, write_config):
    """Config in tmp_path, one local ICS source synced through the CLI."""
    settings = write_config(SOURCES)
    shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics", tmp_path / "feeds" / "verein.ics")
    config = str(settings.config_path)
    assert cli.main(["--config", config, "sync"]) == 0
    store = Store(settings.database)
    store.replace_events("writer", extra_events(1000))
    store.close()
    return settings, config


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def consistent(db: Path) -> tuple[int, int]:
    """(events of 'writer', the count its sources row claims): equal in a consistent copy."""
    [(n,)] = rows(db, "SELECT COUNT(*) FROM events WHERE source_id = 'writer'")
    [(claimed,)] = rows(db, "SELECT count FROM sources WHERE id = 'writer'")
    return n, claimed


def test_backup_while_writing_is_consistent_and_restorable(tmp_path: Path, synced, capsys):
    settings, config = synced
    stop = threading.Event()
    writes: list[int] = []

    def writer() -> None:  # another connection replacing a source's set, again and again
        store = Store(settings.database)
        # like a busy daemon: recent commits live in the WAL file, not yet in the main file
        store.db.execute("PRAGMA wal_autocheckpoint=0")
        try:
            size = 1500
            deadline = time.monotonic() + 20
            while not stop.is_set() and time.monotonic() < deadline:
                size = 1200 if size == 1500 else 1500
                store.replace_events("writer", extra_events(size))
                writes.append(size)
        finally:
            store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(writes) < 2:
            time.sleep(0.01)
        target = tmp_path / "sicherung.db"
        assert cli.main(["--config", config, "backup", str(target)]) == 0
        during = len(writes)
        while len(writes) < during + 1:  # the writer kept going after the copy
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert "Sicherung geschrieben" in capsys.readouterr().out
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    n, claimed = consistent(target)
    assert n == claimed and n in (1200, 1500)  # a version the writer committed (not 1000)
    assert rows(target, "SELECT COUNT(*) FROM events WHERE source_id = 'verein'") == [(10,)]
    [(summary,)] = rows(target, "SELECT json_extract(data, '$.summary') FROM events "
                                "WHERE source_id = 'verein' AND uid = 'kurs-1@verein'")
    assert summary == "Deutschkurs Teil 1"

    # Things go wrong after the backup: the data changes, then the database is lost.
    store = Store(settings.database)
    store.drop_source_data("verein")
    store.replace_events("writer", extra_events(7))
    store.close()

    # Restore as docs/admin.de.md says: service stopped, copy over the database, drop -wal/-shm.
    db = settings.database
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(target, db)

    assert cli.main(["--config", config, "status"]) == 0
    assert "verein:" in capsys.readouterr().out
    store = Store(db)
    try:
        assert len(store.events("verein")) == 10
        assert len(store.events("writer")) == n
    finally:
        store.close()
    assert consistent(db) == (n, n)
    assert cli.main(["--config", config, "sync"]) == 0  # the service runs on it again
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_backup_into_a_folder_and_refusals(tmp_path: Path, synced, capsys):
    _, config = synced
    folder = tmp_path / "sicherungen"
    folder.mkdir()
    assert cli.main(["--config", config, "backup", str(folder)]) == 0
    [copy] = list(folder.glob("syncsvc-*.db"))
    assert rows(copy, "SELECT COUNT(*) FROM events WHERE source_id = 'verein'") == [(10,)]
    capsys.readouterr()
    assert cli.main(["--config", config, "backup", str(copy)]) == 1  # never overwrites
    assert "gibt es schon" in capsys.readouterr().err


def test_backup_without_database_says_so(tmp_path: Path, write_config, capsys):
    settings = write_config(SOURCES)
    code = cli.main(["--config", str(settings.config_path), "backup", str(tmp_path / "x.db")])
    assert code == 1
    assert "Keine Datenbank" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_backup_of_a_corrupt_database_says_so_and_writes_nothing(tmp_path: Path, write_config,
                                                                capsys):
    """Finding: backup died with a Python traceback on a corrupt database."""
    settings = write_config(SOURCES)
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    settings.database.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    code = cli.main(["--config", str(settings.config_path), "backup", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "ist beschädigt" in err and "Abschnitt 8" in err
    assert not (tmp_path / "x.db").exists()


def test_backup_into_a_missing_folder_names_it(tmp_path: Path, synced, capsys):
    _, config = synced
    missing = tmp_path / "gibt-es-nicht"
    code = cli.main(["--config", config, "backup", str(missing / "sicherung.db")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"Den Ordner {missing} gibt es nicht" in err and "mkdir -p" in err
    assert not missing.exists()


def test_backup_names_use_local_time_of_the_configured_zone(
        tmp_path: Path, write_config, monkeypatch):
    from datetime import UTC, datetime

    import syncsvc.cli.backup as backup_mod

    instants = iter([datetime(2026, 12, 1, 13, 5, 9, tzinfo=UTC),
                     datetime(2026, 12, 1, 13, 5, 10, tzinfo=UTC),
                     datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)])

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return next(instants).astimezone(tz)

    monkeypatch.setattr(backup_mod, "datetime", Clock)
    # Kiritimati (UTC+14), not Berlin: the zone comes from the config.
    settings = write_config(SOURCES, service='timezone = "Pacific/Kiritimati"\n')
    shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics", tmp_path / "feeds" / "verein.ics")
    config = str(settings.config_path)
    assert cli.main(["--config", config, "sync"]) == 0
    folder = tmp_path / "sicherungen"
    for _ in range(3):
        assert cli.main(["--config", config, "backup", f"{folder}/"]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["syncsvc-20261202-030509.db", "syncsvc-20261202-030510.db",
                     "syncsvc-20261202-230000.db"]  # local time, sorted by name = by time
