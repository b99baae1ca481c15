"""The daemon's timers, in-process with its real scheduler loop and a real SQLite file:
config reloads (issue 15) and wall-clock steps. The passes themselves are recorded
instead of run, so a test sees exactly which source the scheduler started when."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import types

import pytest
import schedule

from syncsvc.service import Service
from syncsvc.service import daemon as daemon_mod
from syncsvc.service.daemon import Daemon
from syncsvc.store import Store

from conftest import DATA

SOURCES = """
[[sources]]
id = "a"
url = "../feeds/a.ics"
kind = "ics"
interval = "{interval}"

[[sources]]
id = "b"
url = "../feeds/{b}.ics"
kind = "ics"
interval = "{interval}"
"""


@pytest.fixture
def make_daemon(write_config, tmp_path, monkeypatch):
    """A Daemon on a real store whose passes are recorded as (why, [source ids])."""
    for name in ("a", "b", "b2"):
        (tmp_path / "feeds" / f"{name}.ics").write_bytes(
            (DATA / "pipeline" / "partner_two_events.ics").read_bytes())
    monkeypatch.setattr(daemon_mod, "TICK_S", 0.05)
    made = []

    def make(interval: str = "2s") -> tuple[Daemon, list]:
        d = Daemon(write_config(SOURCES.format(interval=interval, b="b")))
        d.store = Store(d.settings.database)
        d.store.sync_sources(d.settings.sources)
        d.service = Service(d.settings, d.store)
        passes: list[tuple[str, list[str]]] = []
        d._sync = lambda sources, why: passes.append((why, [s.id for s in sources]))
        made.append(d)
        return d, passes

    yield make
    for d in made:
        d.stop_event.set()
        d.store.close()


def loop_in_thread(d: Daemon) -> threading.Thread:
    thread = threading.Thread(target=d._loop, daemon=True)
    thread.start()
    return thread


def scheduled(passes: list) -> list[str]:
    return [sid for why, ids in passes if why == "schedule" for sid in ids]


def touch(path) -> None:
    stamp = time.time() + touch.count  # a new mtime on every call, even within a second
    touch.count += 1
    os.utime(path, (stamp, stamp))


touch.count = 1


def test_a_reload_keeps_the_timers_of_unchanged_sources_and_runs_changed_ones_at_once(
        make_daemon, tmp_path):
    """Finding: a reload reset every timer (touching the config every 8 s stopped all
    fetches) and a changed URL waited a full interval. Here the config is touched every
    0.5 s while both sources are due every 2 s."""
    d, passes = make_daemon("2s")
    d._schedule_jobs()
    thread = loop_in_thread(d)
    config = tmp_path / "config" / "syncsvc.toml"
    try:
        end = time.monotonic() + 4.5
        while time.monotonic() < end:
            touch(config)
            time.sleep(0.5)
        runs = scheduled(passes)
        assert runs.count("a") >= 1 and runs.count("b") >= 1, passes
        # a changed URL: that source runs at once, the unchanged one keeps its next run
        job_a = d.timers.jobs["a"][1]
        due_a = job_a.next_run
        passes.clear()
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("../feeds/b.ics", "../feeds/b2.ics"), encoding="utf-8")
        touch(config)
        deadline = time.monotonic() + 1.0
        while ("reload", ["b"]) not in passes and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ("reload", ["b"]) in passes, passes
        assert d.timers.jobs["a"][1] is job_a  # the same job, not a new one with a fresh timer
        if "a" not in scheduled(passes):  # (it may have come due meanwhile)
            assert job_a.next_run == due_a
        assert "a" not in [sid for why, ids in passes if why == "reload" for sid in ids]
    finally:
        d.stop_event.set()
        thread.join(5)


class _SteppedClock(dt.datetime):
    """datetime with a settable offset on now(): the wall clock as ``schedule`` reads it."""

    offset = dt.timedelta(0)

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return dt.datetime.now(tz) + cls.offset


@pytest.fixture
def wall_clock(monkeypatch):
    """Step the wall clock of the ``schedule`` module (its ``datetime.datetime.now()``,
    where every next_run comes from); time.monotonic keeps running as it does."""
    shim = types.SimpleNamespace(**{k: getattr(dt, k) for k in dir(dt) if not k.startswith("_")})
    shim.datetime = _SteppedClock
    _SteppedClock.offset = dt.timedelta(0)
    monkeypatch.setattr(schedule, "datetime", shim)
    yield _SteppedClock
    _SteppedClock.offset = dt.timedelta(0)


def _until_scheduled(passes: list, ids: set[str], timeout: float) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not ids <= set(scheduled(passes)):
        time.sleep(0.02)
    return set(scheduled(passes))


def test_a_backward_clock_step_keeps_syncing(make_daemon, wall_clock):
    """Finding: a backward clock step stopped syncing while /healthz said 200. schedule
    computes next_run from datetime.now(): with the wall clock stepped back an hour,
    every job waited an hour more, while the loop kept ticking (and beating). A real
    step cannot be done in a test: the clock schedule reads is stepped instead."""
    d, passes = make_daemon("1s")
    d._schedule_jobs()
    d._thread = loop_in_thread(d)
    try:
        assert _until_scheduled(passes, {"a", "b"}, 3.0) >= {"a", "b"}
        wall_clock.offset = dt.timedelta(hours=-1)  # NTP steps the clock back
        passes.clear()
        assert _until_scheduled(passes, {"a", "b"}, 3.0) >= {"a", "b"}, \
            "no source synced after the clock step"
        wall_clock.offset = dt.timedelta(hours=-1, seconds=-30)  # and a little more
        passes.clear()
        assert _until_scheduled(passes, {"a", "b"}, 3.0) >= {"a", "b"}
        assert d._healthy()
    finally:
        d.stop_event.set()
        d._thread.join(5)


def test_healthz_notices_a_source_not_run_for_too_long_on_the_monotonic_clock(make_daemon):
    """The other half of the finding: a loop that ticks (and so beats) but never runs a
    job is stalled too. Measured on time.monotonic, which no clock step moves."""
    from syncsvc.service import health
    from syncsvc.service.timers import Timers

    d, passes = make_daemon("1s")
    mono = [1000.0]
    d.timers = Timers(d.scheduler, mono=lambda: mono[0])
    d._schedule_jobs()
    d._thread = threading.Thread(target=d.stop_event.wait, daemon=True)
    d._thread.start()
    assert d._healthy()
    slack = health.stall_limit_s(d.settings.total_timeout_s) + 2 * d.settings.total_timeout_s
    mono[0] += 1 + slack - 1  # within interval + slack: fine
    assert d._healthy()
    mono[0] += 2
    assert not d._healthy()
    assert d._unhealthy[0].startswith("der Zeitplan hängt: die Quelle „a“ lief seit")
    d.scheduler.run_all()  # the jobs run again
    assert scheduled(passes) == ["a", "b"]
    assert d._healthy()
