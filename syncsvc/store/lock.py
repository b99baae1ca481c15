"""The single-writer lock on the database, and who holds it.

One process writes (the daemon, or a one-off `syncsvc sync`/`accept`). The lock is an
flock on the database file itself, released by the kernel when the holder dies: a lock
file alone was no lock once someone deleted it (the next writer created a new one and
locked that), while the database file cannot vanish without the data. flock and
SQLite's own POSIX (fcntl) locks are independent on Linux; NFS emulates flock with fcntl
locks, but SQLite's locking is not safe on NFS in the first place. Closing any
descriptor of the database drops this process's POSIX locks on it, so the descriptor
stays open until the connection is closed (``release`` comes last).

Beside it, ``<database>.lock`` is locked as before (older versions look only there) and
names the holder: its PID, its role and its start time from /proc, so a CLI asks only a
running *daemon* to act (SIGUSR1: sync now, SIGHUP: republish) and never signals a
one-off sync (SIGUSR1 would terminate it) or an unrelated process that got the PID of a
dead holder. A deleted lock file is written again by its holder (``restore``).
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


@dataclass
class Lock:
    """What a writer holds: open descriptors of the database and of its lock file."""

    database: Path
    role: str
    database_fd: int
    file_fd: int


def acquire(database: Path, role: str) -> Lock:
    """Take the lock (``release`` it after closing the connection) or raise LockedError
    in German. Creates an empty database file when there is none."""
    db_fd = os.open(database, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(db_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        file_fd = _lock_file(database, role)
    except BlockingIOError:
        os.close(db_fd)
        raise _refusal(database) from None
    except OSError:
        os.close(db_fd)
        raise
    return Lock(Path(database), role, db_fd, file_fd)


def release(lock: Lock) -> None:
    os.close(lock.file_fd)
    os.close(lock.database_fd)


def restore(lock: Lock) -> bool:
    """Write the lock file again when it was deleted or replaced (the CLI reads the
    holder from it); True if it had to. The database lock held all along."""
    path = lock_path(lock.database)
    try:
        on_disk, held = os.stat(path), os.fstat(lock.file_fd)
        if (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino):
            return False
    except OSError:
        pass
    try:
        fd = _lock_file(lock.database, lock.role)
    except (BlockingIOError, OSError):  # an older version locked a new file: leave it
        return False
    os.close(lock.file_fd)
    lock.file_fd = fd
    return True


def _lock_file(database: Path, role: str) -> int:
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    pid = os.getpid()
    os.write(fd, f"{pid} {role} {process_start(pid)}".encode())
    return fd


def _refusal(database: Path) -> LockedError:
    holder = holder_of(database)
    who = ("der laufende Dienst" if holder and holder.role == DAEMON
           else "ein anderer syncsvc-Befehl (z. B. sync)" if holder
           else "ein anderer syncsvc-Prozess")
    return LockedError(
        f"Die Datenbank {database} wird schon benutzt: {who}. Erst den laufenden "
        "Dienst beenden (oder warten, bis sein Sync fertig ist)."
    )


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
