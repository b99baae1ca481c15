"""Four independent iCalendar clients behind one function, for the differential fidelity test.

    expand(client, ics, window_start, window_end) -> Occurrences (a frozenset of Occ)
    expand_many(client, jobs)                     -> [Occurrences | ClientError, ...]
    parse_errors(client, ics) -> [str, ...]   parse_ok(client, ics) -> bool

Clients (``CLIENTS``): ``recurring_ical_events`` (Python), ``icaljs`` (Mozilla's ical.js in
node, Thunderbird's parser), ``libical`` (Debian's libical via GObject introspection, as
Evolution uses it) and ``ha_ical`` (Home Assistant's ``ical``). ``PARSERS`` adds
``vobject``, which only takes part in the parse check.

``ics`` is file content (bytes), a path (``pathlib.Path``) or iCalendar text (str).

Normalisation (``core.normalize``, the same code for every client):
- start/end: timed values as UTC ``YYYY-MM-DDTHH:MM:SSZ``, all-day as ``YYYY-MM-DD``;
  floating times (and TZIDs a client cannot resolve, which it treats as floating) are read
  in ``floating_tz`` (default Europe/Berlin, the service's zone);
- end: a component with neither DTEND nor DURATION ends at its start (timed) or one day
  after it (all-day), RFC 5545 3.6.1, whatever the client itself would say;
- summary stripped ("" if absent); status upper-case, CONFIRMED if absent;
- kept: occurrences whose START lies in [window_start, window_end); an all-day
  occurrence starts at midnight in ``floating_tz``. Adapters expand ``core.MARGIN`` wider.

Bounds: at most ``max_per_series`` occurrences per UID (a series cut there is listed in
``Occurrences.truncated`` and is not comparable between clients), and ``timeout`` seconds
per file and client (a ``ClientError`` of kind ``timeout``).

A client that is not installed raises ``ClientUnavailable``; ``skip_reason(client)`` tells
a test whether to skip (None when the client is there) and fails instead when
SYNCSVC_REQUIRE_NODE=1 (ical.js) or SYNCSVC_REQUIRE_LIBICAL=1 (libical) is set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from . import ha, icaljs, libical, rie, vobj
from .core import (
    DEFAULT_FLOATING_TZ,
    DEFAULT_MAX_PER_SERIES,
    DEFAULT_TIMEOUT,
    ClientError,
    ClientUnavailable,
    Job,
    Occ,
    Occurrences,
    Timeout,
    check_window,
    deadline,
    label_of,
    normalize,
    read_text,
    widened,
)

__all__ = [
    "CLIENTS", "PARSERS", "ClientError", "ClientUnavailable", "Job", "Occ", "Occurrences",
    "expand", "expand_many", "parse_errors", "parse_errors_many", "parse_ok", "skip_reason",
    "unavailable",
]

CLIENTS = (rie.NAME, icaljs.NAME, libical.NAME, ha.NAME)
PARSERS = (*CLIENTS, vobj.NAME)
_MODULES = {m.NAME: m for m in (rie, icaljs, libical, ha, vobj)}
_BULK = {icaljs.NAME: icaljs, libical.NAME: libical}  # out-of-process clients


def _module(client: str):
    try:
        return _MODULES[client]
    except KeyError:
        raise ValueError(f"unknown client {client!r}; known: {', '.join(PARSERS)}") from None


def unavailable(client: str) -> str | None:
    """Why ``client`` cannot run here, or None when it can."""
    return _module(client).unavailable()


def skip_reason(client: str) -> str | None:
    """For tests: the reason to skip, or None. Raises when the environment requires it."""
    reason = unavailable(client)
    env = getattr(_module(client), "REQUIRE_ENV", None)
    if reason and env and os.environ.get(env) == "1":
        raise ClientUnavailable(client, f"{reason} (and {env}=1 requires it)")
    return reason


def _require(client: str) -> None:
    reason = unavailable(client)
    if reason:
        raise ClientUnavailable(client, reason)


def expand(client: str, ics, window_start: datetime, window_end: datetime, *,
           max_per_series: int = DEFAULT_MAX_PER_SERIES, timeout: float = DEFAULT_TIMEOUT,
           floating_tz: str = DEFAULT_FLOATING_TZ) -> Occurrences:
    """The occurrences ``client`` sees in ``ics`` starting in [window_start, window_end).

    Raises ClientError when the client cannot parse or expand the file (or times out).
    """
    result = expand_many(client, [Job(ics, window_start, window_end)],
                         max_per_series=max_per_series, timeout=timeout,
                         floating_tz=floating_tz)[0]
    if isinstance(result, ClientError):
        raise result
    return result


def expand_many(client: str, jobs: Sequence[Job], *,
                max_per_series: int = DEFAULT_MAX_PER_SERIES,
                timeout: float = DEFAULT_TIMEOUT, floating_tz: str = DEFAULT_FLOATING_TZ
                ) -> list[Occurrences | ClientError]:
    """``expand`` for many files at once (one node / libical process for all of them).

    Returns, per job and in order, the Occurrences or the ClientError (not raised).
    Raises ClientUnavailable when the client is not installed.
    """
    _module(client)
    _require(client)
    for job in jobs:
        check_window(job.window_start, job.window_end)
    if client in _BULK:
        return _expand_bulk(client, jobs, max_per_series, timeout, floating_tz)
    out: list[Occurrences | ClientError] = []
    for job in jobs:
        label = job.label or label_of(job.ics)
        lo, hi = widened(job.window_start, job.window_end)
        try:
            text = read_text(job.ics)
            with deadline(timeout) as end_by:
                if client == ha.NAME:
                    raw, cut = ha.expand_one(text, lo, hi, max_per_series, end_by, floating_tz)
                else:
                    raw, cut = rie.expand_one(text, lo, hi, max_per_series, end_by)
            out.append(normalize(raw, job.window_start, job.window_end, floating_tz, cut))
        except ClientError as e:
            e.label = e.label or label
            out.append(e)
        except Timeout as e:
            out.append(ClientError(client, "timeout", str(e), label))
    return out


def _wire(job: Job, i: int, mode: str, timeout: float, cap: int = 0) -> dict:
    wire: dict = {"id": i, "mode": mode, "timeout": timeout, "max": cap}
    if isinstance(job.ics, os.PathLike):
        wire["path"] = os.fspath(os.path.abspath(job.ics))
    else:
        wire["text"] = read_text(job.ics)
    lo, hi = widened(job.window_start, job.window_end)
    wire["start"], wire["end"] = int(lo.timestamp()), int(hi.timestamp())
    return wire


def _expand_bulk(client, jobs, cap, timeout, floating_tz):
    wires = [_wire(job, i, "expand", timeout, cap) for i, job in enumerate(jobs)]
    answers = _BULK[client].run(wires, timeout)
    out: list[Occurrences | ClientError] = []
    for job, answer in zip(jobs, answers, strict=True):
        label = job.label or label_of(job.ics)
        if answer.get("ok"):
            out.append(normalize(answer["occ"], job.window_start, job.window_end, floating_tz,
                                 answer.get("truncated", ())))
        else:
            out.append(ClientError(client, answer.get("kind", "crash"),
                                   answer.get("error", "?"), label))
    return out


_ANY = datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC)


def parse_errors_many(client: str, items: Sequence, *, timeout: float = DEFAULT_TIMEOUT
                      ) -> list[list[str]]:
    """Per item (bytes / path / text), the problems ``client`` reports parsing it ([] = ok)."""
    module = _module(client)
    _require(client)
    if client in _BULK:
        wires = [_wire(Job(ics, *_ANY), i, "parse", timeout) for i, ics in enumerate(items)]
        return [a["errors"] if a.get("ok") else [f"{a.get('kind')}: {a.get('error')}"]
                for a in module.run(wires, timeout)]
    out = []
    for ics in items:
        try:
            with deadline(timeout):
                out.append(module.parse_errors(read_text(ics)))
        except Timeout as e:
            out.append([f"timeout: {e}"])
    return out


def parse_errors(client: str, ics, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """The problems ``client`` (or vobject) reports parsing ``ics``; [] means zero errors."""
    return parse_errors_many(client, [ics], timeout=timeout)[0]


def parse_ok(client: str, ics, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """True when ``client`` parses ``ics`` with zero errors (see ``parse_errors`` for why not)."""
    return not parse_errors(client, ics, timeout=timeout)
