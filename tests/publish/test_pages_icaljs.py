"""„In meinen Kalender“ as Thunderbird sees it: each page's .ics parsed by Mozilla's ical.js.

One event, one occurrence, at the instant the page's JSON-LD states (all-day: the date).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from test_pages import Page, all_events, publish

JS = Path(__file__).parents[1] / "js"

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(not (JS / "node_modules" / "ical.js").is_dir(),
                       reason="ical.js missing: run `npm ci --prefix tests/js`"),
]


def icaljs(path: Path) -> dict:
    proc = subprocess.run(["node", str(JS / "check_ics.mjs"), str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_single_event_ics_is_one_occurrence_in_icaljs(tmp_path):
    publish(tmp_path, all_events())
    pages = sorted((tmp_path / "public/termine/e").glob("*.html"))
    by_kind: dict[str, Path] = {}
    for path in pages:  # one page of each kind: cancelled, moved, all-day, other zone, plain
        ld = json.loads(Page(path.read_text(encoding="utf-8")).ld[0])
        kind = ld["eventStatus"].rsplit("/", 1)[1] + ("-allday" if "T" not in ld["startDate"]
                                                      else "") + ld["startDate"][-6:]
        by_kind.setdefault(kind, path)
    assert len(by_kind) >= 4
    for path in by_kind.values():
        ld = json.loads(Page(path.read_text(encoding="utf-8")).ld[0])
        got = icaljs(path.with_suffix(".ics"))
        assert got["count"] == 1 and len(got["occurrences"]) == 1, path
        start = got["occurrences"][0]["start"]
        if "T" in ld["startDate"]:
            assert start == int(datetime.fromisoformat(ld["startDate"]).timestamp())
        else:
            assert start == date.fromisoformat(ld["startDate"]).isoformat()
