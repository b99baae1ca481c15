"""The city's own schedule: the WIR Café series, holidays, cancellations, moves, DST."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from syncsvc.errors import ParseError
from syncsvc.parse.holidays import load_school_holidays, public_holidays_he
from syncsvc.parse.schedule import parse_schedule, series_dates

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "city"
BERLIN = ZoneInfo("Europe/Berlin")
SHIPPED_HOLIDAYS = load_school_holidays(str(ROOT / "config" / "schulferien-hessen.ics"))
CAFE = "wir-cafe@stadt-idstein"

# First Thursdays of 2026 and 2027, written out by hand.
SKIPPED = ["2026-01-01", "2026-04-02", "2026-06-04", "2026-07-02", "2026-08-06",
           "2027-01-07", "2027-04-01", "2027-05-06", "2027-07-01", "2027-08-05", "2027-10-07"]
KEPT = ["2026-02-05", "2026-03-05", "2026-05-07", "2026-09-03", "2026-10-01", "2026-11-05",
        "2026-12-03",
        "2027-02-04", "2027-03-04", "2027-06-03", "2027-09-02", "2027-11-04", "2027-12-02"]


def _parse(name_or_body, school=SHIPPED_HOLIDAYS, public=public_holidays_he, **kw):
    body = name_or_body if isinstance(name_or_body, bytes) else (DATA / name_or_body).read_bytes()
    return parse_schedule(body, "stadt-idstein", "Europe/Berlin", school, public, **kw)


def _at(day: str, hh: int = 18, mm: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), BERLIN).replace(
        hour=hh, minute=mm)


def _calendar(events) -> bytes:
    """Serialize RawEvents as the publish stage will (icalendar), with VTIMEZONEs."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//syncsvc test//DE")
    cal.add("version", "2.0")
    for e in events:
        ve = icalendar.Event()
        ve.add("uid", e.uid)
        ve.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        ve.add("summary", e.summary)
        ve.add("dtstart", e.start)
        if e.end is not None:
            ve.add("dtend", e.end)
        if e.rrule:
            ve.add("rrule", icalendar.vRecur.from_ical(e.rrule))
        if e.exdates:
            ve.add("exdate", list(e.exdates))
        if e.recurrence_id is not None:
            ve.add("recurrence-id", e.recurrence_id)
        for key in ("description", "location"):
            if getattr(e, key):
                ve.add(key, getattr(e, key))
        ve.add("status", e.status)
        cal.add_component(ve)
    cal.add_missing_timezones()
    return cal.to_ical()


def _expand(ics: bytes, uid: str, start: date, end: date) -> list:
    cal = icalendar.Calendar.from_ical(ics)  # parsed back from bytes
    found = recurring_ical_events.of(cal).between(start, end)
    return sorted((o for o in found if str(o["UID"]) == uid), key=lambda o: o.decoded("DTSTART"))


def test_cafe_dates_2026_and_2027_match_the_hand_written_list():
    parsed = _parse("cafe_first_thursday_skip_holidays.toml")
    starts = [d for d in series_dates(parsed.events, CAFE) if d.year in (2026, 2027)]
    assert starts == [_at(d) for d in KEPT]
    master = next(e for e in parsed.events if e.uid == CAFE)
    skipped = [x for x in master.exdates if x.year in (2026, 2027)]
    assert skipped == [_at(d) for d in SKIPPED]
    assert len(parsed.events) == 1 and master.tzid == "Europe/Berlin"


def test_cafe_is_one_series_ending_with_the_holiday_data_in_utc():
    master, = _parse("cafe_first_thursday_skip_holidays.toml").events
    assert master.rrule == "FREQ=MONTHLY;UNTIL=20300830T215959Z;BYDAY=1TH"
    assert master.start == _at("2024-02-01") and master.end == _at("2024-02-01", 20)
    assert master.start.tzinfo.key == "Europe/Berlin"
    assert max(master.exdates) == _at("2030-08-01")  # Sommerferien 2030


