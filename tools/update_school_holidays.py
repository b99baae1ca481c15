"""Regenerate config/schulferien-hessen.ics (Hessian school holidays).

Dates come from the ``holidays`` package's school category for DE/HE (taken from the
KMK's official calendars) plus SUPPLEMENT: school years the Hessian Kultusministerium has
published but the package does not have yet. For next year's update: upgrade the
``holidays`` package or add the new ranges to SUPPLEMENT (first and last day as printed on
the ministry's page), raise LAST_YEAR, run

    .venv/bin/python tools/update_school_holidays.py

and check the diff against https://kultus.hessen.de/schulsystem/ferien/ferientermine.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import icalendar

SOURCE_URL = "https://kultus.hessen.de/schulsystem/ferien/ferientermine"
OUT = Path(__file__).resolve().parents[1] / "config" / "schulferien-hessen.ics"
FIRST = date(2022, 10, 1)  # from the school year 2022/23 on
LAST_YEAR = 2030
NAMES = {"Herbstferien": "Herbstferien", "Weihnachtsferien": "Weihnachtsferien",
         "Oster-/Frühjahrsferien": "Osterferien", "Sommerferien": "Sommerferien"}
# Published by the ministry (Ferientermine bis zum Schuljahr 2029/30), not yet in the
# holidays package. (name, first day, last day), both inclusive.
SUPPLEMENT = [
    ("Herbstferien", date(2029, 10, 15), date(2029, 10, 26)),
    ("Weihnachtsferien", date(2029, 12, 24), date(2030, 1, 11)),
    ("Osterferien", date(2030, 4, 8), date(2030, 4, 22)),
    ("Sommerferien", date(2030, 7, 22), date(2030, 8, 30)),
]
CALDESC = (
    "Schulferien in Hessen (Herbst-, Weihnachts-, Oster- und Sommerferien), jeweils erster "
    "bis letzter Ferientag. Quelle der Termine: Hessisches Ministerium für Kultus, Bildung "
    f"und Chancen, Ferientermine, {SOURCE_URL} (abgeglichen mit dem Ferienkalender der "
    "KMK). Bewegliche Ferientage legt jede Schule selbst fest; sie sind nicht enthalten."
)


def package_ranges() -> list[tuple[str, date, date]]:
    """Group the package's single school-holiday days into named ranges."""
    days = holidays.country_holidays("DE", subdiv="HE", categories=("school",),
                                     years=range(FIRST.year, LAST_YEAR + 1), language="de")
    ranges: list[tuple[str, date, date]] = []
    for day, name in sorted(days.items()):
        if day < FIRST:
            continue
        name = NAMES[name]
        if ranges and ranges[-1][0] == name and ranges[-1][2] + timedelta(days=1) == day:
            ranges[-1] = (name, ranges[-1][1], day)
        else:
            ranges.append((name, day, day))
    return ranges


def label(name: str, first: date) -> str:
    if name == "Weihnachtsferien":
        return f"{name} {first.year}/{(first.year + 1) % 100:02d}"
    return f"{name} {first.year}"


def build(ranges: list[tuple[str, date, date]], stamp: datetime) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//syncsvc//Schulferien Hessen//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Schulferien Hessen")
    cal.add("x-wr-caldesc", CALDESC)
    for name, first, last in ranges:
        ev = icalendar.Event()
        ev.add("uid", f"{label(name, first).lower().replace('/', '-').replace(' ', '-')}"
                      "@schulferien-hessen.syncsvc")
        ev.add("dtstamp", stamp)
        ev.add("summary", label(name, first))
        ev.add("dtstart", first)
        ev.add("dtend", last + timedelta(days=1))  # exclusive, RFC 5545
        ev.add("transp", "TRANSPARENT")
        ev.add("description", f"{first:%d.%m.%Y} bis {last:%d.%m.%Y} (erster und letzter "
                              f"Ferientag). Quelle: {SOURCE_URL}")
        cal.add_component(ev)
    return cal


def main() -> int:
    ranges = package_ranges()
    known_end = ranges[-1][2]
    ranges += [r for r in SUPPLEMENT if r[1] > known_end]
    stamp = datetime.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else datetime(2026, 1, 1)
    OUT.write_bytes(build(ranges, stamp).to_ical())
    sys.stdout.write(f"{OUT}: {len(ranges)} Ferien bis {ranges[-1][2]:%d.%m.%Y}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
