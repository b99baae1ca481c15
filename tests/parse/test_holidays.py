"""School holidays file, Hessian public holidays, and the coverage warning."""

from __future__ import annotations

import urllib.request
from datetime import date, timedelta
from pathlib import Path

import holidays
import icalendar
import pytest

from syncsvc.errors import ConfigError
from syncsvc.parse.holidays import (
    coverage_end,
    coverage_warning,
    is_school_holiday,
    load_school_holidays,
    public_holidays_he,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config" / "schulferien-hessen.ics"


def _days(ranges):
    out = set()
    for first, last in ranges:
        out |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return out


def _ics(path: Path, events: list[tuple[str, date, date | None]]) -> Path:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//DE")
    cal.add("version", "2.0")
    for n, (name, start, end) in enumerate(events):
        ev = icalendar.Event()
        ev.add("uid", f"t{n}@test")
        ev.add("summary", name)
        ev.add("dtstart", start)
        if end is not None:
            ev.add("dtend", end)
        cal.add_component(ev)
    path.write_bytes(cal.to_ical())
    return path


def test_shipped_file_matches_holidays_package_for_every_common_day():
    ranges = load_school_holidays(str(SHIPPED))
    first_day = ranges[0][0]
    package = holidays.country_holidays("DE", subdiv="HE", categories=("school",),
                                        years=range(first_day.year, 2032))
    package_days = {d for d in package if d >= first_day}
    common_end = max(package_days)
    assert common_end >= date(2029, 8, 24)  # the package covers at least Sommerferien 2029
    shipped_days = {d for d in _days(ranges) if d <= common_end}
    assert shipped_days == package_days, (
        sorted(shipped_days ^ package_days)[:10]
    )


def test_shipped_file_has_four_holidays_per_school_year_through_sommerferien_2030():
    cal = icalendar.Calendar.from_ical(SHIPPED.read_bytes())
    events = list(cal.walk("VEVENT"))
    names = [str(e["SUMMARY"]).split()[0] for e in events]
    assert names == ["Herbstferien", "Weihnachtsferien", "Osterferien", "Sommerferien"] * 8
    assert str(events[-1]["SUMMARY"]) == "Sommerferien 2030"
    assert str(events[0]["SUMMARY"]) == "Herbstferien 2022"
    assert "Weihnachtsferien 2026/27" in [str(e["SUMMARY"]) for e in events]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids) and "herbstferien-2026@schulferien-hessen.syncsvc" in uids
    for e in events:  # all-day, DTEND exclusive
        assert type(e.decoded("DTSTART")) is date and type(e.decoded("DTEND")) is date
        assert e.decoded("DTEND") > e.decoded("DTSTART")
    assert "kultus.hessen.de/schulsystem/ferien/ferientermine" in str(cal["X-WR-CALDESC"])
    assert "Hessisches Ministerium für Kultus" in str(cal["X-WR-CALDESC"])


def test_shipped_file_known_official_ranges_and_coverage():
    ranges = load_school_holidays(str(SHIPPED))
    assert (date(2026, 10, 5), date(2026, 10, 17)) in ranges  # Herbstferien 2026, ends Sat
    assert (date(2026, 12, 23), date(2027, 1, 12)) in ranges
    assert (date(2030, 7, 22), date(2030, 8, 30)) in ranges
    assert coverage_end(ranges) == date(2030, 8, 30)
    # no holiday missing: consecutive holidays are never more than ~100 days apart
    gaps = [(b[0] - a[1]).days for a, b in zip(ranges, ranges[1:], strict=False)]
    assert max(gaps) < 110 and min(gaps) > 0


def test_dtend_is_exclusive_and_missing_dtend_means_one_day(tmp_path):
    path = _ics(tmp_path / "ferien.ics", [
        ("Osterferien 2027", date(2027, 3, 22), date(2027, 4, 3)),
        ("Beweglicher Ferientag", date(2027, 5, 7), None),
    ])
    ranges = load_school_holidays(str(path))
    assert ranges == [(date(2027, 3, 22), date(2027, 4, 2)), (date(2027, 5, 7), date(2027, 5, 7))]
    assert is_school_holiday(date(2027, 4, 2), ranges)
    assert not is_school_holiday(date(2027, 4, 3), ranges)
    assert is_school_holiday(date(2027, 5, 7), ranges)


def test_load_from_url_goes_through_the_fetch_callable(httpserver):
    httpserver.expect_request("/ferien.ics").respond_with_data(
        SHIPPED.read_bytes(), content_type="text/calendar")
    url = httpserver.url_for("/ferien.ics")
    fetched = []

    def fetch(u: str) -> bytes:
        fetched.append(u)
        with urllib.request.urlopen(u, timeout=5) as resp:
            return resp.read()

    assert load_school_holidays(url, fetch=fetch) == load_school_holidays(str(SHIPPED))
    assert fetched == [url]
    with pytest.raises(ConfigError):
        load_school_holidays(url)  # a URL needs the fetch stage


@pytest.mark.parametrize("content, fragment", [
    (None, "nicht lesbar"),
    (b"das ist kein Kalender", "keine gültige iCalendar-Datei"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n", "keine Ferientermine"),
])
def test_unreadable_holiday_data_is_a_german_config_error(tmp_path, content, fragment):
    path = tmp_path / "ferien.ics"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        load_school_holidays(str(path))
    assert fragment in str(err.value) and str(path) in str(err.value)


def test_public_holidays_he_in_german():
    found = public_holidays_he([2026, 2027])
    assert found[date(2026, 1, 1)] == "Neujahr"
    assert found[date(2026, 6, 4)] == "Fronleichnam"
    assert found[date(2027, 5, 6)] == "Christi Himmelfahrt"
    assert found[date(2027, 5, 1)] == "Erster Mai"
    assert found[date(2026, 10, 3)] == "Tag der Deutschen Einheit"
    assert date(2026, 10, 31) not in found  # Reformationstag is not a holiday in Hesse
    assert date(2026, 1, 6) not in found  # nor Heilige Drei Könige
    assert len([d for d in found if d.year == 2026]) == 10


def test_coverage_end_stops_at_a_gap_in_the_data():
    ranges = [(date(2029, 12, 24), date(2030, 1, 11)), (date(2030, 4, 8), date(2030, 4, 22)),
              (date(2030, 7, 22), date(2030, 8, 30)),
              (date(2031, 7, 14), date(2031, 8, 22))]  # next summer without autumn/Christmas
    assert coverage_end(ranges) == date(2030, 8, 30)
    assert coverage_end(ranges[:1]) == date(2030, 1, 11)


def test_coverage_warning_from_six_months_before_the_end():
    end = date(2030, 8, 30)
    assert coverage_warning(end, date(2030, 2, 27)) is None
    expected = ("Ferientermine nur bis 30.08.2030 hinterlegt – bitte die Termine für das "
                "nächste Schuljahr in config/schulferien-hessen.ics eintragen")
    assert coverage_warning(end, date(2030, 2, 28)) == expected
    assert coverage_warning(end, date(2030, 8, 30)) == expected
    assert coverage_warning(end, date(2031, 1, 1)) == expected  # still after the end
    assert coverage_warning(end, date(2026, 5, 1)) is None