def test_published_series_expands_to_exactly_the_expected_dates_and_local_times():
    parsed = _parse("cafe_first_thursday_skip_holidays.toml")
    ics = _calendar(parsed.events)
    assert b"BEGIN:VTIMEZONE" in ics and b"TZID:Europe/Berlin" in ics
    assert b"DTSTART;TZID=Europe/Berlin:20240201T180000" in ics
    found = _expand(ics, CAFE, date(2026, 1, 1), date(2028, 1, 1))
    starts = [o.decoded("DTSTART") for o in found]
    assert starts == [_at(d) for d in KEPT]
    assert all(s.astimezone(BERLIN).hour == 18 for s in starts)
    utc = {s.date().isoformat(): s.astimezone(UTC).hour for s in starts}
    assert utc["2026-10-01"] == 16 and utc["2026-11-05"] == 17  # CEST vs CET
    after = _expand(ics, CAFE, date(2030, 8, 31), date(2032, 1, 1))
    assert after == []  # nothing beyond the known school holidays


def _boundary_holidays(tmp_path: Path) -> list[tuple[date, date]]:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//DE")
    cal.add("version", "2.0")
    for n, (first, last) in enumerate([
        (date(2026, 10, 1), date(2026, 10, 3)),  # a first Thursday on the first day
        (date(2026, 10, 26), date(2026, 11, 5)),  # ... on the last day
        (date(2026, 11, 20), date(2026, 12, 2)),  # ... the day after the last day
        (date(2027, 3, 1), date(2027, 3, 2)),  # data ends here
    ]):
        ev = icalendar.Event()
        ev.add("uid", f"f{n}@test")
        ev.add("summary", f"Ferien {n}")
        ev.add("dtstart", first)
        ev.add("dtend", last + timedelta(days=1))  # exclusive
        cal.add_component(ev)
    path = tmp_path / "ferien.ics"
    path.write_bytes(cal.to_ical())
    return load_school_holidays(str(path))


def test_holiday_boundaries_first_and_last_day_skip_the_day_after_keeps(tmp_path):
    body = (DATA / "cafe_first_thursday_skip_holidays.toml").read_bytes().replace(
        b"2024-02-01", b"2026-09-01")
    parsed = _parse(body, school=_boundary_holidays(tmp_path), public={})
    master, = parsed.events
    assert master.exdates == (_at("2026-10-01"), _at("2026-11-05"))
    assert series_dates(parsed.events, CAFE) == [
        _at(d) for d in ("2026-09-03", "2026-12-03", "2027-01-07", "2027-02-04")]
    assert "UNTIL=20270302T225959Z" in master.rrule  # last covered day, 23:59:59 CET


def test_cancel_and_move_one_date():
    parsed = _parse("cancel_and_move.toml")
    master, cancelled, moved, earlier = parsed.events  # overrides by RECURRENCE-ID
    # a cancelled date is an override with STATUS:CANCELLED, not a silent EXDATE
    assert _at("2026-02-05") not in master.exdates
    assert cancelled.status == "CANCELLED" and cancelled.uid == CAFE
    assert cancelled.recurrence_id == cancelled.start == _at("2026-02-05")
    assert cancelled.description.startswith("Fällt aus: Das Team ist auf Fortbildung.")
    assert _at("2026-03-05") not in master.exdates and _at("2026-05-07") not in master.exdates
    assert "Fällt aus am 05.02.2026: Das Team ist auf Fortbildung." in master.description
    assert master.description.startswith("Offener Treffpunkt.")
    assert moved.uid == master.uid == CAFE and moved.rrule == "" and moved.exdates == ()
    assert moved.recurrence_id == _at("2026-03-05")
    assert (moved.start, moved.end) == (_at("2026-03-12", 17), _at("2026-03-12", 19))
    assert moved.location == "Stadthalle Idstein, kleiner Saal"
    assert moved.description.startswith(
        "Geänderter Termin (statt 05.03.2026, 18:00 Uhr): Im Killingerhaus wird renoviert.")
    assert earlier.recurrence_id == _at("2026-05-07")
    assert (earlier.start, earlier.end) == (_at("2026-05-07", 16, 30), _at("2026-05-07", 18, 30))
    assert earlier.location == "Killingerhaus" and "„Frühlingsfests“" in earlier.description

    found = _expand(_calendar(parsed.events), CAFE, date(2026, 1, 1), date(2026, 6, 1))
    assert [(o.decoded("DTSTART"), str(o.get("LOCATION")), str(o.get("STATUS")))
            for o in found] == [
        (_at("2026-02-05"), "Killingerhaus", "CANCELLED"),
        (_at("2026-03-12", 17), "Stadthalle Idstein, kleiner Saal", "CONFIRMED"),
        (_at("2026-05-07", 16, 30), "Killingerhaus", "CONFIRMED"),
    ]  # Jan 1 Neujahr, Apr 2 Osterferien; Feb 5 shown as cancelled


