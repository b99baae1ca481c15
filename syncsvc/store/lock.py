"""The single-writer lock beside the database, and who holds it.

One process writes (the daemon, or a one-off `syncsvc sync`/`accept`). The lock is an
flock on ``<database>.lock``, released by the kernel when the holder dies. The file
names the holder: its PID, its role and its start time from /proc, so a CLI asks only a
running *daemon* to act (SIGUSR1: sync now, SIGHUP: republish) and never signals a
one-off sync (SIGUSR1 would terminate it) or an unrelated process that got the PID of a
dead holder.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import LockedError

DAEMON, ONE_OFF = "daemon", "einmalig"


@dataclass(frozen=True)
class LockHolder:
    pid: int
    role: str
    started: str  # /proc/<pid>/stat start time ("" where /proc is not available)

    def is_running_daemon(self) -> bool:
        """The holder is a daemon and still the very process that took the lock."""
        return self.role == DAEMON and bool(self.started) and \
            process_start(self.pid) == self.started


def lock_path(database: Path | str) -> Path:
    return Path(database).with_name(Path(database).name + ".lock")


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot; "" if unknown (no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # the name in (…) may contain spaces
    return fields[19] if len(fields) > 19 else ""


def acquire(database: Path, role: str) -> int:
    """Take the lock (an open fd, to close on release) or raise LockedError in German."""
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holder = holder_of(database)
        who = ("der laufende Dienst" if holder and holder.role == DAEMON
               else "ein anderer syncsvc-Befehl (z. B. sync)")
        raise LockedError(
            f"Die Datenbank {database} wird schon benutzt: {who}. Erst den laufenden "
            "Dienst beenden (oder warten, bis sein Sync fertig ist)."
        ) from None
    os.ftruncate(fd, 0)
    pid = os.getpid()
    os.write(fd, f"{pid} {role} {process_start(pid)}".encode())
    return fd


def holder_of(database: Path | str) -> LockHolder | None:
    """Who the lock file names, if it is readable (the lock itself may be free)."""
    try:
        parts = lock_path(database).read_text().split()
        pid = int(parts[0]) if parts else 0
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    return LockHolder(pid, parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")
