"""parse_ics on real files, one per quirk (tests/data/ics/<quirk>.ics)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from syncsvc.errors import ParseError
from syncsvc.parse.ics import parse_ics

DATA = Path(__file__).parents[1] / "data" / "ics"
BERLIN = "Europe/Berlin"


def parse(name: str, default_tz: str = BERLIN):
    return parse_ics((DATA / name).read_bytes(), "partner", default_tz)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_uid(parsed):
    return {e.uid: e for e in parsed.events}


def test_outlook_windows_zone_name_maps_to_iana():
    (ev,) = parse("outlook_windows_tzid.ics").events
    assert ev.tzid == "Europe/Berlin"
    assert ev.start == utc(2024, 6, 12, 16, 0)  # 18:00 CEST
    assert ev.end == utc(2024, 6, 12, 18, 0)
    assert ev.summary == "Sprachcafé im Bürgerhaus"
    assert ev.location == "Bürgerhaus Idstein, Saal 2"
    assert ev.sequence == 2


def test_custom_vtimezone_is_applied_and_falls_back_to_service_zone_name():
    (ev,) = parse("vtimezone_custom_tzid.ics", default_tz="Europe/Vienna").events
    assert ev.start == utc(2024, 1, 15, 14, 30)  # +01:00 from the VTIMEZONE
    assert ev.tzid == "Europe/Vienna"  # no IANA name exists for the custom TZID


def test_google_x_wr_timezone_governs_floating_and_utc_times():
    parsed = parse("google_x_wr_timezone.ics")
    events = by_uid(parsed)
    floating = events["floating-ny@google.com"]
    assert floating.start == utc(2024, 7, 4, 13, 0)  # 09:00 EDT
    assert floating.tzid == "America/New_York"
    assert events["utc-ny@google.com"].start == utc(2024, 7, 4, 13, 0)
    assert events["utc-ny@google.com"].tzid == "America/New_York"
    assert parsed.title == "Familienzentrum"


def test_floating_times_take_the_service_zone():
    (ev,) = parse("floating_times.ics").events
    assert ev.start == utc(2024, 7, 10, 16, 0)
    assert ev.tzid == BERLIN
    (ev_ny,) = parse("floating_times.ics", default_tz="America/New_York").events
    assert ev_ny.start == utc(2024, 7, 10, 22, 0)


def test_utc_times_stay_instants_and_show_in_service_zone():
    (ev,) = parse("utc_z_times.ics").events
    assert ev.start == utc(2023, 6, 3, 8, 0)
    assert ev.tzid == BERLIN


def test_all_day_events_stay_dates():
    (ev,) = parse("all_day_dates.ics").events
    assert type(ev.start) is date and ev.start == date(2024, 9, 7)
    assert type(ev.end) is date and ev.end == date(2024, 9, 9)
    assert ev.categories == ("Fest", "Kultur")
    assert ev.url == "https://partner.example/strassenfest"


def test_recurring_series_with_exdates_rdate_and_overrides():
    parsed = parse("recurring_series_with_overrides.ics")
    master = [e for e in parsed.events if e.recurrence_id is None]
    overrides = {e.recurrence_id: e for e in parsed.events if e.recurrence_id is not None}
    (series,) = master
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20241216T090000Z;BYDAY=MO"
    assert series.exdates == (utc(2024, 9, 30, 8), utc(2024, 10, 7, 8), utc(2024, 10, 14, 8))
    assert series.rdates == (utc(2024, 12, 19, 9),)
    assert series.sequence == 1
    moved = overrides[utc(2024, 9, 9, 8)]
    assert moved.start == utc(2024, 9, 9, 12) and moved.uid == series.uid
    assert overrides[utc(2024, 9, 16, 8)].status == "CANCELLED"


def test_cancelled_status_is_kept():
    (ev,) = parse("cancelled_status.ics").events
    assert ev.status == "CANCELLED" and ev.sequence == 3


def test_several_vcalendars_in_one_file():
    assert sorted(by_uid(parse("multiple_vcalendars.ics"))) == [
        "multi-a@partner.example", "multi-b@partner.example"]


def test_missing_inner_end_lines_are_repaired():
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@p\r\n"
            b"DTSTART:20240601T100000Z\r\nSUMMARY:Ohne END\r\nBEGIN:VEVENT\r\nUID:b@p\r\n"
            b"DTSTART:20240602T100000Z\r\nSUMMARY:Zweiter\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert sorted(by_uid(parse_ics(body, "partner", BERLIN))) == ["a@p", "b@p"]


def test_body_ending_inside_a_component_is_truncated_not_repaired():
    """A transfer cut off after 60 % was repaired into a smaller calendar, and the
    events after the cut were deleted from the store."""
    with pytest.raises(ParseError, match="Antwort unvollständig.*END:VEVENT fehlt"):
        parse("missing_end_vcalendar.ics")
    body = (DATA / "missing_end_vcalendar.ics").read_bytes()
    cut_after_an_event = body[: body.rindex(b"BEGIN:VEVENT")]
    with pytest.raises(ParseError, match="END:VCALENDAR fehlt"):
        parse_ics(cut_after_an_event, "partner", BERLIN)


def test_bare_vevent_root():
    (ev,) = parse("bare_vevent_root.ics").events
    assert ev.uid == "bare-1@partner.example"


def test_lone_cr_line_endings():
    (ev,) = parse("lone_cr_line_endings.ics").events
    assert ev.summary == "Frühlingsfest"


def test_nul_byte_in_one_title_costs_only_the_nul():
    """Finding: one NUL byte rejected the whole calendar (both events gone)."""
    parsed = parse("nul_byte_in_summary.ics")
    assert [e.summary for e in parsed.events] == ["Sprachcafé Arabisch", "Kleiderausgabe"]


def test_lone_cr_inside_a_value_keeps_the_rest_of_the_value():
    """Finding: a bare CR in a CRLF file ended the value; the rest ("Hinweis: …") was
    read as a property of its own and dropped."""
    (ev,) = parse("lone_cr_inside_value.ics").events
    assert ev.description == "Offener Treff für Eltern.\nHinweis: bitte Hausschuhe mitbringen."
    assert ev.location == "Familienzentrum"


def test_utf16_export_with_bom_is_read():
    (ev,) = parse("utf16_with_bom.ics").events
    assert ev.summary == "Frühlingsfest"


def test_broken_line_folding_joins_the_lost_line():
    (ev,) = parse("broken_line_folding.ics").events
    assert ev.description == ("Bitte anmelden bei Frau Müller.\n"
                              "Die Plätze sind begrenzt – Kinderbetreuung vorhanden.")
    assert ev.location == "Stadthalle"


@pytest.mark.parametrize(("name", "fragment"), [
    ("missing_dtstart.ics", "kein Beginn (DTSTART)"),
    ("invalid_date_value.ics", "ungültiges Beginndatum"),
    ("year_9999.ics", "Jahr 9999"),
    ("rrule_unreadable_trailing_space.ics", "Wiederholungsregel (RRULE) unlesbar"),
])
def test_bad_event_is_skipped_with_german_reason_others_survive(name, fragment):
    parsed = parse(name)
    assert len(parsed.skipped) == 1 and fragment in parsed.skipped[0]
    assert "übersprungen" in parsed.skipped[0]
    assert [e.summary for e in parsed.events] == ["Gültiger Termin"]


def test_year_9999_dtend_is_dropped_not_the_event():
    ev = by_uid(parse("year_9999.ics"))["ok-3@partner.example"]
    assert ev.end is None


def test_dtend_before_dtstart_drops_the_end_keeps_the_event():
    parsed = parse("dtend_before_dtstart.ics")
    (ev,) = parsed.events
    assert ev.start == utc(2024, 5, 8, 18) and ev.end is None
    assert parsed.skipped == ()


def test_missing_uid_gets_a_stable_derived_uid():
    (a,) = parse("missing_uid.ics").events
    (b,) = parse("missing_uid.ics").events
    assert a.uid == b.uid and a.uid.startswith("derived-") and a.uid.endswith("@partner")
    (other,) = parse_ics((DATA / "missing_uid.ics").read_bytes(), "other", BERLIN).events
    assert other.uid != a.uid


def test_escaped_crlf_in_summary_stays_inside_one_event():
    (ev,) = parse("crlf_injection_summary.ics").events
    assert "BEGIN:VEVENT" in ev.summary  # text, not structure; normalize flattens it


@pytest.mark.parametrize(("name", "fragment"), [
    ("html_error_page.ics", "HTML-Seite"),
    ("empty_body.ics", "leer"),
    ("binary_garbage.ics", "kein iCalendar"),
])
def test_whole_source_failures_raise_parse_error_in_german(name, fragment):
    with pytest.raises(ParseError) as err:
        parse(name)
    assert err.value.source_id == "partner"
    assert fragment in err.value.message


def test_unreadable_property_value_skips_only_that_event():
    body = (DATA / "missing_dtstart.ics").read_bytes().replace(
        b"SUMMARY:Termin ohne Beginn", b"SUMMARY:Kaputt\r\nDTSTART:20241301T100000Z")
    parsed = parse_ics(body, "partner", BERLIN)
    assert [e.summary for e in parsed.events] == ["Gültiger Termin"]
    assert len(parsed.skipped) == 1
