"""Persisted fragments: rendered pieces of views kept between runs (publish.fragments).

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
        return {r[0]: bytes(r[1]) for r in self.db.execute(
            "SELECT key, data FROM fragments WHERE kind = ? AND salt = ?", [kind, salt])}

    def save_fragments(self, kind: str, salt: str, fresh: Mapping[str, bytes],
                       live: Iterable[str]) -> None:
        """Store ``fresh`` and drop the rows of ``kind`` that are under another salt or
        whose key is not in ``live`` (the records this run lists), in one transaction."""
        live = set(live) | set(fresh)
        stale = [(kind, r[0]) for r in self.db.execute(
            "SELECT key, salt FROM fragments WHERE kind = ?", [kind])
            if r[1] != salt or r[0] not in live]
        rows = [(kind, key, salt, data) for key, data in fresh.items()]
        with self.db.conn:
            self.db.conn.executemany("DELETE FROM fragments WHERE kind = ? AND key = ?", stale)
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO fragments (kind, key, salt, data) VALUES (?, ?, ?, ?)",
                rows)
