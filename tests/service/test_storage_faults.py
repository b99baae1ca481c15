"""Storage faults under a running daemon (issue 15, storage findings).

The daemon runs as a real process on a real SQLite file; what the tests delete, they
delete with ``unlink`` as an admin's ``rm`` would, and the daemon is ended with SIGKILL
(no clean close, no final checkpoint) before the database is opened again.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from test_daemon import daemon_config, start, wait_http, wait_vevents  # noqa: F401 - fixture

from syncsvc.store.lock import holder_of, lock_path

from conftest import DATA

pytestmark = pytest.mark.slow


def _events_in(database: Path) -> int:
    """Events stored in ``database``, opened on its own (what a restart would see)."""
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # "no such table": the main file was never written
        return 0
    finally:
        conn.close()


def _main_file_events(database: Path, tmp: Path) -> int:
    """Events in the main database file alone, without its WAL: a copy of just that file."""
    copy = tmp / "main-only.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(database, copy)
    try:
        return _events_in(copy)
    except (sqlite3.DatabaseError, AssertionError):  # copied during a checkpoint: torn
        return -1


def _wait_main_file(database: Path, tmp: Path, count: int, timeout: float = 20.0) -> int:
    deadline, seen = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        seen = _main_file_events(database, tmp)
        if seen == count:
            break
        time.sleep(0.2)
    return seen


def _first_pass(proc, base: str) -> None:
    """Wait until the daemon serves and has published the partner's two events."""
    wait_http(base + "/calendar.ics", proc)
    wait_vevents(base, 2, "first pass never published")


def _partner_grows_to_ten(tmp_path: Path) -> None:
    shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics",
                tmp_path / "feeds" / "verein.ics")


def _kill(proc) -> str:
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=20)
    return err


def test_deleted_wal_loses_no_data_at_restart(daemon_config, tmp_path):  # noqa: F811
    """Finding: „a deleted WAL lost all data at restart“. Committed data sat only in
    syncsvc.db-wal (the small database never reached SQLite's automatic checkpoint), so
    `rm syncsvc.db-wal` and a kill left a main file without even its tables."""
    settings, path = daemon_config
    path.write_text(path.read_text().replace('interval = "1s"', 'interval = "1h"'))
    proc = start(path)
    try:
        _first_pass(proc, f"http://127.0.0.1:{settings.port}")
        _wait_main_file(settings.database, tmp_path, 2)  # the pass ends with a checkpoint
        Path(f"{settings.database}-wal").unlink()
    finally:
        _kill(proc)
    assert _events_in(settings.database) == 2, "the data of the pass was only in the WAL"


def test_deleted_wal_under_a_running_daemon_is_replaced(daemon_config, tmp_path):  # noqa: F811
    """The same deletion while the daemon keeps writing: every pass after it wrote into a
    file no other connection could see (/status and the form failed with „disk I/O
    error“) and that vanished with the process. The end of the pass notices, copies
    everything into the main file, opens a new WAL and says so in German."""
    settings, path = daemon_config
    base = f"http://127.0.0.1:{settings.port}"
    proc = start(path)
    try:
        _first_pass(proc, base)
        Path(f"{settings.database}-wal").unlink()
        _partner_grows_to_ten(tmp_path)
        wait_vevents(base, 10, "the changed feed was never published")
        _wait_main_file(settings.database, tmp_path, 10)
        status = requests.get(base + "/status", timeout=5).status_code
        reopened = Path(f"{settings.database}-wal").exists()
    finally:
        err = _kill(proc)
    assert _events_in(settings.database) == 10, "writes after the deletion were lost"
    assert status == 200, "other connections cannot read while the WAL is gone"
    assert reopened, "no new WAL was opened"
    assert "Schreibprotokoll" in err and "gelöscht" in err, err[-2000:]


def test_deleted_lock_file_is_written_again_by_the_daemon(daemon_config):  # noqa: F811
    """The database lock holds without the lock file, but `syncsvc sync` reads from that
    file whether the holder is the daemon (to ask it to sync now): the daemon writes it
    again at the end of its next pass."""
    settings, path = daemon_config
    proc = start(path)
    try:
        wait_http(f"http://127.0.0.1:{settings.port}/calendar.ics", proc)
        lock_path(settings.database).unlink()
        refused = subprocess.run([sys.executable, "-m", "syncsvc", "--config", str(path), "run"],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and "wird schon benutzt" in refused.stderr
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not lock_path(settings.database).exists():
            time.sleep(0.2)
        holder = holder_of(settings.database)
        assert holder is not None and holder.pid == proc.pid and holder.is_running_daemon()
        asked = subprocess.run([sys.executable, "-m", "syncsvc", "--config", str(path), "sync"],
                               capture_output=True, text=True, timeout=60)
        assert asked.returncode == 0 and "ruft jetzt alle Quellen ab" in asked.stdout
    finally:
        err = _kill(proc)
    assert "Sperrdatei" in err


def test_deleted_database_under_a_running_daemon_is_not_recreated(daemon_config, tmp_path):  # noqa: F811
    """`rm syncsvc.db*` while the daemon runs: the vanished log must not make it open a
    new, empty database at the path (and publish empty calendars from it). It keeps the
    data it has open, /healthz says 503, and the next start refuses (test_database_start)."""
    settings, path = daemon_config
    base = f"http://127.0.0.1:{settings.port}"
    proc = start(path)
    try:
        _first_pass(proc, base)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings.database}{suffix}").unlink(missing_ok=True)
        _partner_grows_to_ten(tmp_path)
        wait_vevents(base, 10, "the daemon stopped syncing")  # from the data it holds open
        time.sleep(2)  # a few more passes of interval 1s
        assert not Path(settings.database).exists(), "an empty database was created"
        assert requests.get(base + "/healthz", timeout=5).status_code == 503
    finally:
        err = _kill(proc)
    assert "wurde gelöscht oder ersetzt, während syncsvc lief" in err, err[-2000:]
