"""Finding: one partner file exploded into 15,024 category files and a 7.3 MB start page.

A partner export with a distinct CATEGORIES value per event (here: the room and date)
is synced and published through the CLI on real files; the number of category views is
bounded, every event is still published, and the admin learns why (guard.categories).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from syncsvc import cli
from syncsvc.guard.categories import MAX_PER_EVENT, MAX_PER_SOURCE
from syncsvc.service.status import read_status

EVENTS = 400


def _flooding_calendar() -> bytes:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Export//DE"]
    for n in range(EVENTS):
        at = (start + timedelta(hours=n)).strftime("%Y%m%dT%H%M%SZ")
        cats = ",".join([f"Raum {n} am {at}", "Beratung", *(f"Extra {k}" for k in range(12))])
        lines += ["BEGIN:VEVENT", f"UID:flut-{n}@partner.example", f"DTSTART:{at}",
                  f"SUMMARY:Beratung Nr. {n}", f"CATEGORIES:{cats}", "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def test_one_source_cannot_explode_the_category_views(write_config, tmp_path):
    (tmp_path / "feeds" / "flut.ics").write_bytes(_flooding_calendar())
    settings = write_config("""
    [[sources]]
    id = "flut"
    name = "Beratungsstelle"
    url = "../feeds/flut.ics"
    kind = "ics"
    """)
    conf = ["--config", str(tmp_path / "config" / "syncsvc.toml")]
    assert cli.main([*conf, "sync"]) == 0
    views = list((tmp_path / "public" / "calendar").glob("*.ics"))
    assert 1 <= len(views) <= MAX_PER_SOURCE
    cal = icalendar.Calendar.from_ical((tmp_path / "public" / "calendar.ics").read_bytes())
    published = cal.walk("VEVENT")
    assert len(published) == EVENTS  # the events are all kept, only categories are cut
    assert all(len(e.get("CATEGORIES").cats) <= MAX_PER_EVENT for e in published)
    assert "Beratung" in str(published[0].get("CATEGORIES").cats)  # the common one stays
    (row,) = read_status(settings)["sources"]
    assert "verschiedene Kategorien" in row["skipped_sample"]
