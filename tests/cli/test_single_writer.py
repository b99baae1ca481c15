"""One writer, and a CLI that signals only a running daemon (never a PID it merely read).

Finding: a second `syncsvc sync` sent SIGUSR1 to whatever PID the lock file named. When
that was a one-off sync (not the daemon), SIGUSR1's default action ended it mid-pass;
`accept` did the same with SIGHUP (both go through ``cli._signal_daemon``). Real
processes, a real lock on a real database.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import configured  # noqa: F401 - the fixture

from syncsvc import cli
from syncsvc.config import load
from syncsvc.store.lock import DAEMON, lock_path, process_start

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="braucht /proc (Linux)")

HOLD = """
import sys, time
from syncsvc.store import Store
store = Store(sys.argv[1], lock=True{role})
print("bereit", flush=True)
time.sleep(60)
"""


def _holder(database: Path, role: str = "") -> subprocess.Popen:
    code = HOLD.format(role=f", role={role!r}" if role else "")
    proc = subprocess.Popen([sys.executable, "-c", code, str(database)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "bereit"
    return proc


def test_second_sync_does_not_end_a_running_one_off_sync(configured, capsys):  # noqa: F811
    tmp_path, conf = configured
    settings = load(tmp_path / "config" / "syncsvc.toml")
    running = _holder(settings.database)  # a one-off writer, as `syncsvc sync` is
    try:
        assert cli.main([*conf, "sync"]) == 1
        err = capsys.readouterr().err
        assert "wird schon benutzt: ein anderer syncsvc-Befehl" in err
        assert running.poll() is None, "the running sync was signalled and ended"
    finally:
        running.kill()
        running.wait()


def test_a_pid_reused_by_another_process_is_not_signalled(configured):  # noqa: F811
    tmp_path, _ = configured
    settings = load(tmp_path / "config" / "syncsvc.toml")
    other = subprocess.Popen(["sleep", "60"])
    try:
        path = lock_path(settings.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # a daemon's lock file whose PID now belongs to an unrelated process
        path.write_text(f"{other.pid} {DAEMON} 1")
        assert cli._signal_daemon(settings, cli.signal.SIGTERM) is False
        assert other.poll() is None
        # the very process named with its own start time is the daemon: it is asked
        path.write_text(f"{other.pid} {DAEMON} {process_start(other.pid)}")
        assert cli._signal_daemon(settings, cli.signal.SIGTERM) is True
        assert other.wait(timeout=5) != 0
    finally:
        other.kill()
        other.wait()


def test_the_daemon_role_is_recorded(tmp_path):
    running = _holder(tmp_path / "db.sqlite", role=DAEMON)
    try:
        from syncsvc.store import Store

        holder = Store.lock_holder(tmp_path / "db.sqlite")
        assert holder is not None and holder.pid == running.pid
        assert holder.is_running_daemon()
    finally:
        running.kill()
        running.wait()
    assert not holder.is_running_daemon()  # gone: its start time no longer matches


def test_deleted_lock_file_lets_no_second_writer_run(configured, capsys):  # noqa: F811
    """Finding: „a deleted lock file lets a second writer run“. The lock was an flock on
    syncsvc.db.lock only; after an `rm` of that file the next writer created a new one,
    locked it and wrote next to the running one. The database file itself is locked too:
    it cannot vanish without the data vanishing with it."""
    tmp_path, conf = configured
    settings = load(tmp_path / "config" / "syncsvc.toml")
    assert cli.main([*conf, "sync"]) == 0  # the database exists, as under a running daemon
    capsys.readouterr()
    running = _holder(settings.database)
    try:
        lock_path(settings.database).unlink()
        second = subprocess.run(
            [sys.executable, "-m", "syncsvc", *conf, "sync"],
            capture_output=True, text=True, timeout=60)
        assert second.returncode == 1, second.stdout
        assert "wird schon benutzt" in second.stderr
        assert "Traceback" not in second.stderr
        assert running.poll() is None
    finally:
        running.kill()
        running.wait()
    assert cli.main([*conf, "sync"]) == 0  # the holder is gone: writing works again
