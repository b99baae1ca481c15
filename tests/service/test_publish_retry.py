"""A publish that failed or was cut off is retried, and a failing job starves no one.

Before: the store committed a source's new data, then the process was killed (or the
disk was full) before every file was written; the next pass saw no change and said
"nichts geändert" while calendar.ics and events.json disagreed. And a scheduled job
that raised was run again on every tick, so no other source was fetched.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import schedule

from syncsvc.service import freshness
from syncsvc.service import republish as rp
from syncsvc.service.sync import Pipeline
from syncsvc.service.timers import guarded as _guarded
from syncsvc.store import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def env(one_partner):
    settings, _ = one_partner()
    with Store(settings.database) as store:
        yield settings, store


def test_publish_killed_after_the_commit_is_retried_by_the_next_pass(env):
    settings, store = env
    Pipeline(settings, store, clock=lambda: NOW).sync_all()  # committed; "killed" here
    assert not (settings.output_dir / "calendar.ics").exists()
    rp.republish(settings, store, NOW)  # a first publish of other data ran earlier
    (settings.output_dir / "events.json").unlink()  # … but this pass's one did not finish
    store.set_meta("published_version", "0")
    again = Pipeline(settings, store, clock=lambda: NOW).sync_all()
    assert not any(r.changed for r in again)  # nothing new upstream
    assert freshness.needed(settings, store, again, NOW)
    rp.republish(settings, store, NOW)
    assert (settings.output_dir / "events.json").exists()
    assert not freshness.needed(settings, store, again, NOW)


def test_failed_publish_leaves_the_data_marked_unpublished(env, monkeypatch):
    settings, store = env
    reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rp, "publish_all", disk_full)
    with pytest.raises(OSError):
        rp.republish(settings, store, NOW)
    assert store.published_version() != store.data_version()
    monkeypatch.undo()
    assert freshness.needed(settings, store, [], NOW)
    rp.republish(settings, store, NOW)
    assert store.published_version() == store.data_version()
    assert not freshness.needed(settings, store, reports[:0], NOW)


def test_a_job_that_raises_runs_again_only_at_its_interval():
    calls = []

    def broken():
        calls.append(time.monotonic())
        raise OSError("disk full")

    scheduler = schedule.Scheduler()
    scheduler.every(1).seconds.do(_guarded(broken, "verein"))
    scheduler.jobs[0].next_run = datetime.now()  # due at once
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        scheduler.run_pending()
        time.sleep(0.01)
    assert len(calls) == 1  # unguarded, schedule re-ran it on each of ~50 ticks
