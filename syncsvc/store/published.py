"""Published identity: stable UIDs for clusters, SEQUENCE and DTSTAMP per published entry."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from ._base import BaseStore


class PublishedMixin(BaseStore):
    def memory(self, kind: str) -> dict[str, str]:
        """member ref → published UID, as assigned by earlier runs."""
        return {r["ref"]: r["uid"] for r in self._query(
            "SELECT ref, uid FROM memory WHERE kind = ?", [kind])}

    def record_published(
        self, kind: str, entries: Sequence[tuple[str, str, str, Iterable[str]]], now: str,
        remembered: Mapping[str, str] | None = None,
    ) -> dict[tuple[str, str], tuple[int, str]]:
        """Take (uid, recurrence_id, content hash, member refs) per published entry.

        Returns (uid, recurrence_id) → (sequence, dtstamp): SEQUENCE goes up and DTSTAMP
        moves to ``now`` only when the entry's content hash changed, so unchanged data
        keeps its bytes. Only the rows that change are written (upserting every member
        ref of 10,000 entries in each pass was 3 % of a 1 %-changed pass); ``remembered``:
        ``memory(kind)`` as the caller already read it for dedupe (else read here).
        """
        state = {(r["uid"], r["recurrence_id"]): r for r in self._query(
            "SELECT uid, recurrence_id, hash, sequence, dtstamp FROM published WHERE kind = ?",
            [kind])}
        entries = list(entries)
        floor = self.sequence_floors() if kind == "event" and any(
            (uid, rid) not in state for uid, rid, _, _ in entries) else {}
        out: dict[tuple[str, str], tuple[int, str]] = {}
        changed_rows, memory_rows = [], []
        if remembered is None:  # rows already right are not written again
            remembered = self.memory(kind)
        for uid, rid, digest, refs in entries:
            old = state.get((uid, rid))
            if old is None:  # new here; above what a lost database published, if anything
                seq, stamp = (floor[uid] + 1 if uid in floor else 0), now
            elif old["hash"] != digest:
                seq, stamp = old["sequence"] + 1, now
            else:
                seq, stamp = old["sequence"], old["dtstamp"]
            out[(uid, rid)] = (seq, stamp)
            if old is None or old["hash"] != digest:
                changed_rows.append({"uid": uid, "recurrence_id": rid, "kind": kind,
                                     "hash": digest, "sequence": seq, "dtstamp": stamp})
            memory_rows += [{"ref": r, "kind": kind, "uid": uid} for r in refs
                            if remembered.get(r) != uid]
        with self.conn:
            if changed_rows:
                self.db.table("published").upsert_all(changed_rows, pk=("uid", "recurrence_id"))
            if memory_rows:
                self.db.table("memory").upsert_all(memory_rows, pk="ref")
        return out

    def seed_sequence_floors(self, floors: Mapping[str, int]) -> None:
        """Record UID → SEQUENCE of published calendars (a new database's start)."""
        with self.conn:
            self.conn.executemany(
                "INSERT INTO sequence_floor (uid, sequence) VALUES (?, ?) ON CONFLICT(uid) "
                "DO UPDATE SET sequence = max(sequence, excluded.sequence)",
                list(floors.items()))

    def sequence_floors(self) -> dict[str, int]:
        return {r["uid"]: r["sequence"] for r in self._query(
            "SELECT uid, sequence FROM sequence_floor")}

    def vevent_cache(self, kind: str) -> dict[tuple[str, str, str], tuple[bytes, str]]:
        """(uid, recurrence_id, render key) → (serialized VEVENT, block metadata)."""
        return {(r["uid"], r["recurrence_id"], r["vevent_key"]): (r["vevent"], r["vevent_meta"])
                for r in self._query(
                    "SELECT uid, recurrence_id, vevent_key, vevent, vevent_meta FROM published"
                    " WHERE kind = ? AND vevent IS NOT NULL", [kind])}

    def save_vevents(
        self, kind: str, fresh: Mapping[tuple[str, str, str], tuple[bytes, str]],
        keep: Iterable[tuple[str, str]],
    ) -> None:
        """Store newly rendered VEVENTs in one transaction and drop the cached bytes of
        entries no longer published, so the cache never outgrows the published set."""
        keep = set(keep)
        stale = [(kind, r["uid"], r["recurrence_id"]) for r in self._query(
            "SELECT uid, recurrence_id FROM published WHERE kind = ? AND vevent IS NOT NULL",
            [kind]) if (r["uid"], r["recurrence_id"]) not in keep]
        rows = [(key, data, meta, kind, uid, rid)
                for (uid, rid, key), (data, meta) in fresh.items()]
        with self.conn:
            self.conn.executemany(
                "UPDATE published SET vevent_key = ?, vevent = ?, vevent_meta = ?"
                " WHERE kind = ? AND uid = ? AND recurrence_id = ?", rows)
            self.conn.executemany(
                "UPDATE published SET vevent_key = NULL, vevent = NULL, vevent_meta = NULL"
                " WHERE kind = ? AND uid = ? AND recurrence_id = ?", stale)

    def page_keys(self) -> dict[str, str]:
        """path → key of every page the last complete publish wrote or kept."""
        return {r["path"]: r["key"] for r in self._query("SELECT path, key FROM page_keys")}

    def save_page_keys(self, keys: Mapping[str, str],
                       old: Mapping[str, str] | None = None) -> None:
        """Record the pages' keys of a complete publish (only the rows that differ).
        ``old``: what ``page_keys`` gave before that publish (a publish reads them
        anyway; at 1,000 partners that is 200,000 rows), else they are read here."""
        old = self.page_keys() if old is None else old
        gone = [(p,) for p in old if p not in keys]
        rows = [(p, k) for p, k in keys.items() if old.get(p) != k]
        with self.conn:
            self.conn.executemany("DELETE FROM page_keys WHERE path = ?", gone)
            self.conn.executemany(
                "INSERT OR REPLACE INTO page_keys (path, key) VALUES (?, ?)", rows)

    def set_merge_counts(self, counts: dict[str, int]) -> None:
        with self.conn:
            self.conn.execute("UPDATE sources SET merged_count = 0")
            for source_id, n in counts.items():
                self.conn.execute("UPDATE sources SET merged_count = ? WHERE id = ?",
                                  [n, source_id])

    # --- shrink guard: a much smaller new set waits here until it persists ----------

    def hold(self, source_id: str, kind: str, records_json: list[str], validators: dict) -> None:
        with self.conn:
            self.db.table("pending").upsert(
                {"source_id": source_id, "kind": kind, "data": json.dumps(records_json),
                 "validators": json.dumps(validators)}, pk="source_id")

    def held(self, source_id: str) -> dict | None:
        rows = list(self._query("SELECT * FROM pending WHERE source_id = ?", [source_id]))
        if not rows:
            return None
        row = rows[0]
        return {"kind": row["kind"], "records": json.loads(row["data"]),
                "validators": json.loads(row["validators"])}

    def release(self, source_id: str) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM pending WHERE source_id = ?", [source_id])
