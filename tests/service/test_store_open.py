"""Opening the database without sqlite-utils, and migrating with it.

A database that has every schema step is recognised by one query on sqlite-utils' own
bookkeeping table, and the store's reads and small writes are plain ``sqlite3``. So a pass
in which every source answers 304 never imports sqlite-utils (with click, pluggy and
dateutil, about a third of that pass's CPU). These tests hold both halves: a pending step
is still applied, and the 304 pass of a real ``syncsvc sync`` process over real HTTP
does not import it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bench.server import FeedServer
from syncsvc.store import Store, schema
from syncsvc.store.connection import rows

from conftest import DATA, REPO

NAMES = [fn.__name__ for fn in schema.STEPS]


def _registered() -> Migrations:
    migrations = Migrations(schema.SET)
    for fn in schema.STEPS:
        migrations()(fn)
    return migrations


def test_the_bookkeeping_table_is_sqlite_utils_own():
    assert Migrations.migrations_table == schema._TABLE


def test_a_new_database_has_every_step_in_order(tmp_path):
    with Store(tmp_path / "s.db"):
        pass
    conn = sqlite3.connect(tmp_path / "s.db")
    assert [m.name for m in _registered().applied(Database(conn))] == NAMES
    assert schema.applied(conn) == set(NAMES)
    assert not _registered().pending(Database(conn))


def test_a_pending_step_is_applied_on_open(tmp_path):
    """A database from before the last step (an upgrade) gets it: the quick path must
    not mistake "some steps" for "all steps"."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    _registered().apply(Database(conn), stop_before=NAMES[-1])
    conn.close()
    assert NAMES[-1] not in schema.applied(sqlite3.connect(path))
    with Store(path) as store:
        assert NAMES[-1] in schema.applied(store.conn)
        # m009 made the table of kept expansions: the store can use it
        store.save_expansions({"k": "[]"}, ["k"])
        assert store.expansion("k") == "[]"


def test_rows_are_what_sqlite_utils_query_gives(fresh_db):
    fresh_db.update_source("a", name="Verein „Brücke“", error_count=2)
    fresh_db.update_source("b", name="Tafel")
    sql, args = "SELECT * FROM sources WHERE error_count >= ? ORDER BY id", [0]
    assert list(rows(fresh_db.conn, sql, args)) == list(fresh_db.db.query(sql, args))
    assert fresh_db.source("a")["name"] == "Verein „Brücke“"
    assert fresh_db.source("zzz") == {"id": "zzz"}
    assert [s["id"] for s in fresh_db.sources()] == ["a", "b"]


def test_a_pass_of_304s_does_not_import_sqlite_utils(tmp_path, write_config):
    with FeedServer() as srv:
        srv.put("/verein.ics", (DATA / "pipeline" / "partner_two_events.ics").read_bytes())
        write_config(sources=f"""
            [[sources]]
            id = "verein"
            name = "Verein"
            url = "{srv.url('/verein.ics')}"
            kind = "ics"
            """)
        cmd = [sys.executable, "-X", "importtime", "-m", "syncsvc", "--config",
               str(tmp_path / "config" / "syncsvc.toml"), "sync"]
        first = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
        assert first.returncode == 0, first.stderr[-2000:]
        assert " sqlite_utils.db\n" in first.stderr  # storing new events uses it
        srv.reset_counts()
        second = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
        assert second.returncode == 0, second.stderr[-2000:]
        assert srv.counts == {304: 1}
    assert "sqlite_utils" not in second.stderr
