"""Start-up on a missing, empty or damaged database (issue 15, storage findings).

Real SQLite files and the real commands: `syncsvc sync` through ``cli.main``, `syncsvc run`
as a subprocess (it must refuse before it serves anything).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import icalendar
from test_cli import configured  # noqa: F401 - the fixture

from syncsvc import cli


def _database(tmp_path: Path) -> Path:
    return tmp_path / "var" / "syncsvc.db"


def _delete(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _run(conf: list[str], *extra: str) -> subprocess.CompletedProcess:
    """`syncsvc run` that is expected to refuse at once (a timeout means it started)."""
    return subprocess.run([sys.executable, "-m", "syncsvc", *conf, "run", *extra],
                          capture_output=True, text=True, timeout=60)


def _events(tmp_path: Path) -> int:
    cal = icalendar.Calendar.from_ical((tmp_path / "public" / "calendar.ics").read_bytes())
    return len(cal.walk("VEVENT"))


def test_deleted_database_is_not_silently_recreated_empty(configured, capsys):  # noqa: F811
    """Finding: „a deleted database file is silently recreated empty“. SQLite creates a
    missing file on connect, so after an `rm` (or a volume mounted at the wrong place)
    sync and the daemon started over with an empty database: new UIDs where winners had
    changed, SEQUENCE from 0, held sets and partner state gone, and nobody was told."""
    tmp_path, conf = configured
    db = _database(tmp_path)
    assert cli.main([*conf, "sync"]) == 0
    assert _events(tmp_path) == 10
    _delete(db)
    capsys.readouterr()

    assert cli.main([*conf, "sync"]) == 1
    err = capsys.readouterr().err
    assert f"Die Datenbank {db} fehlt" in err and "--neue-datenbank" in err
    assert not db.exists(), "sync created a new database after all"

    refused = _run(conf)
    assert refused.returncode == 1, refused.stderr
    assert f"Die Datenbank {db} fehlt" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not db.exists()

    assert cli.main([*conf, "status"]) == 1  # readers never create it either
    assert "Keine Datenbank" in capsys.readouterr().err
    assert not db.exists()

    assert cli.main([*conf, "sync", "--neue-datenbank"]) == 0  # deliberately fresh
    assert db.exists() and _events(tmp_path) == 10
    assert cli.main([*conf, "sync"]) == 0  # and from then on an ordinary database


def test_empty_database_next_to_published_outputs_is_refused(configured, capsys):  # noqa: F811
    """A database that exists but never published anything, next to a published calendar,
    is as new as a missing one (e.g. created by the form while the real one was gone)."""
    tmp_path, conf = configured
    db = _database(tmp_path)
    assert cli.main([*conf, "sync"]) == 0
    _delete(db)
    sqlite3.connect(db).close()  # an empty file where the database was
    capsys.readouterr()
    assert cli.main([*conf, "sync"]) == 1
    err = capsys.readouterr().err
    assert f"Die Datenbank {db} hat noch nie veröffentlicht" in err
    assert "--neue-datenbank" in err


def test_first_start_without_outputs_creates_the_database(configured, capsys):  # noqa: F811
    tmp_path, conf = configured
    assert not _database(tmp_path).exists() and not (tmp_path / "public").exists()
    assert cli.main([*conf, "sync"]) == 0
    assert _database(tmp_path).exists() and _events(tmp_path) == 10


def test_corrupt_database_at_start_gives_a_german_error(configured, capsys):  # noqa: F811
    """Start-up on a damaged file: a German sentence with what to do, no traceback; a
    damaged table page (the header intact, so SQLite opens the file) included."""
    tmp_path, conf = configured
    db = _database(tmp_path)
    assert cli.main([*conf, "sync"]) == 0
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * size:root * size] = b"\x5a" * size
    db.write_bytes(bytes(data))
    capsys.readouterr()

    assert cli.main([*conf, "sync"]) == 1
    err = capsys.readouterr().err
    assert f"Die Datenbank {db} ist beschädigt" in err and "Sicherung" in err
    refused = _run(conf)
    assert refused.returncode == 1
    assert f"Die Datenbank {db} ist beschädigt" in refused.stderr
    assert "Traceback" not in refused.stderr

    db.write_bytes(b"kein SQLite" * 1000)  # not a database at all
    assert cli.main([*conf, "sync"]) == 1
    assert "beschädigt" in capsys.readouterr().err
