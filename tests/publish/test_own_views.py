"""A partner's own view shows the partner's file, not what dedupe merged it into.

Before: the parish announced one WIR Café date; dedupe folded it into the city's weekly
series, and sources/kirche/calendar.ics then carried the city's whole series (six
dates). A partner's calendar must mean what the partner's file meant.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import icalendar

from syncsvc.service.republish import republish
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import DATA
from fidelity import horizon, rie_occurrences

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def test_folded_one_off_stays_one_date_in_the_partners_view(tmp_path, write_config):
    feeds = tmp_path / "feeds"
    feeds.mkdir(exist_ok=True)
    for name in ("stadt_series.ics", "partner_one_date.ics"):
        shutil.copyfile(DATA / "own" / name, feeds / name)
    settings = write_config(f"""
        [[sources]]
        id = "stadt"
        name = "Stadt Idstein"
        url = "{feeds / 'stadt_series.ics'}"
        kind = "ics"
        priority = 10

        [[sources]]
        id = "kirche"
        name = "Ev. Kirchengemeinde"
        url = "{feeds / 'partner_one_date.ics'}"
        kind = "ics"
        """)
    with Store(settings.database) as store:
        Pipeline(settings, store, clock=lambda: NOW).sync_all()
        out = republish(settings, store, NOW)
    assert any(len(p.sources) == 2 for p in out.events)  # the café date was merged
    root, window = settings.output_dir, horizon(NOW)
    unified = rie_occurrences((root / "calendar.ics").read_bytes(), window)
    assert len([o for o in unified if o[3] == "WIR Café"]) == 6
    own = rie_occurrences((root / "sources/kirche/calendar.ics").read_bytes(), window)
    assert sorted((o[0], o[3]) for o in own) == [
        ("2027-01-21T17:00:00Z", "WIR Café"), ("2027-01-22T18:00:00Z", "Orgelkonzert")]
    city = rie_occurrences((root / "sources/stadt/calendar.ics").read_bytes(), window)
    assert len(city) == 6
    cal = icalendar.Calendar.from_ical((root / "sources/kirche/calendar.ics").read_bytes())
    cafe = next(v for v in cal.walk("VEVENT") if str(v["SUMMARY"]) == "WIR Café")
    assert "Stadt Idstein" in str(cafe["DESCRIPTION"])  # the merge is still attributed
