"""Published identity through the real pipeline: stable UIDs, SEQUENCE and DTSTAMP."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import icalendar

from syncsvc.service.republish import republish
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import DATA

D = DATA / "identity"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def source(sid: str, file: str, priority: int = 0) -> str:
    return (f'[[sources]]\nid = "{sid}"\nname = "{sid.title()}"\nurl = "../feeds/{file}"\n'
            f'kind = "ics"\npriority = {priority}\n')


def put(tmp_path, name: str, data_file: str) -> None:
    shutil.copy(D / data_file, tmp_path / "feeds" / name)


def run(settings, now=T0) -> dict[tuple[str, str], icalendar.Event]:
    store = Store(settings.database)
    try:
        Pipeline(settings, store, clock=lambda: now).sync_all()
        republish(settings, store, now)
    finally:
        store.close()
    cal = icalendar.Calendar.from_ical((settings.output_dir / "calendar.ics").read_bytes())
    return {(str(e["UID"]), str(e.get("RECURRENCE-ID", "") and e["RECURRENCE-ID"].to_ical()))
            : e for e in cal.walk("VEVENT")}


def workshop(events) -> icalendar.Event:
    return next(e for e in events.values() if "ngagement" in str(e["SUMMARY"]))


def test_merged_event_keeps_uid_across_content_change_third_announcer_and_restart(
        write_config, tmp_path):
    put(tmp_path, "verein.ics", "verein_workshop.ics")
    put(tmp_path, "kirche.ics", "kirche_workshop.ics")
    settings = write_config(source("verein", "verein.ics", 10) + source("kirche", "kirche.ics"))
    first = run(settings)
    ws = workshop(first)
    uid = str(ws["UID"])
    assert int(ws["SEQUENCE"]) == 0
    assert "Auch angekündigt von" in str(ws["DESCRIPTION"])

    put(tmp_path, "verein.ics", "verein_workshop_changed.ics")  # the winner's text changes
    second = run(settings, T0 + timedelta(hours=1))
    ws2 = workshop(second)
    assert str(ws2["UID"]) == uid
    assert int(ws2["SEQUENCE"]) == 1
    assert ws2.decoded("DTSTAMP") == T0 + timedelta(hours=1)
    other = next(e for e in second.values() if "Frühstück" in str(e["SUMMARY"]))
    assert int(other["SEQUENCE"]) == 0 and other.decoded("DTSTAMP") == T0

    put(tmp_path, "stadt.ics", "stadt_workshop.ics")  # a higher-priority third announcer
    settings = write_config(source("verein", "verein.ics", 10) + source("kirche", "kirche.ics")
                            + source("stadt", "stadt.ics", 100))
    third = run(settings, T0 + timedelta(hours=2))
    ws3 = workshop(third)
    assert str(ws3["UID"]) == uid
    assert str(ws3["SUMMARY"]) == "Themenworkshop Bürgerschaftliches Engagement"  # stadt wins
    assert int(ws3["SEQUENCE"]) == 2

    before = (settings.output_dir / "calendar.ics").read_bytes()
    run(settings, T0 + timedelta(days=1))  # restart: new process state, same database
    assert (settings.output_dir / "calendar.ics").read_bytes() == before


def test_source_order_does_not_change_uids(write_config, tmp_path):
    put(tmp_path, "verein.ics", "verein_workshop.ics")
    put(tmp_path, "kirche.ics", "kirche_workshop.ics")
    a = run(write_config(source("verein", "verein.ics", 10) + source("kirche", "kirche.ics")))
    shutil.rmtree(tmp_path / "var")
    shutil.rmtree(tmp_path / "public")
    b = run(write_config(source("kirche", "kirche.ics") + source("verein", "verein.ics", 10)))
    assert set(a) == set(b) and len(a) == 2


def test_series_with_moved_date_does_not_bump_sequence_on_resync(write_config, tmp_path):
    put(tmp_path, "verein.ics", "series_with_moved_date.ics")
    settings = write_config(source("verein", "verein.ics"))
    for hours in range(3):
        events = run(settings, T0 + timedelta(hours=hours))
        (settings.output_dir / "calendar.ics").touch()
    assert len(events) == 2  # the master and its override, same UID
    assert {int(e["SEQUENCE"]) for e in events.values()} == {0}
    assert {e.decoded("DTSTAMP") for e in events.values()} == {T0}


def test_republish_persists_vevents_and_drops_vanished_ones(write_config, tmp_path):
    put(tmp_path, "verein.ics", "verein_workshop.ics")
    put(tmp_path, "kirche.ics", "kirche_workshop.ics")
    settings = write_config(source("verein", "verein.ics", 10) + source("kirche", "kirche.ics"))
    run(settings)
    before = (settings.output_dir / "calendar.ics").read_bytes()
    store = Store(settings.database)
    try:
        cached = store.vevent_cache("event")
    finally:
        store.close()
    assert len(cached) == 2 and all(data in before for data, _ in cached.values())

    (settings.output_dir / "calendar.ics").unlink()  # forces a republish from the cache
    run(settings, T0 + timedelta(hours=1))
    assert (settings.output_dir / "calendar.ics").read_bytes() == before

    settings = write_config(source("verein", "verein.ics", 10))  # kirche's event vanishes
    run(settings, T0 + timedelta(hours=2))
    store = Store(settings.database)
    try:
        left = store.vevent_cache("event")
    finally:
        store.close()
    after = (settings.output_dir / "calendar.ics").read_bytes()
    assert len(left) == 1 and next(iter(left.values()))[0] in after


def test_recorded_members_follow_a_ref_that_moves_to_another_entry(tmp_path):
    store = Store(tmp_path / "s.db")
    try:
        now = "2026-11-24T12:00:00Z"
        store.record_published("event", [("u1", "", "h1", ["a:1", "b:1"])], now)
        store.record_published("event", [("u1", "", "h1", ["a:1", "b:1"])], now)
        assert store.memory("event") == {"a:1": "u1", "b:1": "u1"}
        store.record_published("event", [("u1", "", "h1", ["a:1"]),
                                         ("u2", "", "h2", ["b:1"])], now)
        assert store.memory("event") == {"a:1": "u1", "b:1": "u2"}
        assert store.memory("news") == {}
    finally:
        store.close()
