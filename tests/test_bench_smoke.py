"""The benchmark harness runs end to end at a tiny scale (no timing assertions).

It generates sources, serves them on 127.0.0.1, runs the real ``syncsvc sync`` as a child
process three times (cold, all-304, one source changed) and checks what happened on the
wire, in the log and in the published files.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import feedparser
import icalendar
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench import generate as gen  # noqa: E402
from bench.report import table, targets  # noqa: E402
from bench.run import parse_args, run, write  # noqa: E402

pytestmark = pytest.mark.timeout(180)


def test_generated_sources_parse_with_known_duplicates():
    srcs = gen.sources(8, 20, dup_rate=0.1, seed=3)
    ics = [s for s in srcs if s.kind == "ics"]
    feeds = [s for s in srcs if s.kind == "feed"]
    assert len(ics) == 6 and len(feeds) == 2
    cal = icalendar.Calendar.from_ical(gen.render(ics[1]))
    events = list(cal.walk("VEVENT"))
    assert len(events) == 20
    assert sum(1 for e in events if e.get("RRULE")) == 2
    assert "ü" in gen.render(ics[0]).decode("utf-8") or "ä" in gen.render(ics[0]).decode("utf-8")
    assert ics[1].duplicates == 1  # 10 % of the first partner's 18 one-offs
    firsts = {(e.summary.lower(), e.start) for e in ics[0].events}
    copied = [e for e in ics[1].events if (e.summary.lower(), e.start) in firsts]
    assert len(copied) == ics[1].duplicates
    parsed = feedparser.parse(io.BytesIO(gen.render(feeds[0])))
    assert not parsed.bozo and len(parsed.entries) == 20


def test_quick_run_measures_cold_warm_and_changed(tmp_path):
    args = parse_args(["--scales", "3", "--per-source", "6", "--latency-sources", "4",
                       "--latency", "0.05", "--stage-events", "60", "--serve-scale", "3",
                       "--serve-seconds", "0.5", "--peers", "0",
                       "--workdir", str(tmp_path / "work"), "--out", str(tmp_path / "results")])
    doc = run(args)
    (s,) = doc["scales"]
    assert s["sources"] == 3 and s["entries"] == 18
    assert s["cold"]["parsed_sources"] == 3 and s["cold"]["http"] == {"200": 3}
    warm = s["warm"]
    assert warm["http"] == {"304": 3}, "warm re-sync must be answered 304 by every source"
    assert warm["parsed_sources"] == 0 and warm["not_modified_sources"] == 3
    assert warm["outputs_untouched"] and warm["files_checked"] > 0
    assert warm["files_changed"] == 0
    changed = s["changed_1pct"]
    assert changed["parsed_sources"] == 1 and changed["http"] == {"200": 1, "304": 2}
    assert doc["latency"]["with_latency"]["http"] == {"200": 4}
    # its own small sources (3 entries each), not the scale runs' bodies under the same ids
    assert doc["latency"]["with_latency"]["published_events"] <= 4 * 3
    assert doc["stages"]["events"] >= 60 and doc["stages"]["publish"]["files"] > 0
    assert doc["serving"]["conditional_304"]["statuses"].keys() == {"304"}
    assert doc["serving"]["full_200"]["statuses"].keys() == {"200"}
    assert {t["target"] for t in targets(doc)} >= {"dedupe wall s", "304 path req/s (min)"}
    json_path, md_path = write(doc, tmp_path / "results")
    assert json.loads(json_path.read_text(encoding="utf-8"))["machine"]["cores"] >= 1
    assert md_path.read_text(encoding="utf-8") == table(doc) + "\n"
    assert "cold sync" in table(doc)