def test_weeks_of_the_dst_changes_keep_local_time():
    parsed = _parse("weekly_across_dst.toml")
    one_off, series = parsed.events
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20261105T225959Z;BYDAY=TH"
    assert one_off.start.utcoffset() == timedelta(hours=2)  # 29 March, after 02:00
    found = _expand(_calendar(parsed.events), "sprachtreff@stadt-idstein",
                    date(2026, 3, 1), date(2027, 1, 1))
    starts = {o.decoded("DTSTART").date().isoformat(): o.decoded("DTSTART") for o in found}
    assert len(starts) == 34 and max(starts) == "2026-11-05"
    for day, offset in (("2026-03-26", 1), ("2026-04-02", 2), ("2026-10-22", 2),
                        ("2026-10-29", 1)):
        local = starts[day].astimezone(BERLIN)
        assert (local.hour, local.minute) == (18, 0)
        assert local.utcoffset() == timedelta(hours=offset)
        assert starts[day].astimezone(UTC).hour == 18 - offset
    ends = [o.decoded("DTEND").astimezone(BERLIN) for o in found]
    assert all((e.hour, e.minute) == (19, 30) for e in ends)


def test_shipped_city_feed():
    parsed = _parse((ROOT / "feeds" / "stadt-idstein.toml").read_bytes(), today=date(2026, 5, 1))
    by_uid = {(e.uid, e.recurrence_id): e for e in parsed.events}
    assert len(by_uid) == len(parsed.events)
    assert parsed.title == "Stadt Idstein – WIR in Idstein"
    assert by_uid[("akteurskonferenz-2023@stadt-idstein", None)].start == _at("2023-06-03", 10)
    workshops = sorted(e.start.date() for e in parsed.events if "workshop" in e.summary.lower())
    assert workshops == [date(2023, 7, 12), date(2023, 7, 19)]
    assert any("„Bürgerschaftliches Engagement“" in e.summary for e in parsed.events)
    assert any(e.summary.startswith("Strategieklausur") and e.start.year == 2023
               for e in parsed.events)
    week = by_uid[("interkulturelle-woche-2026@stadt-idstein", None)]
    assert (week.start, week.end) == (date(2026, 9, 20), date(2026, 9, 28))  # all-day, excl.
    cafe = by_uid[(CAFE, None)]
    assert cafe.summary == "WIR Café" and cafe.rrule.startswith("FREQ=MONTHLY;UNTIL=")
    found = _expand(_calendar(parsed.events), CAFE, date(2027, 1, 1), date(2028, 1, 1))
    expected = [_at(d) for d in KEPT if d.startswith("2027") and d not in
                ("2027-03-04", "2027-11-04")] + [_at("2027-11-11", 17)]
    live = [o.decoded("DTSTART") for o in found if str(o.get("STATUS")) != "CANCELLED"]
    assert live == sorted(expected)
    assert [o.decoded("DTSTART") for o in found if str(o.get("STATUS")) == "CANCELLED"] == [
        _at("2027-03-04")]  # published as cancelled, not dropped
    assert "Fällt aus am 04.03.2027" in cafe.description
    moved = _expand(_calendar(parsed.events), CAFE, date(2027, 11, 1), date(2027, 12, 1))
    assert "„Idstein erzählt“" in str(moved[0]["DESCRIPTION"])  # parsed back intact


def test_first_date_off_the_rule_starts_on_the_first_occurrence():
    master, = _parse("first_date_not_on_rule.toml").events
    assert master.start == _at("2026-02-05")
    assert "UNTIL" not in master.rrule and master.exdates == ()  # no skip: open-ended


def test_count_past_the_holiday_data_becomes_until():
    master, = _parse("count_beyond_holiday_coverage.toml").events
    assert master.rrule == "FREQ=MONTHLY;UNTIL=20300830T215959Z;BYDAY=2WE"
    assert _at("2030-08-14", 9) in master.exdates  # Sommerferien 2030
    assert series_dates([master], master.uid)[-1] == _at("2030-07-10", 9)


