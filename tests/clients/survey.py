"""Survey: expand every corpus .ics INPUT with all four clients and say where they disagree.

    .venv/bin/python -m tests.clients.survey [--out DIR] [--corpus DIR] [PATH ...]

Each file is expanded over its own window, mimicking the service's horizon around the
file's first (earliest) VEVENT DTSTART: [first − past_days, first + future_months].
Writes ``survey.tsv`` (one row per file) and ``summary.txt`` to ``--out`` (default
``artifacts/clients-survey``) and prints the summary: files each client cannot parse,
files where the clients that parsed them disagree, each with a reason category found from
the file's own text (floating times, unknown TZID, ...) and which client is the odd one
out; plus the time each client took. The files where clients disagree are the ambiguous
inputs, the candidates for the differential test's allow-list.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import available_timezones

from dateutil.relativedelta import relativedelta

from . import CLIENTS, ClientError, Job, Occurrences, expand_many, parse_errors_many, unavailable
from .service import CORPUS, FUTURE_MONTHS, PAST_DAYS, TEST_DATA

DEFAULT_WINDOW_AT = datetime(2026, 11, 24, tzinfo=UTC)  # corpus snapshot; files w/o DTSTART
IANA = available_timezones()


# --- what the file says, read without any client -------------------------------------------

@dataclass
class VEvent:
    uid: str = ""
    summary: str = ""
    props: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def first(self, name: str) -> tuple[str, str] | None:
        values = self.props.get(name)
        return values[0] if values else None


@dataclass
class Facts:
    roots: list[str] = field(default_factory=list)
    vevents: list[VEvent] = field(default_factory=list)
    tzids_defined: set[str] = field(default_factory=set)
    tzids_used: set[str] = field(default_factory=set)
    x_wr_timezone: str = ""
    vtimezone_multi_rdate: bool = False
    first_observance: dict[str, str] = field(default_factory=dict)  # TZID -> YYYYMMDD


_LINE = re.compile(r"^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$")
_TZID = re.compile(r';TZID="?([^";:]*)"?', re.I)


def facts_of(text: str) -> Facts:
    lines = re.sub(r"\r?\n[ \t]", "", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    f, stack, ev, tzid = Facts(), [], None, ""
    for line in lines:
        m = _LINE.match(line)
        if not m:
            continue
        name, params, value = m.group(1).upper(), m.group(2), m.group(3).strip()
        if name == "BEGIN":
            comp = value.upper()
            if not stack:
                f.roots.append(comp)
            stack.append(comp)
            if comp == "VEVENT":
                ev = VEvent()
            continue
        if name == "END":
            if stack and stack[-1] == "VEVENT" and ev is not None:
                f.vevents.append(ev)
                ev = None
            if stack:
                stack.pop()
            continue
        top = stack[-1] if stack else ""
        if name == "X-WR-TIMEZONE" and top == "VCALENDAR":
            f.x_wr_timezone = value
        if top == "VTIMEZONE" and name == "TZID":
            tzid = value.strip('"')
            f.tzids_defined.add(tzid)
        if top in ("STANDARD", "DAYLIGHT") and name == "DTSTART" and tzid:
            f.first_observance[tzid] = min(f.first_observance.get(tzid, value[:8]), value[:8])
        if top in ("STANDARD", "DAYLIGHT") and name == "RDATE" and "," in value:
            f.vtimezone_multi_rdate = True
        if ev is not None and top == "VEVENT":
            ev.props[name].append((params, value))
            if name == "UID":
                ev.uid = value
            elif name == "SUMMARY":
                ev.summary = value.replace("\\,", ",").replace("\\;", ";").strip()
            tz = _TZID.search(params)
            if tz:
                f.tzids_used.add(tz.group(1))
    return f


def first_dtstart(f: Facts) -> date | None:
    days = []
    for ev in f.vevents:
        start = ev.first("DTSTART")
        if start and re.match(r"\d{8}", start[1]):
            v = start[1]
            try:
                days.append(date(int(v[:4]), int(v[4:6]), int(v[6:8])))
            except ValueError:
                continue
    return min(days) if days else None


def window_for(f: Facts) -> tuple[datetime, datetime]:
    first = first_dtstart(f)
    at = (datetime(first.year, first.month, first.day, tzinfo=UTC) if first
          and first.year > 1 else DEFAULT_WINDOW_AT)
    return at - timedelta(days=PAST_DAYS), at + relativedelta(months=FUTURE_MONTHS)


def _is_floating(params: str, value: str) -> bool:
    return "T" in value and not value.upper().endswith("Z") and not _TZID.search(params) \
        and "VALUE=DATE;" not in (params.upper() + ";")


def series_flags(ev: VEvent, f: Facts) -> set[str]:
    """Features of one VEVENT that clients are known to read differently."""
    flags = set()
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
        for params, value in ev.props.get(name, []):
            if _is_floating(params, value):
                flags.add("x-wr-timezone" if f.x_wr_timezone else "floating time")
            tz = _TZID.search(params)
            if tz:
                tzid = tz.group(1)
                if "T" not in value:
                    flags.add("DATE value with TZID")
                if tzid not in f.tzids_defined:
                    flags.add("TZID without VTIMEZONE" if tzid in IANA else "unknown TZID")
                elif value[:8] < f.first_observance.get(tzid, ""):
                    flags.add("date before the VTIMEZONE's first observance")
                elif tzid not in IANA:
                    flags.add("custom VTIMEZONE")
                else:
                    flags.add("IANA TZID with its own VTIMEZONE")
    if "RRULE" in ev.props:
        rule = ev.props["RRULE"][0][1].upper()
        flags.add("RRULE")
        if not _dtstart_on_rule(ev.first("DTSTART"), rule):
            flags.add("DTSTART not on the RRULE")
        if len(ev.props["RRULE"]) > 1:
            flags.add("several RRULEs")
        if re.search(r"BYSETPOS|BYWEEKNO|BYYEARDAY|BYMONTHDAY=-|FREQ=(SECONDLY|MINUTELY|HOURLY)"
                     r"|BYHOUR|BYMINUTE|BYSECOND|WKST", rule):
            flags.add("complex RRULE")
        if "UNTIL" in rule:
            start = ev.first("DTSTART")
            until = re.search(r"UNTIL=([0-9TZ]+)", rule)
            if start and until and ("T" in start[1]) != ("T" in until.group(1)):
                flags.add("UNTIL type differs from DTSTART")
            if start and until and until.group(1)[:8] < start[1][:8]:
                flags.add("UNTIL before DTSTART")
    if "RECURRENCE-ID" in ev.props:
        params, value = ev.props["RECURRENCE-ID"][0]
        for master in (m for m in f.vevents if m.uid == ev.uid and "RECURRENCE-ID" not in m.props):
            start = master.first("DTSTART")
            if start and ("T" in start[1]) != ("T" in value):
                flags.add("RECURRENCE-ID type differs from DTSTART")
            if any(value[:8] in v for _, v in master.props.get("EXDATE", [])):
                flags.add("override on an EXDATE")
        if "THISANDFUTURE" in params.upper():
            flags.add("RANGE=THISANDFUTURE")
        if value.upper().endswith("Z"):
            flags.add("UTC RECURRENCE-ID")
        flags.add("override")
        if "RRULE" in ev.props:
            flags.add("override with its own RRULE")
    if "EXDATE" in ev.props or "RDATE" in ev.props:
        start = ev.first("DTSTART")
        for name in ("EXDATE", "RDATE"):
            for params, value in ev.props.get(name, []):
                if start and ("T" in value) != ("T" in start[1]):
                    flags.add(f"{name} type differs from DTSTART")
                if "PERIOD" in params.upper():
                    flags.add("RDATE period")
    if "DTSTART" not in ev.props:
        flags.add("no DTSTART")
    for name in ("SUMMARY", "STATUS"):
        if any(re.search(r"\\[^\\;,nN]", v) for _, v in ev.props.get(name, [])):
            flags.add("invalid TEXT escape")
    if any(v.startswith("-") for _, v in ev.props.get("DURATION", [])):
        flags.add("negative DURATION")
    if "DURATION" in ev.props and "DTEND" in ev.props:
        flags.add("DTEND and DURATION")
    start, end = ev.first("DTSTART"), ev.first("DTEND")
    if start and end and ("T" in start[1]) != ("T" in end[1]):
        flags.add("DTEND type differs from DTSTART")
    if start and end and end[1][:15] < start[1][:15] and len(end[1]) == len(start[1]):
        flags.add("DTEND before DTSTART")
    return flags


def _dtstart_on_rule(start: tuple[str, str] | None, rule: str) -> bool:
    """Whether DTSTART is the rule's own first instance (unknown counts as yes)."""
    if not start:
        return True
    try:
        from dateutil.rrule import rrulestr

        value = start[1].rstrip("Zz")
        first = (datetime.strptime(value, "%Y%m%dT%H%M%S") if "T" in value
                 else datetime.strptime(value[:8], "%Y%m%d"))
        rule = re.sub(r"UNTIL=[0-9TZ]+;?", "", rule).rstrip(";")
        return rrulestr(rule, dtstart=first, forceset=False)[0] == first
    except Exception:  # noqa: BLE001 - an unreadable rule is flagged elsewhere
        return True


