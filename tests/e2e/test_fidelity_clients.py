"""The client adapters of tests/clients, each held to the exact occurrences of tiny files.

Every client must see exactly the expected (start, end, summary, status) set; a known
deviation of one client is written down next to the expectation, so an adapter that drops
overrides, misreads a zone or loses an EXDATE fails here, and so does a client release
that changes behaviour.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clients import (
    CLIENTS,
    PARSERS,
    ClientError,
    ClientUnavailable,
    Job,
    Occ,
    expand,
    expand_many,
    parse_errors,
    skip_reason,
)

DATA = Path(__file__).parents[1] / "data" / "ics" / "clients"
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def occ(start, end, summary, status="CONFIRMED"):
    return Occ(start, end, summary, status)


CAFE = "Café across DST"
EXPECTED = {
    # Europe/Berlin 18:00-20:00 every Thursday; DST starts 2026-03-29 (UTC+1 -> UTC+2).
    "dst_weekly_tzid.ics": {
        occ("2026-03-12T17:00:00Z", "2026-03-12T19:00:00Z", CAFE),
        occ("2026-03-19T17:00:00Z", "2026-03-19T19:00:00Z", CAFE),
        occ("2026-03-26T17:00:00Z", "2026-03-26T19:00:00Z", CAFE),
        occ("2026-04-02T16:00:00Z", "2026-04-02T18:00:00Z", CAFE),
        occ("2026-04-09T16:00:00Z", "2026-04-09T18:00:00Z", CAFE),
    },
    # UTC, DURATION, UNTIL inclusive, summary padded, a single event without any end.
    "utc_daily.ics": {
        occ("2026-01-05T09:00:00Z", "2026-01-05T09:30:00Z", "Stand-up", "TENTATIVE"),
        occ("2026-01-06T09:00:00Z", "2026-01-06T09:30:00Z", "Stand-up", "TENTATIVE"),
        occ("2026-01-07T09:00:00Z", "2026-01-07T09:30:00Z", "Stand-up", "TENTATIVE"),
        occ("2026-01-06T12:00:00Z", "2026-01-06T12:00:00Z", "No end given"),
    },
    # All-day weekly without DTEND (one day each), 2026-06-08 excluded; a two-day event.
    "allday_exdate.ics": {
        occ("2026-06-01", "2026-06-02", "Markttag"),
        occ("2026-06-15", "2026-06-16", "Markttag"),
        occ("2026-06-22", "2026-06-23", "Markttag"),
        occ("2026-06-10", "2026-06-12", "Two days"),
    },
    # The 2026-05-11 10:00 occurrence moved to 05-12 14:00-15:30 with a new summary.
    "override_moved.ics": {
        occ("2026-05-04T08:00:00Z", "2026-05-04T09:00:00Z", "Sprachkurs"),
        occ("2026-05-12T12:00:00Z", "2026-05-12T13:30:00Z", "Sprachkurs (verschoben)"),
        occ("2026-05-18T08:00:00Z", "2026-05-18T09:00:00Z", "Sprachkurs"),
    },
    # The 09-02 occurrence is overridden as CANCELLED: it is still listed, with that status.
    "cancelled_override.ics": {
        occ("2026-09-01T16:00:00Z", "2026-09-01T17:00:00Z", "Sprechstunde"),
        occ("2026-09-02T16:00:00Z", "2026-09-02T17:00:00Z", "Sprechstunde", "CANCELLED"),
        occ("2026-09-03T16:00:00Z", "2026-09-03T17:00:00Z", "Sprechstunde"),
    },
    # A VTIMEZONE whose observances are listed as multi-valued RDATEs (no RRULE).
    "vtimezone_multi_rdate.ics": {
        occ("2026-07-01T08:00:00Z", "2026-07-01T08:00:00Z", "summer 2026"),
        occ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z", "winter 2026"),
    },
}

# Known client behaviour that differs from EXPECTED: (client, file) -> (extra, missing).
QUIRKS = {
    # ical 14.x keys series instances by floating RECURRENCE-IDs ("20260902T160000") and so
    # never matches an override whose RECURRENCE-ID is UTC ("...Z"): the original instance
    # stays beside the override.
    ("ha_ical", "cancelled_override.ics"): (
        {occ("2026-09-02T16:00:00Z", "2026-09-02T17:00:00Z", "Sprechstunde")}, set()),
    # ical.js 2.x takes only the first value of a multi-valued RDATE in an observance: the
    # 2026-10-25 change back to +01:00 is lost, so winter 2026 stays at +02:00.
    ("icaljs", "vtimezone_multi_rdate.ics"): (
        {occ("2026-12-01T08:00:00Z", "2026-12-01T08:00:00Z", "winter 2026")},
        {occ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z", "winter 2026")}),
}


@pytest.fixture(scope="module", params=CLIENTS)
def client(request):
    try:
        reason = skip_reason(request.param)
    except ClientUnavailable as e:
        pytest.fail(str(e))
    if reason:
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="module")
def expanded(client):
    """All files expanded in one batch (one node / libical process)."""
    files = sorted(EXPECTED)
    results = expand_many(client, [Job(DATA / f, *WINDOW) for f in files])
    return dict(zip(files, results, strict=True))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_client_sees_exactly_the_expected_occurrences(client, expanded, name):
    result = expanded[name]
    assert not isinstance(result, ClientError), result
    extra, missing = QUIRKS.get((client, name), (set(), set()))
    assert set(result) == (EXPECTED[name] | extra) - missing
    assert result.truncated == frozenset()


def test_single_expand_equals_the_batch(client, expanded):
    assert expand(client, DATA / "override_moved.ics", *WINDOW) == expanded["override_moved.ics"]
    content = (DATA / "dst_weekly_tzid.ics").read_bytes()
    assert expand(client, content, *WINDOW) == expanded["dst_weekly_tzid.ics"]


def test_window_keeps_starts_in_half_open_interval(client):
    # 03-12 17:00-19:00 overlaps the window start but starts before it; 04-09 starts at the
    # (exclusive) end.
    window = (datetime(2026, 3, 12, 18, tzinfo=UTC), datetime(2026, 4, 9, 16, tzinfo=UTC))
    starts = {o.start for o in expand(client, DATA / "dst_weekly_tzid.ics", *window)}
    assert starts == {"2026-03-19T17:00:00Z", "2026-03-26T17:00:00Z", "2026-04-02T16:00:00Z"}


FLOATING = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//syncsvc tests//clients//EN\r
BEGIN:VEVENT\r
UID:floating@clients.test\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260701T100000\r
DTEND:20260701T113000\r
SUMMARY:Floating\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.mark.parametrize(("zone", "start", "end"), [
    ("Europe/Berlin", "2026-07-01T08:00:00Z", "2026-07-01T09:30:00Z"),
    ("UTC", "2026-07-01T10:00:00Z", "2026-07-01T11:30:00Z"),
])
def test_floating_times_are_read_in_floating_tz(client, zone, start, end):
    assert expand(client, FLOATING, *WINDOW, floating_tz=zone) == {occ(start, end, "Floating")}


SECONDLY = FLOATING.replace("DTSTART:20260701T100000", "DTSTART:20260701T100000Z").replace(
    "DTEND:20260701T113000", "DURATION:PT1S\r\nRRULE:FREQ=SECONDLY")


def test_a_flooding_series_is_cut_at_the_cap(client):
    t0 = time.monotonic()
    result = expand(client, SECONDLY, *WINDOW, max_per_series=50, timeout=30)
    assert time.monotonic() - t0 < 30
    assert result.truncated == {"floating@clients.test"}
    assert 0 < len(result) <= 50


def test_unparsable_input_is_a_client_error(client):
    with pytest.raises(ClientError) as err:
        expand(client, b"this is not a calendar\r\n", *WINDOW)
    assert err.value.client == client and err.value.kind == "parse"


@pytest.mark.parametrize("parser", PARSERS)
def test_parse_errors_none_for_good_files_some_for_bad(parser):
    try:
        reason = skip_reason(parser)
    except ClientUnavailable as e:
        pytest.fail(str(e))
    if reason:
        pytest.skip(reason)
    for name in EXPECTED:
        assert parse_errors(parser, DATA / name) == [], name
    assert parse_errors(parser, b"BEGIN:VCALENDAR\r\nthis is not a calendar\r\n")


def test_icaljs_batch_survives_a_job_that_hangs():
    try:
        reason = skip_reason("icaljs")
    except ClientUnavailable as e:
        pytest.fail(str(e))
    if reason:
        pytest.skip(reason)
    # ical.js loops forever normalising this duration; the process is killed and a new one
    # answers the jobs after it.
    hang = FLOATING.replace("DTEND:20260701T113000", "DURATION:P999999999999999999W")
    jobs = [Job(DATA / "utc_daily.ics", *WINDOW), Job(hang, *WINDOW),
            Job(DATA / "allday_exdate.ics", *WINDOW)]
    first, second, third = expand_many("icaljs", jobs, timeout=1)
    assert set(first) == EXPECTED["utc_daily.ics"]
    assert isinstance(second, ClientError) and second.kind == "timeout"
    assert set(third) == EXPECTED["allday_exdate.ics"]
