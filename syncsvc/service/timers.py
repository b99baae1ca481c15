"""The daemon's timers: one ``schedule`` job per source, kept across reloads, and safe
from wall-clock steps.

``schedule`` computes every next run from ``datetime.now()`` (naive local time). When the
wall clock stepped back (NTP correcting a clock that ran ahead, an admin fixing the time,
the autumn change of a local zone), every job waited for the step on top of its
interval – an hour's step stopped all syncing for an hour while the loop kept ticking
and ``/healthz`` said 200. Each tick now compares how far that wall clock moved with
``time.monotonic``; a backward step moves every job's next run back by the same amount,
so each keeps the time it had left. A forward step needs nothing: the jobs are due and
run once, as ``schedule`` does after any pause.

As a backstop the timers record, on the monotonic clock, when each job last ran;
``overdue`` names a job that has not run for far longer than its interval, and makes
``/healthz`` answer 503 whatever the cause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import schedule

from ..config import SourceConfig
from ..logs import fields

log = logging.getLogger(__name__)

STEP_S = 5.0  # the wall clock moving this much less than the monotonic one is a step
DAY_TICK_S = 300  # the day job (republish at midnight, daily purge): every 5 minutes
DAY = "*"  # the day job's key among the source ids


def wall_now() -> datetime:
    """The clock ``schedule`` computes next runs from: its module's datetime.now()."""
    return schedule.datetime.datetime.now()


class Timers:
    def __init__(self, scheduler: schedule.Scheduler,
                 wall: Callable[[], datetime] = wall_now,
                 mono: Callable[[], float] = time.monotonic) -> None:
        self.scheduler, self.wall, self.mono = scheduler, wall, mono
        self.jobs: dict[str, tuple[SourceConfig, schedule.Job]] = {}  # id → (config, job)
        self.ran: dict[str, tuple[float, float]] = {}  # id → (monotonic last run, interval)
        self._last = (wall(), mono())

    def plan(self, sources: Sequence[SourceConfig], run_one: Callable[[str], None],
             day_tick: Callable[[], None]) -> list[SourceConfig]:
        """One job per enabled source. A source whose config is unchanged keeps its job
        (and its next run): a reload used to reset every timer, so touching the config
        every few seconds stopped all fetches. Returns the sources that are new or
        changed (to be synced now rather than after a full interval)."""
        if not self.scheduler.get_jobs("day"):
            self.scheduler.every(DAY_TICK_S).seconds.do(
                self._recorded(DAY, DAY_TICK_S, day_tick)).tag("day")
        wanted = {s.id: s for s in sources if s.enabled}
        for source_id in [i for i in self.jobs if wanted.get(i) != self.jobs[i][0]]:
            self.scheduler.cancel_job(self.jobs.pop(source_id)[1])
            self.ran.pop(source_id, None)
        fresh = [s for i, s in wanted.items() if i not in self.jobs]
        for source in fresh:
            job = self.scheduler.every(source.interval_s).seconds.do(
                self._recorded(source.id, source.interval_s, run_one), source.id)
            self.jobs[source.id] = (source, job)
        return fresh

    def run_pending(self) -> None:
        self.follow_clock()
        self.scheduler.run_pending()

    def follow_clock(self) -> float:
        """Move every next run back by a backward step of the wall clock since the last
        call; returns the step in seconds (negative), 0 when there was none."""
        wall, mono = self.wall(), self.mono()
        (last_wall, last_mono), self._last = self._last, (wall, mono)
        step = (wall - last_wall).total_seconds() - (mono - last_mono)
        if step > -STEP_S:
            return 0.0
        for job in self.scheduler.jobs:
            if job.next_run is not None:
                job.next_run += timedelta(seconds=step)
        log.warning("Systemuhr um %.0f s zurückgestellt: der Zeitplan rechnet ab der neuen "
                    "Uhrzeit, keine Quelle wartet länger", -step, extra=fields(source="*"))
        return step

    def overdue(self, slack_s: float) -> list[str]:
        """German reasons for jobs that have not run within their interval + ``slack_s``
        (measured on the monotonic clock)."""
        now = self.mono()
        found = []
        for key, (at, interval_s) in sorted(self.ran.items()):
            if now - at > interval_s + slack_s:
                what = "der Tagesauftrag" if key == DAY else f"die Quelle „{key}“"
                found.append(f"der Zeitplan hängt: {what} lief seit {now - at:.0f} s nicht "
                             f"mehr (geplant alle {interval_s:.0f} s)")
        return found

    def _recorded(self, key: str, interval_s: float, job: Callable[..., None]):
        self.ran[key] = (self.mono(), float(interval_s))
        guarded_job = guarded(job, key)

        def run(*args):
            self.ran[key] = (self.mono(), float(interval_s))
            return guarded_job(*args)

        run.__name__ = getattr(job, "__name__", "job")
        return run


def guarded(job, source_id: str):
    """A scheduled job that never raises: ``schedule`` does not reschedule a job that
    raised, so it ran again on every tick (100 % CPU) and starved every other source."""

    def run(*args):
        try:
            return job(*args)
        except Exception:  # noqa: BLE001 - logged; the job runs again at its next interval
            log.exception("geplanter Auftrag fehlgeschlagen", extra=fields(source=source_id))
            return None

    run.__name__ = getattr(job, "__name__", "job")
    return run
