"""The city's word on its own WIR Café wins, through the real pipeline (issue 12).

The city (``stadt``, kind schedule, highest priority) cancels one WIR Café date and moves
another; two partners' ICS files still list both on the old dates. After sync and
republish, calendar.ics, events.json and events.rss show each of those occurrences once —
the cancelled one as „Abgesagt“ (an override with STATUS:CANCELLED), the moved one on its
new day — and no standalone partner copy on an old day.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import icalendar
from test_faults_e2e import parse_outputs

from syncsvc import config as cfg
from syncsvc.service.republish import republish
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
CITY = """
[[series]]
id = "wir-cafe"
title = "WIR Café"
location = "Killingerhaus"
first = 2027-01-07
start = "15:00"
end = "17:00"
rrule = "FREQ=WEEKLY;BYDAY=TH;COUNT=6"

  [[series.cancel]]
  date = 2027-01-21
  reason = "Das Team ist auf Fortbildung."

  [[series.move]]
  date = 2027-01-28
  to = 2027-01-29
  reason = "Raum belegt."
"""


def partner_ics(name: str, uid: str, title: str) -> str:
    rows = []
    for day in ("20270121", "20270128"):
        rows += ["BEGIN:VEVENT", f"UID:{uid}-{day}@{name}.example", "DTSTAMP:20270101T000000Z",
                 f"SUMMARY:{title}", f"DTSTART;TZID=Europe/Berlin:{day}T150000",
                 f"DTEND;TZID=Europe/Berlin:{day}T170000", "LOCATION:Killingerhaus, Idstein",
                 "END:VEVENT"]
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{name}//DE", *rows,
                        "END:VCALENDAR", ""])


def settings_in(root: Path) -> cfg.Settings:
    feeds, conf = root / "feeds", root / "config"
    feeds.mkdir(parents=True)
    conf.mkdir()
    shutil.copyfile(ROOT / "config" / "schulferien-hessen.ics", conf / "schulferien-hessen.ics")
    (feeds / "stadt.toml").write_text(CITY, encoding="utf-8")
    (feeds / "caritas.ics").write_text(partner_ics("caritas", "c", "WIR Café"), encoding="utf-8")
    (feeds / "kirche.ics").write_text(partner_ics("kirche", "k", "WIR-Café im Killingerhaus"),
                                      encoding="utf-8")
    sources = [("stadt", "Stadt Idstein", "stadt.toml", "schedule", 100),
               ("caritas", "Caritas Idstein", "caritas.ics", "ics", 10),
               ("kirche", "Ev. Kirchengemeinde", "kirche.ics", "ics", 5)]
    tables = [f'[[sources]]\nid = "{i}"\nname = "{n}"\nurl = "../feeds/{f}"\nkind = "{k}"\n'
              f"priority = {p}\n" for i, n, f, k, p in sources]
    path = conf / "syncsvc.toml"
    path.write_text('[service]\nname = "WIR in Idstein"\noutput_dir = "../public"\n'
                    'database = "../var/syncsvc.db"\n\n' + "\n".join(tables), encoding="utf-8")
    return cfg.load(path)


def sync_and_publish(settings: cfg.Settings) -> None:
    """One real sync of the three sources at NOW, then the republish a pass ends with."""
    store = Store(settings.database)
    try:
        reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
        assert all(r.ok for r in reports), [r.error for r in reports]
        republish(settings, store, NOW)
    finally:
        store.close()


def test_city_cancellation_and_move_win_in_every_output(tmp_path):
    settings = settings_in(tmp_path)
    sync_and_publish(settings)
    out = parse_outputs(settings.output_dir)

    cal: icalendar.Calendar = out["calendar.ics"]
    vevents = [c for c in cal.walk("VEVENT")]
    days = [(c.decoded("DTSTART").date().isoformat(), str(c.get("STATUS", "CONFIRMED")),
             str(c.get("UID"))) for c in vevents]
    assert {uid for _, _, uid in days} == {days[0][2]}, days  # one entry: the city's series
    overrides = {d: s for d, s, _ in days if any(
        c.get("RECURRENCE-ID") and c.decoded("DTSTART").date().isoformat() == d
        for c in vevents)}
    assert overrides == {"2027-01-21": "CANCELLED", "2027-01-29": "CONFIRMED"}

    events = out["events.json"]
    rows = events["events"] if isinstance(events, dict) else events
    on = [(r["start"][:10], r.get("status", "")) for r in rows
          if r["start"][:10] in ("2027-01-21", "2027-01-28", "2027-01-29")]
    assert sorted(on) == [("2027-01-21", "CANCELLED"), ("2027-01-29", "CONFIRMED")], on

    rss = out["events.rss"]
    titles = [e.title for e in rss.entries]
    assert [t for t in titles if "21. Januar" in t] == [
        "Abgesagt: Do, 21. Januar 2027, 15:00 – WIR Café"]
    assert not [t for t in titles if "28. Januar" in t], titles  # nothing on the old day
    assert [t for t in titles if "29. Januar" in t] == ["Fr, 29. Januar 2027, 15:00 – WIR Café"]
    assert len(titles) == len(set(titles)) == 5, titles  # 14, 21, 29 Jan, 4, 11 Feb

    # the embed widget's own files (publish.widget): everything, and the partner's view
    for path in ("widget/events.json", "widget/sources/caritas.json",
                 "widget/sources/kirche.json"):
        doc = out[path]
        shown = [(r["start"][:10], r.get("status", "")) for r in doc["events"]
                 if r["start"][:10] in ("2027-01-21", "2027-01-28", "2027-01-29")]
        assert sorted(shown) == [("2027-01-21", "CANCELLED"), ("2027-01-29", "CONFIRMED")], \
            (path, shown)
