"""Versioned database schema (sqlite-utils Migrations). Append, never edit, migrations.

The steps are registered with sqlite-utils only when one is pending: a database that has
them all is recognised by one query on sqlite-utils' own bookkeeping table, so opening
it does not import sqlite-utils (see ``store.connection``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

SET = "syncsvc"  # the migration set's name in _sqlite_migrations
_TABLE = "_sqlite_migrations"  # sqlite_utils.migrations.Migrations.migrations_table
STEPS: list[Callable[[Database], None]] = []


def step(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    STEPS.append(fn)
    return fn


@step
def m001_initial(db: Database) -> None:
    db.table("sources").create(
        {
            "id": str, "name": str, "kind": str, "url": str,
            "etag": str, "last_modified": str, "last_unconditional": str,
            "last_attempt": str, "last_success": str, "last_change": str,
            "http_status": int, "last_error": str, "error_count": int,
            "consecutive_failures": int, "gone": int, "retry_after_until": str,
            "count": int, "skipped_count": int, "skipped_sample": str,
            "held_count": int, "held_syncs": int, "held_reason": str,
            "merged_count": int,
        },
        pk="id",
        defaults={"error_count": 0, "consecutive_failures": 0, "gone": 0, "count": 0,
                  "skipped_count": 0, "held_count": 0, "held_syncs": 0, "merged_count": 0},
    )
    db.table("events").create(
        {"source_id": str, "uid": str, "recurrence_id": str, "start": str,
         "hash": str, "data": str},
        pk=("source_id", "uid", "recurrence_id"),
    )
    db.table("events").create_index(["start"])
    db.table("news").create(
        {"source_id": str, "guid": str, "published": str, "hash": str, "data": str},
        pk=("source_id", "guid"),
    )
    # Held sets of the shrink guard: the new, much smaller set waits here.
    db.table("pending").create(
        {"source_id": str, "kind": str, "data": str, "validators": str}, pk="source_id"
    )
    # Published identity: member ref -> published uid, and per uid its version state.
    db.table("memory").create({"ref": str, "kind": str, "uid": str}, pk="ref")
    db.table("published").create(
        {"uid": str, "kind": str, "hash": str, "sequence": int, "dtstamp": str},
        pk="uid",
    )
    db.table("fetch_log").create(
        {"id": int, "source_id": str, "at": str, "outcome": str, "http_status": int,
         "duration_ms": int, "bytes": int, "error": str},
        pk="id",
    )
    db.table("fetch_log").create_index(["source_id", "at"])


@step
def m002_published_per_override(db: Database) -> None:
    """A moved date (RECURRENCE-ID override) shares its series' UID but has content of its
    own; keyed by UID alone, master and override overwrote each other's hash and SEQUENCE
    rose on every run."""
    db.table("published").add_column("recurrence_id", str, not_null_default="")
    db.table("published").transform(pk=("uid", "recurrence_id"))


@step
def m003_publish_state(db: Database) -> None:
    """What a 304-only pass needs to decide without re-reading every event: the upcoming
    count of each source (shrink guard), the config a source was last parsed with, and
    service-wide facts such as the day and config of the last publish."""
    db.table("sources").add_column("upcoming_count", int)
    db.table("sources").add_column("config_hash", str, not_null_default="")
    db.table("meta").create({"key": str, "value": str}, pk="key")


@step
def m004_published_vevent(db: Database) -> None:
    """The serialized VEVENT of each published event and the key it was rendered under,
    so a republish only asks icalendar for events whose published bytes changed."""
    db.table("published").add_column("vevent_key", str)
    db.table("published").add_column("vevent", bytes)
    db.table("published").add_column("vevent_meta", str)


@step
def m005_submissions(db: Database) -> None:
    """Events reported through the form „Termin melden“: pending until a moderator decides.
    Contact fields are emptied ``keep_contact_days`` after the event (``contact_purged``)."""
    db.table("submissions").create(
        {"id": int, "status": str, "created": str, "decided": str, "reason": str,
         "organisation": str, "title": str, "day": str, "begin": str, "end": str,
         "all_day": int, "place": str, "description": str, "link": str, "category": str,
         "contact_email": str, "contact_phone": str, "client_key": str,
         "contact_purged": int},
        pk="id", defaults={"status": "pending", "contact_purged": 0},
    )
    db.table("submissions").create_index(["status"])
    db.table("submissions").create_index(["client_key", "created"])


@step
def m006_page_keys(db: Database) -> None:
    """The key each public page was last written under (publish.memo): a page whose
    inputs did not change is not rendered again."""
    db.table("page_keys").create({"path": str, "key": str}, pk="path")


@step
def m007_sequence_floor(db: Database) -> None:
    """The SEQUENCE clients already saw per event UID, read from the published calendars
    when a new database replaced a lost one: an entry published for the first time from
    this database goes above it, never back to 0."""
    db.table("sequence_floor").create({"uid": str, "sequence": int}, pk="uid")


@step
def m008_fragments(db: Database) -> None:
    """Rendered RSS items and events.json entries of listed occurrences (publish.fragments):
    a view that lists one changed occurrence among thousands renders only that one. The
    salt names what all fragments of a kind depend on besides the occurrence (the
    rendering code, the base URL, the zone); rows of another salt are never read."""
    db.table("fragments").create({"kind": str, "key": str, "salt": str, "data": bytes},
                                 pk=("kind", "key"))


@step
def m009_expansions(db: Database) -> None:
    """Series expansions of the current day's wide window (recur.memo), under a key of
    the series' timing, the window, the cap and the expanding code: each series is
    expanded once a day instead of once per pass."""
    db.table("expansions").create({"key": str, "times": str}, pk="key")


def applied(conn: sqlite3.Connection) -> set[str]:
    """Names of the steps this database has (none before its first migration)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        [_TABLE]).fetchone():
        return set()
    return {r[0] for r in conn.execute(
        f"SELECT name FROM {_TABLE} WHERE migration_set = ?", [SET])}


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending steps, each in its own transaction (sqlite-utils Migrations)."""
    if applied(conn) >= {fn.__name__ for fn in STEPS}:
        return
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(SET)
    for fn in STEPS:
        migrations()(fn)
    migrations.apply(Database(conn))
