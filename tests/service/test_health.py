"""/healthz tells a supervisor the truth (service.health).

Findings: it said 200 while the scheduler hung, while the database file was deleted or
corrupt, and while every publish failed. The daemon runs as a real process on
127.0.0.1 with a real SQLite file; the checks below it run on real files too.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests
from test_daemon import daemon_config, start, stop, wait_http  # noqa: F401 - fixture

from syncsvc.service import health
from syncsvc.store import Store

from conftest import DATA


def _status(url: str, want: int, timeout: float = 15.0) -> int:
    deadline, code = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        code = requests.get(url, timeout=5).status_code
        if code == want:
            return code
        time.sleep(0.2)
    return code


@pytest.mark.slow
def test_healthz_turns_503_when_the_database_file_is_deleted(daemon_config):  # noqa: F811
    settings, path = daemon_config
    proc = start(path)
    try:
        url = f"http://127.0.0.1:{settings.port}/healthz"
        wait_http(url, proc)
        Path(settings.database).unlink()  # the daemon's open connection hides it
        assert _status(url, 503) == 503
        assert requests.get(url, timeout=5).text.strip() == "unhealthy"
    finally:
        _, err = stop(proc)
    assert "nicht betriebsbereit" in err and "fehlt" in err


def test_missing_and_corrupt_database_are_problems(tmp_path: Path):
    db = tmp_path / "syncsvc.db"
    assert health.database_problems(db) == [f"Datenbank {db} fehlt"]
    assert not db.exists()  # the check never creates the file
    Store(db).close()
    assert health.database_problems(db) == []
    db.write_bytes(b"kein SQLite" * 1000)
    (found,) = health.database_problems(db)
    assert found.startswith(f"Datenbank {db} nicht lesbar")


def test_a_failing_publish_is_a_problem(tmp_path: Path):
    db = tmp_path / "syncsvc.db"
    with Store(db) as store:
        store.set_meta("publish_error", "Kein Platz auf dem Gerät")
    full = "Veröffentlichen schlägt fehl: Kein Platz auf dem Gerät"
    assert health.database_problems(db) == [full]
    with Store(db) as store:
        store.set_meta("publish_error", "")
    assert health.database_problems(db) == []


def test_a_stalled_or_dead_scheduler_is_a_problem(tmp_path: Path):
    db = tmp_path / "syncsvc.db"
    Store(db).close()
    beat = health.Heartbeat()
    stop_event = threading.Event()
    alive = threading.Thread(target=stop_event.wait, daemon=True)
    alive.start()
    try:
        assert health.problems(alive, beat, 0.2, db) == []
        time.sleep(0.3)  # no progress for longer than the limit: stalled
        (found,) = health.problems(alive, beat, 0.2, db)
        assert found.startswith("der Zeitplan hängt")
        beat.beat()
        assert health.problems(alive, beat, 0.2, db) == []
    finally:
        stop_event.set()
        alive.join()
    assert health.problems(alive, beat, 60, db) == ["der Zeitplan (Scheduler) läuft nicht"]
    assert health.stall_limit_s(60) >= 600  # a long publish is not a stall


@pytest.mark.slow
def test_served_before_the_first_pass_over_slow_partners_ends(write_config, http):
    """Finding: nothing was served until the first full sync ended (a slow partner kept
    the last outputs, /healthz included, offline after every restart)."""
    from werkzeug import Response

    def slow(_request):
        time.sleep(4)
        return Response((DATA / "pipeline" / "partner_two_events.ics").read_bytes(),
                        content_type="text/calendar")

    http.expect_request("/langsam.ics").respond_with_handler(slow)
    settings = write_config(f"""
        [[sources]]
        id = "langsam"
        name = "Langsamer Partner"
        url = "{http.url_for('/langsam.ics')}"
        kind = "ics"
        """)
    proc = start(settings.config_path)
    try:
        began = time.monotonic()
        wait_http(f"http://127.0.0.1:{settings.port}/healthz", proc, timeout=10)
        assert time.monotonic() - began < 3.5, "served only after the slow first pass"
        wait_http(f"http://127.0.0.1:{settings.port}/calendar.ics", proc, timeout=20)
    finally:
        stop(proc)
