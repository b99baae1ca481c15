"""Start-up on a missing, empty or damaged database (issue 15, storage findings).

Real SQLite files and the real commands: `syncsvc sync` through ``cli.main``, `syncsvc run`
as a subprocess (it must refuse before it serves anything).
"""

from __future__ import annotations

import os
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


EVENT = """BEGIN:VEVENT
UID:{uid}@verein
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:2027031{day}T140000
SUMMARY:{summary}
DESCRIPTION:{text}
END:VEVENT
"""


def _feed(tmp_path: Path, text: str, stamp: int) -> None:
    """The partner's file with the workshop's ``text``; ``stamp``: its mtime (the local
    source's validator), so every version is read."""
    body = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Verein//DE\n"
            + EVENT.format(uid="ws", day=3, summary="Workshop Engagement", text=text)
            + EVENT.format(uid="cafe", day=5, summary="Sprachcafé", text="Jeden Monat.")
            + "END:VCALENDAR\n")
    path = tmp_path / "feeds" / "verein.ics"
    path.write_text(body.replace("\n", "\r\n"), encoding="utf-8")
    os.utime(path, (stamp, stamp))


def _sequences(tmp_path: Path) -> dict[str, int]:
    cal = icalendar.Calendar.from_ical((tmp_path / "public" / "calendar.ics").read_bytes())
    return {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}


def test_sequence_does_not_restart_at_1_after_database_loss(write_config, tmp_path):
    """Finding: „SEQUENCE restarts at 1 after database loss“. The per-UID SEQUENCE lived
    only in the database; a new one published every event as new (SEQUENCE 0), and
    clients that saw SEQUENCE 2 keep their copy of a higher version (RFC 5546 §2.1.5),
    so a later change never reached them. A new database takes the published calendar's
    SEQUENCE as the floor: every entry republishes above what clients saw."""
    write_config('[[sources]]\nid = "verein"\nname = "Verein"\nurl = "../feeds/verein.ics"\n'
                 'kind = "ics"\n')
    conf = ["--config", str(tmp_path / "config" / "syncsvc.toml")]
    db = _database(tmp_path)
    for n, text in enumerate(("Kurz.", "Kurz. Bitte anmelden!", "Kurz. Ausgebucht.")):
        _feed(tmp_path, text, 1_800_000_000 + n)
        assert cli.main([*conf, "sync"]) == 0
    before = _sequences(tmp_path)
    assert before == {"Workshop Engagement": 2, "Sprachcafé": 0}

    _delete(db)  # lost; the same feed content again
    assert cli.main([*conf, "sync", "--neue-datenbank"]) == 0
    after = _sequences(tmp_path)
    assert all(after[k] >= before[k] for k in before), (before, after)
    assert after == {"Workshop Engagement": 3, "Sprachcafé": 1}  # one above: content unknown

    _delete(db)  # lost again, and this time the workshop changed meanwhile
    _feed(tmp_path, "Kurz. Neuer Raum!", 1_800_000_010)
    assert cli.main([*conf, "sync", "--neue-datenbank"]) == 0
    changed = _sequences(tmp_path)
    assert changed["Workshop Engagement"] > after["Workshop Engagement"]
    assert changed["Sprachcafé"] >= after["Sprachcafé"]

    _feed(tmp_path, "Kurz. Neuer Raum!", 1_800_000_020)  # same content, new mtime
    assert cli.main([*conf, "sync"]) == 0
    assert _sequences(tmp_path) == changed  # an ordinary database again: nothing moves
