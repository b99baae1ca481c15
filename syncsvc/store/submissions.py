"""Submissions of the form „Termin melden“ in SQLite: pending → approved | rejected.

The form runs in waitress' threads while the daemon's ``Store`` syncs, so this class opens
a connection of its own (WAL: readers and one writer at a time). The rate limit is
counted and the new row inserted in one ``BEGIN IMMEDIATE`` transaction: concurrent
requests from one address cannot all pass the check before any of them is stored.
Addresses are never stored, only an HMAC of them (``client_key``), and only until the
contact data is purged.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .schema import migrate

FIELDS = ("organisation", "title", "day", "begin", "end", "all_day", "place", "description",
          "link", "category", "contact_email", "contact_phone")
_SECRET_KEY = "submission_secret"


class Submissions:
    def __init__(self, path: Path | str):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                                    check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Submissions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def secret(self) -> bytes:
        """The server secret of form tokens and address keys; created once, kept in meta."""
        self.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                          [_SECRET_KEY, secrets.token_hex(32)])
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [_SECRET_KEY]).fetchone()
        return bytes.fromhex(row["value"])

    def add(self, values: dict[str, Any], client_key: str, now: str, since: str,
            limit: int) -> int | None:
        """Store a pending submission; None (nothing stored) when ``client_key`` already
        has ``limit`` submissions created after ``since``."""
        cols = [k for k in FIELDS if k in values]
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            (count,) = self.conn.execute(
                "SELECT count(*) FROM submissions WHERE client_key = ? AND created > ?",
                [client_key, since]).fetchone()
            if count >= limit:
                self.conn.execute("ROLLBACK")
                return None
            names = ", ".join([*cols, "client_key", "created", "status"])
            cur = self.conn.execute(
                f"INSERT INTO submissions ({names}) VALUES ({', '.join('?' * (len(cols) + 3))})",
                [*(values[k] for k in cols), client_key, now, "pending"])
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return int(cur.lastrowid or 0)

    def get(self, sub_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM submissions WHERE id = ?", [sub_id]).fetchone()
        return dict(row) if row else None

    def with_status(self, status: str) -> list[dict]:
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM submissions WHERE status = ? ORDER BY day, id", [status])]

    def count(self, status: str | None = None) -> int:
        if status is None:
            return self.conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        return self.conn.execute("SELECT count(*) FROM submissions WHERE status = ?",
                                 [status]).fetchone()[0]

    def decide(self, sub_id: int, status: str, now: str, reason: str = "") -> bool:
        cur = self.conn.execute(
            "UPDATE submissions SET status = ?, decided = ?, reason = ? WHERE id = ?",
            [status, now, reason, sub_id])
        return cur.rowcount == 1

    def update(self, sub_id: int, values: dict[str, Any]) -> bool:
        """Change a submission's event fields (the moderator's edit); contact data and
        status stay as they are."""
        cols = [k for k in FIELDS if k in values and not k.startswith("contact_")]
        if not cols:
            return False
        cur = self.conn.execute(
            f"UPDATE submissions SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
            [*(values[c] for c in cols), sub_id])
        return cur.rowcount == 1

    def purge_contacts(self, today: date, keep_days: int) -> int:
        """Empty contact data and address keys of events that ended ``keep_days`` ago."""
        cutoff = (today - timedelta(days=keep_days)).isoformat()
        cur = self.conn.execute(
            "UPDATE submissions SET contact_email = '', contact_phone = '', client_key = '', "
            "contact_purged = 1 WHERE contact_purged = 0 AND day < ?", [cutoff])
        return cur.rowcount
