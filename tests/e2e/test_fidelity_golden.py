"""Golden pairs for producer quirks: input file beside the expansion the partner meant.

Each ``tests/data/ics/fidelity/<quirk>.ics`` is synced through the real pipeline; the
per-source view must expand to exactly ``<quirk>.expected`` (written by hand from what
the file means, not from any client's output). Each file once published something else:
the quirk's name says what.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from conftest import DATA
from fidelity import read_expected, rie_occurrences, sync_file

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUIRKS = sorted(p.stem for p in (DATA / "ics" / "fidelity").glob("*.ics"))


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    out = {}
    for quirk in QUIRKS:
        out[quirk] = sync_file(tmp_path_factory.mktemp(quirk), DATA / "ics" / "fidelity" /
                               f"{quirk}.ics", NOW)
    return out


@pytest.mark.parametrize("quirk", QUIRKS)
def test_per_source_view_expands_to_the_golden_occurrences(quirk, synced):
    expected = read_expected(DATA / "ics" / "fidelity" / f"{quirk}.expected")
    got = rie_occurrences(synced[quirk].view.read_bytes(), synced[quirk].window)
    assert sorted(got) == sorted(expected)


@pytest.mark.parametrize("quirk", QUIRKS)
def test_published_series_are_rfc_shaped(quirk, synced):
    """UNTIL in UTC beside a TZID start, one value type per EXDATE/RDATE, no RRULE in an
    override, no X-WR-TIMEZONE, every TZID with its VTIMEZONE."""
    cal = icalendar.Calendar.from_ical(synced[quirk].view.read_bytes())
    assert "X-WR-TIMEZONE" not in cal
    for ve in cal.walk("VEVENT"):
        start = ve.decoded("DTSTART")
        if "RECURRENCE-ID" in ve:
            assert "RRULE" not in ve
            assert type(ve.decoded("RECURRENCE-ID")) is type(start)
        for until in ve.get("RRULE", {}).get("UNTIL", []):
            assert type(until) is type(start)
            if isinstance(until, datetime):
                assert until.tzinfo is not None and until.utcoffset().total_seconds() == 0
        for name in ("EXDATE", "RDATE"):
            props = ve.get(name, [])
            for prop in props if isinstance(props, list) else [props]:
                assert {type(v.dt) for v in prop.dts} <= {type(start)}
    assert not cal.get_missing_tzids()
