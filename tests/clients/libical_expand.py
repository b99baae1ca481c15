"""Bulk expansion with libical (as Evolution uses it), for tests/clients/libical.py.

Run by Debian's ``/usr/bin/python3`` (python3-gi + gir1.2-ical-3.0), not the project venv,
so this file imports nothing from the project. The protocol is the one of
``tests/js/expand.mjs``: one JSON document on stdin,
  {"jobs": [{"id", "path" | "text", "mode": "expand" | "parse", "start", "end",
             "max", "timeout"}]}
and one JSON line per job on stdout, written as soon as the job is done:
  {"id", "ok": true, "occ": [[start, end, summary, status, uid], ...], "truncated": [uid]}
  {"id", "ok": true, "errors": [...]}                       (mode "parse")
  {"id", "ok": false, "kind": "parse" | "expand" | "timeout", "error": "..."}
Times are coded "D2026-01-31", "U<unix seconds>" or "F2026-01-31T10:00:00" (floating: no
zone, or a TZID libical resolves neither from the file nor from its built-in zones).

libical expands one component (RRULE, RDATE, EXDATE: ``foreach_recurrence``); like
Evolution's e-cal-recur we then let a component with a RECURRENCE-ID replace the
instance of its series that starts at that RECURRENCE-ID, and show it on its own.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I  # noqa: E402

VEVENT = I.ComponentKind.VEVENT_COMPONENT
ANY = I.ComponentKind.ANY_COMPONENT
UTC_ZONE = I.Timezone.get_utc_timezone()
FIRST_WIDTH = 3600  # the first expansion window (s); each next one is four times wider


class Timeout(Exception):
    pass


class ParseFailure(Exception):
    pass


def walk(comp):
    yield comp
    sub = comp.get_first_component(ANY)
    while sub is not None:
        yield from walk(sub)
        sub = comp.get_next_component(ANY)


def load(job):
    if "text" in job:
        text = job["text"]
    else:
        with open(job["path"], encoding="utf-8", errors="replace") as f:
            text = f.read()
    try:
        root = I.Component.new_from_string(text)
    except TypeError:  # the constructor returned NULL
        root = None
    if root is None:
        raise ParseFailure("libical parsed no component")
    return root


def has_prop(comp, kind) -> bool:
    return comp.get_first_property(kind) is not None


def prop_text(comp, kind) -> str:
    prop = comp.get_first_property(kind)
    if prop is None:
        return ""
    value = prop.get_value_as_string()
    return "" if value is None else str(value)


def kind_of(t) -> str:
    if t.is_date():
        return "D"
    if t.is_utc() or t.get_timezone() is not None:
        return "U"
    return "F"


def code(kind: str, timet: int) -> str:
    # libical turns floating and DATE values into time_t as if they were UTC.
    wall = datetime.fromtimestamp(timet, UTC)
    if kind == "D":
        return "D" + wall.strftime("%Y-%m-%d")
    if kind == "F":
        return "F" + wall.strftime("%Y-%m-%dT%H:%M:%S")
    return f"U{timet}"


def zone_for(tzid: str | None, calendars):
    """A TZID as libical resolves DTSTART's: the file's VTIMEZONE, else a built-in zone."""
    if not tzid:
        return None
    for cal in calendars:
        zone = cal.get_timezone(tzid)
        if zone is not None:
            return zone
    return I.Timezone.get_builtin_timezone_from_tzid(tzid) or I.Timezone.get_builtin_timezone(
        tzid)


def rid_timet(ev, calendars) -> int:
    """RECURRENCE-ID as time_t, on the scale foreach_recurrence uses for instance starts.

    ``get_recurrenceid`` returns the value without its zone (libical resolves TZID only for
    DTSTART/DTEND), so the TZID parameter is resolved here, as Evolution's lookup does.
    """
    prop = ev.get_first_property(I.PropertyKind.RECURRENCEID_PROPERTY)
    t = prop.get_recurrenceid()
    zone = None
    if not (t.is_utc() or t.is_date()):
        param = prop.get_first_parameter(I.ParameterKind.TZID_PARAMETER)
        zone = zone_for(param.get_tzid() if param is not None else None, calendars)
    return t.as_timet_with_zone(zone or UTC_ZONE)


def _collect(_comp, span, got: list) -> None:
    got.append((span.get_start(), span.get_end()))


def spans(comp, start: int, end: int, cap: int, deadline: float):
    """(start, end) time_t spans of comp overlapping [start, end), in growing windows.

    Windows start at DTSTART when no RDATE can come earlier, so a long empty stretch does
    not grow the window before a dense series (FREQ=SECONDLY) begins.
    """
    seen: dict[int, int] = {}
    dtstart = comp.get_dtstart()
    if not has_prop(comp, I.PropertyKind.RDATE_PROPERTY):
        start = max(start, dtstart.as_timet_with_zone(dtstart.get_timezone() or UTC_ZONE))
    lo, width = start, FIRST_WIDTH
    while lo < end and len(seen) <= cap:
        if time.monotonic() > deadline:
            raise Timeout("timeout")
        hi = min(lo + width, end)
        got: list[tuple[int, int]] = []
        # One second wider on both sides: libical's overlap test is strict, so a zero-length
        # event exactly on a window edge would fall between two windows.
        comp.foreach_recurrence(I.Time.new_from_timet_with_zone(lo - 1, 0, UTC_ZONE),
                                I.Time.new_from_timet_with_zone(hi + 1, 0, UTC_ZONE), _collect,
                                got)
        for s, e in got:
            seen.setdefault(s, e)
        lo, width = hi, width * 4
    return sorted(seen.items())


def expand(job, deadline: float):
    root = load(job)
    start, end, cap = job["start"], job["end"], job.get("max", 3000)
    comps = list(walk(root))
    calendars = [c for c in comps if c.isa() == I.ComponentKind.VCALENDAR_COMPONENT]
    events = [c for c in comps if c.isa() == VEVENT]
    overrides: dict[str, set[int]] = {}
    for ev in events:
        if has_prop(ev, I.PropertyKind.RECURRENCEID_PROPERTY):
            overrides.setdefault(ev.get_uid() or "", set()).add(rid_timet(ev, calendars))
    occ, truncated = [], []
    for ev in events:
        dtstart = ev.get_dtstart()
        if dtstart is None or dtstart.is_null_time():
            continue
        uid = ev.get_uid() or ""
        is_override = has_prop(ev, I.PropertyKind.RECURRENCEID_PROPERTY)
        replaced = set() if is_override else overrides.get(uid, set())
        kind = kind_of(dtstart)
        dtend_known = (has_prop(ev, I.PropertyKind.DTEND_PROPERTY)
                       or has_prop(ev, I.PropertyKind.DURATION_PROPERTY))
        summary = ev.get_summary() or ""  # unescaped (the property's string keeps "\\,")
        status = prop_text(ev, I.PropertyKind.STATUS_PROPERTY)
        kept = 0
        for s, e in spans(ev, start, end, cap, deadline):
            if s in replaced or not start <= s < end:
                continue
            if kept >= cap:
                truncated.append(uid)
                break
            kept += 1
            occ.append([code(kind, s), code(kind, e) if dtend_known else None, summary, status,
                        uid])
    return {"occ": occ, "truncated": truncated}


def parse_check(job) -> list[str]:
    try:
        root = load(job)
    except ParseFailure as e:
        return [str(e)]
    errors = []
    for comp in walk(root):
        prop = comp.get_first_property(I.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            errors.append(f"{I.Component.kind_to_string(comp.isa())}: {prop.get_xlicerror()}")
            prop = comp.get_next_property(I.PropertyKind.XLICERROR_PROPERTY)
    return errors


def main() -> None:
    jobs = json.load(sys.stdin)["jobs"]
    for job in jobs:
        t0 = time.monotonic()
        try:
            if job.get("mode") == "parse":
                out = {"id": job["id"], "ok": True, "errors": parse_check(job)}
            else:
                deadline = t0 + job.get("timeout", 20)
                out = {"id": job["id"], "ok": True, **expand(job, deadline)}
        except Timeout as e:
            out = {"id": job["id"], "ok": False, "kind": "timeout", "error": str(e)}
        except ParseFailure as e:
            out = {"id": job["id"], "ok": False, "kind": "parse", "error": str(e)}
        except Exception as e:  # noqa: BLE001 - any libical failure is this file's error
            out = {"id": job["id"], "ok": False, "kind": "expand",
                   "error": f"{type(e).__name__}: {e}"}
        out["ms"] = round(1000 * (time.monotonic() - t0))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