def file_flags(f: Facts, client: str = "") -> set[str]:
    flags = set()
    if len(f.roots) > 1:
        flags.add("several root components")
    if f.roots and f.roots[0] != "VCALENDAR" and client == "ha_ical":
        flags.add(f"root {f.roots[0]} (HA reads only VCALENDAR)")
    if f.vtimezone_multi_rdate:
        flags.add("VTIMEZONE multi-valued RDATE")
    masters = Counter(ev.uid for ev in f.vevents if "RECURRENCE-ID" not in ev.props)
    if any(n > 1 for n in masters.values()):
        flags.add("duplicate UID")
    overrides = {ev.uid for ev in f.vevents if "RECURRENCE-ID" in ev.props}
    if overrides - set(masters):
        flags.add("override without series")
    return flags


# Which feature explains a disagreement, most specific first.
PRIORITY = [
    "several root components", "root VEVENT (HA reads only VCALENDAR)", "no DTSTART",
    "unknown TZID", "TZID without VTIMEZONE", "x-wr-timezone", "floating time",
    "VTIMEZONE multi-valued RDATE", "custom VTIMEZONE", "RANGE=THISANDFUTURE", "UTC RECURRENCE-ID",
    "override without series",
    "duplicate UID", "UNTIL before DTSTART", "UNTIL type differs from DTSTART",
    "EXDATE type differs from DTSTART", "RDATE type differs from DTSTART", "RDATE period",
    "DTEND type differs from DTSTART", "DTEND before DTSTART", "DTEND and DURATION",
    "several RRULEs", "complex RRULE", "DTSTART not on the RRULE", "DATE value with TZID",
    "date before the VTIMEZONE's first observance", "RECURRENCE-ID type differs from DTSTART",
    "override on an EXDATE", "override with its own RRULE", "negative DURATION",
    "invalid TEXT escape", "IANA TZID with its own VTIMEZONE",
    "override", "RRULE",
]


