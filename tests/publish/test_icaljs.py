"""The published calendar as Thunderbird sees it: parsed and expanded by Mozilla's ical.js.

ical.js resolves TZIDs through our VTIMEZONE components (not a built-in zone database), so
matching instants also proves the VTIMEZONEs carry the right DST rules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from publish_records import NOW, SOURCE_NAMES, events, items, settings

from syncsvc.publish import publish_all

JS = Path(__file__).parents[1] / "js"
WINDOW = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(not (JS / "node_modules" / "ical.js").is_dir(),
                       reason="ical.js missing: run `npm ci --prefix tests/js`"),
]


def icaljs(path: Path) -> dict:
    start, end = (w.strftime("%Y-%m-%dT%H:%M:%SZ") for w in WINDOW)
    proc = subprocess.run(["node", str(JS / "check_ics.mjs"), str(path), start, end],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def python_occurrences(cal: icalendar.Calendar) -> list[tuple[str, object]]:
    out = []
    for comp in recurring_ical_events.of(cal).between(*WINDOW):
        start = comp.decoded("DTSTART")
        if isinstance(start, datetime):
            if start < WINDOW[0]:
                continue
            out.append((str(comp["UID"]), int(start.timestamp())))
        elif isinstance(start, date):
            out.append((str(comp["UID"]), start.isoformat()))
    return sorted(out, key=repr)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("icaljs")
    publish_all(events(), items(), settings(tmp), now=NOW, source_names=SOURCE_NAMES)
    return tmp / "public"


@pytest.mark.parametrize("view", ["calendar.ics", "calendar/begegnung.ics",
                                  "sources/caritas/calendar.ics"])
def test_icaljs_agrees_with_recurring_ical_events(published, view):
    path = published / view
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    js = icaljs(path)
    assert js["count"] == len(cal.walk("VEVENT"))
    assert js["uids"] == sorted({str(v["UID"]) for v in cal.walk("VEVENT")})
    assert sorted(js["timezones"]) == sorted(str(t["TZID"]) for t in cal.walk("VTIMEZONE"))
    theirs = sorted(((o["uid"], o["start"]) for o in js["occurrences"]), key=repr)
    ours = python_occurrences(cal)
    assert theirs == ours
    assert len(ours) > 0


def test_icaljs_sees_local_wall_times_across_dst(published):
    js = icaljs(published / "calendar.ics")
    cafe = {o["local"] for o in js["occurrences"] if o["uid"] == "pub-cafe"}
    assert {"2026-03-05T18:00:00", "2026-03-26T18:00:00", "2026-04-02T18:00:00",
            "2026-10-29T18:00:00"} <= cafe
    assert "2026-03-12T19:00:00" in cafe and "2026-03-12T18:00:00" not in cafe  # override
    assert "2026-03-19T18:00:00" not in cafe  # EXDATE
    by_local = {o["local"]: o["start"] for o in js["occurrences"] if o["uid"] == "pub-cafe"}
    assert by_local["2026-04-02T18:00:00"] == int(datetime(2026, 4, 2, 16, tzinfo=UTC)
                                                   .timestamp())
    fest = [o for o in js["occurrences"] if o["uid"] == "pub-fest"]
    assert fest == [{"uid": "pub-fest", "start": "2026-06-13", "local": "2026-06-13",
                     "allDay": True}]
    assert js["count"] == 6  # 7 records minus the ended one-off; injected text stayed text
