"""RSS items and events.json entries persisted in the store (publish.fragments): a stored
fragment is reused only under its record's digest and its salt, and a publish with the
store gives the bytes of one without it."""

from __future__ import annotations

from dataclasses import replace

from publish_records import NOW, SOURCE_NAMES, events, items, settings

from syncsvc.publish import publish_all
from syncsvc.store import Store

KINDS = ("rss-item", "json-entry")


class Recording(Store):
    """A real store that also notes which fragments each save hands it."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.saved: dict[str, list[str]] = {}

    def save_fragments(self, kind, salt, fresh, gone):
        self.saved.setdefault(kind, []).extend(fresh)
        super().save_fragments(kind, salt, fresh, gone)


def publish(out, evs, store=None, page_keys=None, **kw):
    return publish_all(evs, items(), settings(out, **kw), now=NOW, source_names=SOURCE_NAMES,
                       fragments=store, page_keys=page_keys)


def read(out) -> dict[str, bytes]:
    root = out / "public"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def rows(store: Store) -> dict[tuple[str, str], tuple[str, bytes]]:
    return {(r[0], r[1]): (r[2], bytes(r[3])) for r in store.db.execute(
        "SELECT kind, key, salt, data FROM fragments")}


def moved_cafe(evs):
    i = next(i for i, pe in enumerate(evs) if pe.uid == "pub-sprach")
    ev = evs[i].event
    evs[i] = replace(evs[i], event=replace(ev, summary=ev.summary + " (neu: Raum 2)"),
                     sequence=evs[i].sequence + 1)
    return evs


def test_second_run_takes_every_fragment_from_the_store(tmp_path):
    store = Recording(tmp_path / "s.db")
    publish(tmp_path / "a", events(), store)
    first = {k: sorted(v) for k, v in store.saved.items()}
    assert set(first) == set(KINDS) and all(first.values())
    stored = rows(store)
    assert {k for k, _ in stored} == set(KINDS)
    store.saved.clear()
    publish(tmp_path / "b", events(), store)  # no page keys: every view is rendered
    assert not any(store.saved.values())  # all taken from the store, nothing rendered
    assert rows(store) == stored
    publish(tmp_path / "c", events())  # no store: today's bytes
    assert read(tmp_path / "a") == read(tmp_path / "b") == read(tmp_path / "c")


def test_one_changed_event_renders_only_its_occurrences(tmp_path):
    store = Recording(tmp_path / "s.db")
    publish(tmp_path / "a", events(), store)
    before = rows(store)
    store.saved.clear()
    evs = moved_cafe(events())
    publish(tmp_path / "b", evs, store)
    # the Sprachcafé has one occurrence: one item and one entry, nothing else
    assert {k: len(v) for k, v in store.saved.items()} == {"rss-item": 1, "json-entry": 1}
    after = rows(store)
    assert len(after) == len(before)  # the old version's rows are dropped
    assert [data for _, data in after.values() if b"Raum 2" in data]
    publish(tmp_path / "c", evs)
    assert read(tmp_path / "b") == read(tmp_path / "c")


def test_stored_bytes_are_used_under_their_key_and_salt_only(tmp_path):
    store = Store(tmp_path / "s.db")
    publish(tmp_path / "a", events(), store)
    poison = b"<item><title>VERALTET</title></item>"
    with store.db.conn:
        store.db.execute("UPDATE fragments SET data = ? WHERE kind = 'rss-item'", [poison])
    publish(tmp_path / "b", events(), store)  # same digests, same salt: the store is used
    assert b"VERALTET" in read(tmp_path / "b")["events.rss"]
    # another base URL (in every item's link) is another salt: nothing stored is read
    publish(tmp_path / "c", events(), store, base_url="https://andere.example")
    assert b"VERALTET" not in read(tmp_path / "c")["events.rss"]
    publish(tmp_path / "d", events(), base_url="https://andere.example")
    assert read(tmp_path / "c") == read(tmp_path / "d")
    salts = {salt for salt, _ in rows(store).values()}
    assert len(salts) == 2  # one per kind: the first URL's rows are gone


def test_another_zone_renders_again_and_matches_a_cold_publish(tmp_path):
    store = Store(tmp_path / "s.db")
    publish(tmp_path / "a", events(), store)
    publish(tmp_path / "b", events(), store, timezone="Europe/London")
    publish(tmp_path / "c", events(), timezone="Europe/London")
    assert read(tmp_path / "b") == read(tmp_path / "c")
    assert read(tmp_path / "b")["events.rss"] != read(tmp_path / "a")["events.rss"]


def test_nothing_rendered_keeps_the_rows(tmp_path):
    store = Store(tmp_path / "s.db")
    first = publish(tmp_path / "a", events(), store)
    stored = rows(store)
    publish(tmp_path / "a", events(), store, page_keys=first.page_keys)  # every view kept
    assert rows(store) == stored
    evs = [pe for pe in events() if pe.uid != "pub-sprach"]
    publish(tmp_path / "a", evs, store, page_keys=first.page_keys)
    gone = {key for key in stored} - set(rows(store))
    assert gone and all(stored[key][1].find(b"Sprachcaf") >= 0 for key in gone)
