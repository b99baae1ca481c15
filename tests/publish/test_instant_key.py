"""instant_key's shortcut for stored UTC instants gives what parsing and formatting give."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from syncsvc.publish.common import instant_key, sort_instant
from syncsvc.recur.vevent import format_instant, parse_instant


def slow(value: str, tzid: str) -> str:
    return sort_instant(parse_instant(value), tzid).strftime("%Y-%m-%dT%H:%M:%S")


def test_stored_utc_instants_sort_as_their_parsed_form():
    rng = random.Random(7)
    base = datetime(1970, 1, 1, tzinfo=UTC)
    values = [format_instant(base + timedelta(seconds=rng.randrange(0, 4_000_000_000)))
              for _ in range(5000)]
    values += ["2026-03-29T01:00:00Z", "2026-10-25T00:59:59Z", "2028-02-29T23:59:59Z",
               "9999-12-31T23:59:59Z", "1000-01-01T00:00:00Z"]
    for value in values:
        for tzid in ("Europe/Berlin", "America/New_York", "UTC"):
            assert instant_key(value, tzid) == slow(value, tzid), (value, tzid)


def test_dates_and_other_forms_still_go_through_the_zone():
    assert instant_key("2026-06-13", "Europe/Berlin") == "2026-06-12T22:00:00"
    assert instant_key("2026-06-13", "America/New_York") == "2026-06-13T04:00:00"
    # an offset form is not the stored form: parsed, not cut
    assert instant_key("2026-06-13T12:00:00+02:00", "UTC") == "2026-06-13T10:00:00"
    assert instant_key("", "UTC") == ""
