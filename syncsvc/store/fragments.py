"""Persisted fragments: rendered pieces of views kept between runs (publish.fragments),
and series expansions of the day (recur.memo).

Each row is one rendered occurrence of one format, under the digest of the record it was
rendered from and the salt of everything else it depends on. A row is read only under
the current salt and dropped once no view lists its record, so the table never grows
beyond the published set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._base import BaseStore


class FragmentsMixin(BaseStore):
    def fragments(self, kind: str, salt: str) -> dict[str, bytes]:
        """key → bytes of the ``kind`` fragments rendered under ``salt``."""
        return {r[0]: bytes(r[1]) for r in self.conn.execute(
            "SELECT key, data FROM fragments WHERE kind = ? AND salt = ?", [kind, salt])}

    def save_fragments(self, kind: str, salt: str, fresh: Mapping[str, bytes],
                       gone: Iterable[str]) -> None:
        """Store ``fresh`` and drop the rows of ``kind`` whose key is in ``gone`` (records
        no view lists any more) or that are under another salt, in one transaction."""
        rows = [(kind, key, salt, data) for key, data in fresh.items()]
        with self.conn:
            self.conn.execute("DELETE FROM fragments WHERE kind = ? AND salt != ?",
                                 [kind, salt])
            self.conn.executemany("DELETE FROM fragments WHERE kind = ? AND key = ?",
                                     [(kind, key) for key in gone])
            self.conn.executemany(
                "INSERT OR REPLACE INTO fragments (kind, key, salt, data) VALUES (?, ?, ?, ?)",
                rows)

    def expansion(self, key: str) -> str | None:
        """The times of a series' expansion kept under ``key`` (recur.memo), or None."""
        row = self.conn.execute("SELECT times FROM expansions WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def save_expansions(self, fresh: Mapping[str, str], used: Iterable[str]) -> None:
        """Store ``fresh`` and drop the expansions not in ``used`` (another day's window,
        a series changed or gone), in one transaction."""
        keep = set(used) | set(fresh)
        gone = [(r[0],) for r in self.conn.execute("SELECT key FROM expansions")
                if r[0] not in keep]
        with self.conn:
            self.conn.executemany("DELETE FROM expansions WHERE key = ?", gone)
            self.conn.executemany(
                "INSERT OR REPLACE INTO expansions (key, times) VALUES (?, ?)",
                list(fresh.items()))
