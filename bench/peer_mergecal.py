"""The mergecal contender, as a user would script it: ``python -m bench.peer_mergecal``.

Fetches every URL with requests (one session, one after the other), parses each body
with ``icalendar.Calendar.from_ical``, merges them with ``mergecal.merge_calendars``
(dedupe by UID, SEQUENCE and RECURRENCE-ID only) and writes the merged calendar. Run as a
child process by ``bench.peers`` so its CPU time includes interpreter start and imports,
like a cron job would. Prints one JSON line: sources, VEVENTs merged, bytes written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.peer_mergecal", description=__doc__.splitlines()[0])
    p.add_argument("--urls", type=Path, required=True, help="file with one URL per line")
    p.add_argument("--out", type=Path, required=True, help="merged .ics to write")
    a = p.parse_args(argv)

    import requests
    from icalendar import Calendar
    from mergecal import merge_calendars

    urls = [u for u in a.urls.read_text(encoding="utf-8").split() if u]
    calendars = []
    with requests.Session() as session:
        for url in urls:
            response = session.get(url, timeout=60)
            response.raise_for_status()
            calendars.append(Calendar.from_ical(response.content))
    merged = merge_calendars(calendars)
    body = merged.to_ical()
    a.out.write_bytes(body)
    print(json.dumps({"sources": len(urls), "events": len(merged.events), "bytes": len(body)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