def diff_shape(sets: dict[str, Occurrences]) -> str:
    """How the sets differ: only ends, only text/status, starts shifted by whole hours, ..."""
    values = list(sets.values())
    union = frozenset().union(*values)
    inter = frozenset(values[0]).intersection(*values[1:])
    odd = union - inter
    if any(s.truncated for s in values):
        return "series cut at the cap"
    starts = [{o.start for o in s} for s in values]
    if all(st == starts[0] for st in starts):
        by_start = defaultdict(set)
        for o in odd:
            by_start[o.start].add((o.end, o.summary, o.status))
        if all(len({e for e, _, _ in v}) > 1 for v in by_start.values()):
            return "ends differ"
        return "summary/status differ"
    counts = {len(s) for s in values}
    if len(counts) == 1:
        shifts = set()
        for a, b in zip(sorted(values[0]), sorted(values[-1]), strict=False):
            if a != b and "T" in a.start and "T" in b.start:
                d = (datetime.fromisoformat(a.start[:-1]) - datetime.fromisoformat(b.start[:-1]))
                shifts.add(d.total_seconds() / 3600)
        if shifts and all(s == int(s) for s in shifts):
            return "starts shifted by whole hours"
    return "occurrences differ"


REFERENCE = "recurring_ical_events"  # breaks ties: the library the service expands with


