"""calendar.ics: parsed back with icalendar and expanded with recurring-ical-events."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from publish_records import EVIL_TITLE, events

from syncsvc.publish.ics import render_calendar
from syncsvc.publish.vtimezone import vtimezone

BERLIN = ZoneInfo("Europe/Berlin")


def render(evs=None, **kw) -> bytes:
    args = dict(name="WIR in Idstein", tz="Europe/Berlin", base_url="https://termine.example",
                refresh_s=1800)
    args.update(kw)
    return render_calendar(events() if evs is None else evs, **args)


@pytest.fixture(scope="module")
def data() -> bytes:
    return render()


@pytest.fixture(scope="module")
def cal(data) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_calendar_properties(cal, data):
    assert cal["VERSION"] == "2.0"
    assert "METHOD" not in cal  # PUBLISH would require an ORGANIZER (RFC 5546)
    assert cal["CALSCALE"] == "GREGORIAN"
    assert str(cal["X-WR-CALNAME"]) == "WIR in Idstein – Termine"
    assert "X-WR-TIMEZONE" not in cal  # would move UTC-anchored series in some clients
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT30M\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL;VALUE=DURATION:PT30M\r\n" in data
    assert b"\r\nSOURCE;VALUE=URI:https://termine.example/calendar.ics\r\n" in data


def test_every_event_once_series_stay_series(cal):
    vevents = cal.walk("VEVENT")
    assert len(vevents) == len(events()) == 7
    cafe = [v for v in vevents if v["UID"] == "pub-cafe"]
    assert len(cafe) == 2
    assert "RRULE" in cafe[0] and "RECURRENCE-ID" not in cafe[0]
    assert "RECURRENCE-ID" in cafe[1]  # override follows its master
    assert cafe[1].decoded("RECURRENCE-ID") == datetime(2026, 3, 12, 18, 0, tzinfo=BERLIN)
    assert cafe[0]["SEQUENCE"] == 1 and cafe[1]["SEQUENCE"] == 2


def test_stable_order_by_start_then_uid(cal):
    uids = [v["UID"] for v in cal.walk("VEVENT") if "RECURRENCE-ID" not in v]
    assert uids == ["pub-klausur", "pub-cafe", "pub-sprach", "pub-evil", "pub-london",
                    "pub-fest"]


def test_vtimezone_for_every_tzid_with_dst(cal, data):
    used = set()
    for ve in cal.walk("VEVENT"):
        for prop in ve.values():
            for p in prop if isinstance(prop, list) else [prop]:
                if getattr(p, "params", {}).get("TZID"):
                    used.add(p.params["TZID"])
    assert used == {"Europe/Berlin", "Europe/London"}
    zones = {str(tz["TZID"]): tz for tz in cal.walk("VTIMEZONE")}
    assert set(zones) == used
    berlin = zones["Europe/Berlin"]
    summer = [c for c in berlin.walk("DAYLIGHT")]
    assert summer and summer[0]["TZOFFSETTO"].to_ical() in ("+0200", b"+0200")
    # the switch to CEST at 02:00 local in the offset it leaves (RFC 5545 §3.6.5), by rule
    assert summer[0].decoded("DTSTART").time() == time(2, 0)
    assert summer[0]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "Europe/London", "America/New_York",
                                  "Australia/Sydney", "Asia/Tehran", "Africa/Casablanca"])
def test_vtimezone_offsets_equal_zoneinfo_without_a_2038_cliff(tzid):
    """Every hour from 2024 to 2045: the offset icalendar reads from our VTIMEZONE is the
    zoneinfo offset (one RDATE value per property, so ical.js reads them all too)."""
    vtz = vtimezone(tzid, date(2024, 1, 1), date(2038, 1, 1))
    data = vtz.to_ical()
    assert all(line.count(b",") == 0 for line in data.splitlines() if line.startswith(b"RDATE"))
    ours, real = vtz.to_tz(), ZoneInfo(tzid)
    last = 2039 if tzid == "Africa/Casablanca" else 2045  # irregular: listed through the span
    at = datetime(2024, 1, 1, tzinfo=UTC)
    while at.year < last:
        assert at.astimezone(ours).utcoffset() == at.astimezone(real).utcoffset(), (tzid, at)
        at += timedelta(hours=1)


def test_all_day_stays_date(cal, data):
    fest = next(v for v in cal.walk("VEVENT") if v["UID"] == "pub-fest")
    assert fest.decoded("DTSTART") == date(2026, 6, 13)
    assert fest.decoded("DTEND") == date(2026, 6, 15)
    assert b"DTSTART;VALUE=DATE:20260613" in data


def test_dtstamp_and_attribution_from_records(cal):
    cafe = next(v for v in cal.walk("VEVENT") if v["UID"] == "pub-cafe")
    assert cafe.decoded("DTSTAMP") == datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert cafe.decoded("LAST-MODIFIED") == cafe.decoded("DTSTAMP")
    desc = str(cafe["DESCRIPTION"])
    assert desc.startswith("Offener Treff für alle – mit Kaffee & Kuchen.\n\n")
    assert "Veranstalter: Idstein bleibt bunt e.V. (https://ibb.example/termine/cafe)" in desc
    assert "Auch angekündigt von: Stadt Idstein (https://www.idstein.de/wir)" in desc
    assert str(cafe["URL"]) == "https://ibb.example/termine/cafe"
    fest = next(v for v in cal.walk("VEVENT") if v["UID"] == "pub-fest")
    assert fest["CATEGORIES"].cats == ["Feste & Märkte", "Kultur"]


def test_umlauts_and_quotes_intact(cal, data):
    sprach = next(v for v in cal.walk("VEVENT") if v["UID"] == "pub-sprach")
    assert str(sprach["SUMMARY"]) == "Sprachcafé „Deutsch für alle“ – Übung macht Meister"
    assert "„Wie sagt man…?“" in str(sprach["DESCRIPTION"])
    data.decode("utf-8")  # valid UTF-8 even where lines are folded


def test_injection_stays_inside_one_value(cal, data):
    lines = data.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 7
    assert b"\r\nUID:injected" not in data
    evil = next(v for v in cal.walk("VEVENT") if v["UID"] == "pub-evil")
    assert str(evil["SUMMARY"]) == EVIL_TITLE.replace("\r\n", "\n")
    assert len(cal.walk("VCALENDAR")) == 1


def test_same_input_same_bytes_regardless_of_order(data):
    shuffled = events()
    random.Random(7).shuffle(shuffled)
    assert render(shuffled) == data
    assert render() == data


def test_recurrence_expansion_honours_override_and_exdate(cal):
    occ = recurring_ical_events.of(cal).between(datetime(2026, 3, 1, tzinfo=BERLIN),
                                                 datetime(2026, 4, 10, tzinfo=BERLIN))
    cafe = sorted(o.decoded("DTSTART") for o in occ if o["UID"] == "pub-cafe")
    assert cafe == [
        datetime(2026, 3, 5, 18, 0, tzinfo=BERLIN),
        datetime(2026, 3, 12, 19, 0, tzinfo=BERLIN),  # moved
        datetime(2026, 3, 26, 18, 0, tzinfo=BERLIN),  # 19 March excluded; 26 March after DST
        datetime(2026, 4, 2, 18, 0, tzinfo=BERLIN),
        datetime(2026, 4, 9, 18, 0, tzinfo=BERLIN),
    ]


def test_empty_calendar_is_valid():
    cal = icalendar.Calendar.from_ical(render([]))
    assert cal.walk("VEVENT") == [] and cal["VERSION"] == "2.0"


def test_view_title_and_self_path():
    cal = icalendar.Calendar.from_ical(
        render(title="WIR in Idstein – Termine: Kultur", self_path="/calendar/kultur.ics"))
    assert str(cal["X-WR-CALNAME"]) == "WIR in Idstein – Termine: Kultur"
    assert str(cal["SOURCE"]) == "https://termine.example/calendar/kultur.ics"
