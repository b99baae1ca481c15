"""The daemon's part in „Termin melden“, in-process on a real SQLite file: /admin decides
under the daemon's write lock, and contact data is purged by the day tick."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from syncsvc.service import Service
from syncsvc.service.daemon import Daemon
from syncsvc.store import Store
from syncsvc.store.submissions import Submissions

FORM = {"organisation": "Moscheeverein", "title": "Offenes Fastenbrechen",
        "day": (date.today() + timedelta(days=3)).isoformat(), "begin": "18:00", "end": "",
        "all_day": 0, "place": "Gemeindesaal", "description": "", "link": "",
        "category": "Begegnung", "contact_email": "vorstand@example.org", "contact_phone": ""}


@pytest.fixture
def daemon(write_config):
    settings = write_config(extra="[submissions]\nkeep_contact_days = 30\n")
    d = Daemon(settings)
    d.store = Store(settings.database)
    d.service = Service(settings, d.store)
    yield d
    d.store.close()


def add(settings, **changes) -> int:
    with Submissions(settings.database) as subs:
        return subs.add({**FORM, **changes}, "k", "2026-01-01T00:00:00Z",
                        "2025-01-01T00:00:00Z", 100)


def row(settings, sub_id: int) -> dict:
    with Submissions(settings.database) as subs:
        return subs.get(sub_id)


def test_admin_moderation_waits_for_the_write_lock(daemon):
    sub_id = add(daemon.settings)
    assert daemon._admin() is not None
    done = threading.Event()
    with daemon.write_lock:  # a sync pass is writing
        worker = threading.Thread(target=lambda: (daemon._moderate(sub_id, "approve"),
                                                  done.set()))
        worker.start()
        assert not done.wait(0.5)
        assert row(daemon.settings, sub_id)["status"] == "pending"
    assert done.wait(10)
    worker.join()
    assert row(daemon.settings, sub_id)["status"] == "approved"
    ics = (daemon.settings.output_dir / "calendar.ics").read_text(encoding="utf-8")
    assert ics.count("Offenes Fastenbrechen") == 1
    assert daemon._moderate(987, "approve") == ["Es gibt keinen gemeldeten Termin #987."]


def test_day_tick_purges_contact_data_once_per_local_day(daemon, monkeypatch):
    settings, today = daemon.settings, date.today()
    old = add(settings, day=(today - timedelta(days=31)).isoformat())
    recent = add(settings, day=(today - timedelta(days=5)).isoformat())
    daemon._day_tick()  # nobody ran a CLI command or submitted anything
    assert row(settings, old)["contact_email"] == "" and row(settings, old)["contact_purged"]
    assert row(settings, recent)["contact_email"] == FORM["contact_email"]
    later = add(settings, day=(today - timedelta(days=40)).isoformat())
    daemon._day_tick()  # five minutes later, the same day: no second purge
    assert row(settings, later)["contact_email"] == FORM["contact_email"]

    import syncsvc.service.daemon as module

    real = module.datetime

    class Tomorrow(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + timedelta(days=1)

    monkeypatch.setattr(module, "datetime", Tomorrow)
    daemon._day_tick()
    assert row(settings, later)["contact_email"] == ""
    assert row(settings, recent)["contact_email"] == FORM["contact_email"]