def test_public_holidays_callable_gets_the_years_of_the_series():
    asked = []

    def public(years):
        asked.append(list(years))
        return {date(2026, 3, 5): "Testfeiertag"}

    parsed = _parse("cafe_first_thursday_skip_holidays.toml", public=public)
    assert asked == [list(range(2024, 2031))]
    assert _at("2026-03-05") in parsed.events[0].exdates


def test_output_does_not_depend_on_today():
    a = _parse("cancel_and_move.toml", today=date(2026, 1, 1))
    b = _parse("cancel_and_move.toml", today=date(2030, 6, 1))
    assert a == b


def test_coverage_warning_is_logged_with_the_source_id(caplog):
    with caplog.at_level(logging.WARNING, logger="syncsvc.parse.schedule"):
        _parse("cafe_first_thursday_skip_holidays.toml", today=date(2030, 3, 1))
    assert any(getattr(r, "source", None) == "stadt-idstein"
               and r.getMessage().startswith("Ferientermine nur bis 30.08.2030 hinterlegt")
               for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="syncsvc.parse.schedule"):
        _parse("cafe_first_thursday_skip_holidays.toml", today=date(2026, 3, 1))
    assert caplog.text == ""


@pytest.mark.parametrize("name, fragments", [
    ("bad_start_time.toml", ["Reihe 'wir-cafe'", "'start'", "'18 Uhr' ist keine Uhrzeit"]),
    ("unknown_key_typo.toml", ["Termin 'fest'", "'loaction'", "unbekannt"]),
    ("move_not_an_occurrence.toml", ["Reihe 'wir-cafe', move", "'date'",
                                     "06.03.2026 ist kein Termin der Reihe"]),
    ("bad_rrule.toml", ["Reihe 'wir-cafe'", "'rrule'", "keine gültige Regel"]),
    ("duplicate_id.toml", ["Termin 'workshop'", "'id'", "doppelt"]),
])
def test_bad_entry_is_skipped_with_a_german_sentence_naming_entry_and_key(name, fragments):
    parsed = _parse(name)
    assert len(parsed.skipped) == 1, parsed.skipped
    for fragment in fragments:
        assert fragment in parsed.skipped[0]
    assert "übersprungen" in parsed.skipped[0]


def test_one_bad_entry_leaves_the_rest_published():
    good = _parse("cafe_first_thursday_skip_holidays.toml")
    body = (DATA / "cafe_first_thursday_skip_holidays.toml").read_bytes() + (
        b'\n[[event]]\nid = "fest"\ntitle = "Fest"\ndate = 2027-02-30\n')
    parsed = _parse(body)
    assert parsed.events == good.events
    (problem,) = parsed.skipped
    assert problem.line == body.count(b"\n") and "Termin ab Zeile" in problem
    assert "ungültiges Datum" in problem


def test_bad_cancel_is_skipped_alone_and_one_beyond_the_holiday_data_is_a_warning():
    body = (DATA / "cafe_first_thursday_skip_holidays.toml").read_bytes() + (
        b'\n  [[series.cancel]]\n  date = 2026-03-06\n'
        b'\n  [[series.cancel]]\n  date = 2099-01-01\n')
    parsed = _parse(body)
    assert [e.uid for e in parsed.events] == [
        e.uid for e in _parse("cafe_first_thursday_skip_holidays.toml").events]
    bad, beyond = parsed.skipped
    assert "06.03.2026 ist kein Termin der Reihe" in bad and not bad.warning
    assert bad.where == ("series", 0, "cancel", 0, "date")
    assert "nach dem letzten Tag mit Ferienterminen" in beyond and beyond.warning


def test_skip_needs_school_holiday_data_and_known_values():
    assert "keine Ferientermine geladen" in _parse(
        "cafe_first_thursday_skip_holidays.toml", school=[]).skipped[0]
    body = (DATA / "cafe_first_thursday_skip_holidays.toml").read_bytes().replace(
        b'"public-holidays"', b'"ferien"')
    assert "'skip'" in _parse(body).skipped[0]
    with pytest.raises(ParseError, match="kein gültiges TOML: Zeile 1, Spalte 9"):
        _parse(b"[[series]\nid = 1")