def explain(sets: dict[str, Occurrences], f: Facts) -> dict[str, tuple[str, str]]:
    """{odd client: (category, shape)} for a file whose client sets differ.

    The majority's set is the reference (a tie goes to the group with REFERENCE); each other
    client's difference to it names the series involved (by summary), and the first of
    their features in PRIORITY (plus the file's own) is the category.
    """
    groups: dict[frozenset, list[str]] = defaultdict(list)
    for client, occ in sets.items():
        groups[frozenset(occ)].append(client)
    majority_set, _ = max(groups.items(), key=lambda kv: (len(kv[1]), REFERENCE in kv[1]))
    out = {}
    for client, occ in sets.items():
        if frozenset(occ) == majority_set:
            continue
        diff = frozenset(occ) ^ majority_set
        summaries = {o.summary for o in diff}
        flags = file_flags(f, client)
        involved = [ev for ev in f.vevents if ev.summary in summaries] or f.vevents
        for ev in involved:
            flags |= series_flags(ev, f)
        category = next((p for p in PRIORITY if p in flags), "other")
        pair = {client: occ, "majority": Occurrences(majority_set)}
        out[client] = (category, diff_shape(pair))
    return out


# --- running the clients ---------------------------------------------------------------------

def run_clients(jobs: list[Job], timeout: float, sequential: bool):
    """{client: [Occurrences | ClientError]} and {client: seconds}."""
    results: dict[str, list] = {}
    seconds: dict[str, float] = {}

    def one(client):
        t0 = time.monotonic()
        results[client] = expand_many(client, jobs, timeout=timeout)
        seconds[client] = time.monotonic() - t0

    present = [c for c in CLIENTS if unavailable(c) is None]
    for c in CLIENTS:
        if c not in present:
            print(f"skipping {c}: {unavailable(c)}", file=sys.stderr)
    if sequential:
        for c in present:
            one(c)
    else:  # out-of-process clients in threads, the in-process ones in the main thread
        threads = [threading.Thread(target=one, args=(c,)) for c in present
                   if c in ("icaljs", "libical")]
        for t in threads:
            t.start()
        for c in present:
            if c not in ("icaljs", "libical"):
                one(c)
        for t in threads:
            t.join()
    return results, seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--test-data", action="store_true", help=f"also {TEST_DATA}")
    ap.add_argument("--out", type=Path, default=Path("artifacts/clients-survey"))
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--sequential", action="store_true",
                    help="one client after the other (clean per-client timings)")
    ap.add_argument("--parse-check", action="store_true",
                    help="also run parse_errors (with vobject) on every input")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # icalendar's GloballyUniqueTZIDGuessed etc.: noise here
    logging.getLogger("ical").setLevel(logging.ERROR)

    roots = args.paths or [args.corpus]
    if args.test_data:
        roots.append(TEST_DATA)
    files = sorted({p for r in roots for p in ([r] if r.is_file() else r.rglob("*.ics"))})
    if not files:
        print(f"no .ics files under {roots}", file=sys.stderr)
        return 2
    base = args.corpus if all(p.is_relative_to(args.corpus) for p in files) else Path.cwd()
    name = {p: str(p.relative_to(base)) if p.is_relative_to(base) else str(p) for p in files}
    facts = {p: facts_of(p.read_bytes().decode("utf-8", errors="replace")) for p in files}
    jobs = [Job(p, *window_for(facts[p]), label=name[p]) for p in files]

    t0 = time.monotonic()
    results, seconds = run_clients(jobs, args.timeout, args.sequential)
    wall = time.monotonic() - t0
    parse = {}
    if args.parse_check:
        from . import PARSERS

        for c in PARSERS:
            if unavailable(c) is None:
                t1 = time.monotonic()
                parse[c] = parse_errors_many(c, files, timeout=args.timeout)
                seconds[f"parse:{c}"] = time.monotonic() - t1

    args.out.mkdir(parents=True, exist_ok=True)
    rows, failures, disagreements = [], defaultdict(list), defaultdict(list)
    clients = list(results)
    for i, p in enumerate(files):
        per = {c: results[c][i] for c in clients}
        ok = {c: r for c, r in per.items() if not isinstance(r, ClientError)}
        for c, r in per.items():
            if isinstance(r, ClientError):
                failures[c].append((name[p], r.kind, r.message))
        verdict, why = "agree", {}
        if len(ok) >= 2 and len({frozenset(s) for s in ok.values()}) > 1:
            verdict = "disagree"
            why = explain(ok, facts[p])
            for client, (category, shape) in why.items():
                disagreements[category].append((name[p], client, shape))
        elif len(ok) < 2:
            verdict = "not comparable"
        categories = sorted({c for c, _ in why.values()})
        odd = "; ".join(f"{c}: {cat} ({shape})" for c, (cat, shape) in sorted(why.items()))
        cells = [f"{r.kind}: {r.message[:120]}" if isinstance(r, ClientError) else
                 f"{len(r)}{' cut' if r.truncated else ''}" for r in per.values()]
        w0, w1 = jobs[i].window_start.date(), jobs[i].window_end.date()
        extra = [";".join(parse[c][i])[:200] or "ok" for c in parse]
        rows.append([name[p], f"{w0}..{w1}", verdict, ",".join(categories), odd, *cells, *extra])
    header = ["file", "window", "verdict", "categories", "odd_clients", *clients,
              *[f"parse:{c}" for c in parse]]
    with open(args.out / "survey.tsv", "w", encoding="utf-8") as out:
        for row in [header, *rows]:
            out.write("\t".join(str(c).replace("\t", " ").replace("\n", " ") for c in row)
                      + "\n")

    lines = [f"{len(files)} files; clients: {', '.join(clients)}; wall {wall:.1f} s "
             f"({'sequential' if args.sequential else 'concurrent'})", "",
             "seconds per client: " + ", ".join(f"{c} {s:.1f}" for c, s in seconds.items()),
             "", "files a client cannot parse or expand (by kind):"]
    for c in clients:
        kinds = Counter(k for _, k, _ in failures[c])
        lines.append(f"  {c}: {len(failures[c])} " + str(dict(kinds)))
        for n, k, msg in failures[c][:6]:
            lines.append(f"      {k}: {n}: {msg[:110]}")
    for c in parse:
        bad = [name[p] for p, e in zip(files, parse[c], strict=True) if e]
        lines.append(f"  parse_errors {c}: {len(bad)} files, e.g. {bad[:3]}")
    verdicts = Counter(r[2] for r in rows)
    odd_files = Counter(c for items in disagreements.values() for _, c, _ in items)
    lines += ["", f"verdicts: {dict(verdicts)} (not comparable: fewer than two clients parsed)",
              f"odd one out (files): {dict(odd_files)}",
              "disagreements by category (a file counts once per odd client):"]
    for category, items in sorted(disagreements.items(), key=lambda kv: -len(kv[1])):
        odd = Counter(c for _, c, _ in items)
        shapes = Counter(s for _, _, s in items)
        lines.append(f"  {category}: {len(items)}  odd: {dict(odd)}  shapes: {dict(shapes)}")
        for n, c, s in items[:4]:
            lines.append(f"      {n}  [{c}; {s}]")
    summary = "\n".join(lines) + "\n"
    (args.out / "summary.txt").write_text(summary, encoding="utf-8")
    print(summary)
    print(f"wrote {args.out / 'survey.tsv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
