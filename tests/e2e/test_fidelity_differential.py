"""Differential fidelity: every real calendar we have, through the real pipeline, read by
four clients nobody here wrote.

Each ``.ics`` of ``../shared/corpus`` (465 files from five projects' test suites) and of
``tests/data/ics`` is one partner's file: synced through fetch → … → publish with a clock
set just after its first DTSTART, so the publishing horizon covers its events. Then, per
client — recurring-ical-events, ical.js, libical, Home Assistant's ``ical`` — the
occurrences (start, end, summary, status) of the per-source view over the horizon must
equal the occurrences the same client reads from the partner's file over the same window.
The unified calendar.ics of every run must parse in all four and vobject with no error.

Compared as the service deliberately publishes them: titles as one clean line (control
characters dropped, whitespace folded, at most 200 characters, "(ohne Titel)" for none),
statuses other than TENTATIVE/CANCELLED as CONFIRMED. A client that cannot read the input
at all has nothing to compare (counted, not failed). Where one client reads the partner's
file differently from the consensus of the others (more than half of them, at least
two) and reads our view as that consensus, the client misread the input (ical.js takes a
TZID without VTIMEZONE as floating, recurring-ical-events a DATE with TZID as midnight):
counted and printed, not failed. Files whose input is ambiguous or broken, or that the
service repairs by design, are allow-listed below with the reason; the test prints the
list, and fails on an allow-listed file that now agrees, so the list can only shrink.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clients import CLIENTS, PARSERS, ClientError, Job, Occ, expand_many, parse_errors_many
from clients import skip_reason as client_skip

from syncsvc.normalize import UNTITLED
from syncsvc.normalize.sanitize import one_line

from conftest import CORPUS, DATA
from fidelity import sync_file

pytestmark = pytest.mark.slow

FILES = sorted(CORPUS.rglob("*.ics")) if CORPUS.is_dir() else []
FILES += sorted((DATA / "ics").rglob("*.ics"))
_DTSTART = re.compile(rb"^DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})", re.M | re.I)
FALLBACK_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TIMEOUT = 5.0  # seconds per file and client (ical.js loops on one corpus file)

# file (relative to the corpus or tests/data/ics) → (why its view may differ from the input,
# the clients for which it does: "*" or a tuple of names)
ALLOW: dict[str, tuple[str, str | tuple[str, ...]]] = {}


def label(path: Path) -> str:
    for base in (CORPUS, DATA / "ics"):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.name


def anchor(path: Path) -> datetime:
    """A clock 20 days after the file's earliest DTSTART (so the horizon, 30 days back and
    18 months on, holds its first events), or a fixed day for files without one."""
    years = []
    for m in _DTSTART.finditer(path.read_bytes()):
        y, mo, d = (int(g) for g in m.groups())
        if 1971 <= y <= 2150 and 1 <= mo <= 12 and 1 <= d <= 31:
            years.append((y, mo, min(d, 28)))
    if not years:
        return FALLBACK_NOW
    y, mo, d = min(years)
    return datetime(y, mo, d, 12, 0, tzinfo=UTC) + timedelta(days=20)


def published_form(occ: Occ) -> Occ:
    title = one_line(occ.summary, 200) or UNTITLED
    status = occ.status if occ.status in ("TENTATIVE", "CANCELLED") else "CONFIRMED"
    return Occ(occ.start, occ.end, title, status)


def _sync_one(job: tuple[Path, Path]):
    path, workdir = job
    return path, sync_file(workdir, path, anchor(path))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every file synced in a fresh service of its own, on every core (each sync is
    independent: its own config, SQLite file and output folder)."""
    if not FILES:
        pytest.skip(f"corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("differential")
    jobs = [(path, root / f"f{n}") for n, path in enumerate(FILES)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_sync_one, jobs, chunksize=8))


@pytest.fixture(scope="module")
def readings(runs) -> dict[str, tuple[list, list]]:
    """Per available client: its reading of every input and of every per-source view."""
    jobs_in = [Job(path, *s.window, label=label(path)) for path, s in runs]
    jobs_out = [Job(s.view, *s.window, label=label(path)) for path, s in runs]
    clients = [c for c in CLIENTS if client_skip(c) is None]

    def read(client: str) -> tuple[list, list]:
        return (expand_many(client, jobs_in, timeout=TIMEOUT),
                expand_many(client, jobs_out, timeout=TIMEOUT))

    # ical.js and libical run in processes of their own: read with all clients at once
    with ThreadPoolExecutor(max_workers=len(clients) or 1) as pool:
        return dict(zip(clients, pool.map(read, clients), strict=True))


def _comparable(reading) -> frozenset | None:
    if isinstance(reading, ClientError) or reading.truncated:
        return None
    return frozenset(published_form(o) for o in reading)


def _consensus(values: list[frozenset]) -> frozenset | None:
    """The reading at least two clients share and more than half of them give."""
    for v in values:
        n = values.count(v)
        if n >= 2 and n * 2 > len(values):
            return v
    return None


def _compare(client: str, runs, readings) -> tuple[dict[str, str], Counter]:
    diffs: dict[str, str] = {}
    counts: Counter = Counter()
    got_in, got_out = readings[client]
    for n, (path, _) in enumerate(runs):
        name = label(path)
        want = _comparable(got_in[n])
        if want is None:
            counts["input unreadable or over the cap"] += 1
            continue
        if isinstance(got_out[n], ClientError):
            diffs[name] = f"view unreadable: {got_out[n]}"
            continue
        have = _comparable(got_out[n])
        counts["files compared"] += 1
        counts["occurrences compared"] += len(want)
        if want == have:
            continue
        others = [v for c, (i, _) in readings.items() if c != client
                  if (v := _comparable(i[n])) is not None]
        if have is not None and have == _consensus(others):
            counts["input misread by this client alone (view read as the others read "
                   "the input)"] += 1
            continue
        missing, extra = sorted(want - (have or set()))[:3], sorted((have or set()) - want)[:3]
        diffs[name] = f"missing {missing} extra {extra}"
    return diffs, counts


@pytest.mark.parametrize("client", CLIENTS)
def test_per_source_view_means_what_the_partner_file_meant(client, runs, readings, capsys):
    reason = client_skip(client)
    if reason:
        pytest.skip(reason)
    diffs, counts = _compare(client, runs, readings)
    allowed = {f for f, (_, clients) in ALLOW.items() if clients == "*" or client in clients}
    unexpected = {f: d for f, d in diffs.items() if f not in allowed}
    agreeing = sorted(allowed - set(diffs))
    with capsys.disabled():
        print(f"\n[{client}] {len(runs)} files: " +
              ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
              f", allow-listed and differing {len(diffs) - len(unexpected)}")
        for f in sorted(set(diffs) & allowed):
            print(f"  allow-listed {f}: {ALLOW[f][0]}")
    assert not unexpected, "\n".join(f"{f}: {d}" for f, d in sorted(unexpected.items()))
    assert not agreeing, f"remove from ALLOW for {client}, view and input now agree: {agreeing}"


@pytest.mark.parametrize("client", PARSERS)
def test_unified_calendar_parses_in_every_client(client, runs):
    reason = client_skip(client) if client in CLIENTS else None
    if reason:
        pytest.skip(reason)
    assert all(s.unified.exists() for _, s in runs)
    errors = parse_errors_many(client, [s.unified for _, s in runs], timeout=TIMEOUT)
    bad = {label(p): e for (p, _), e in zip(runs, errors, strict=True) if e}
    assert not bad, "\n".join(f"{f}: {e[:2]}" for f, e in sorted(bad.items())[:20])
