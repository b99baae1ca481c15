"""The daemon as a real subprocess: serves outputs, reloads config, stops on SIGTERM."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import icalendar
import pytest
import requests

from conftest import DATA

pytestmark = pytest.mark.slow


def start(config_path, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "syncsvc", "--config", str(config_path), *extra, "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_http(url: str, proc, timeout: float = 30.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"daemon exited early: {proc.communicate()}")
        try:
            r = requests.get(url, timeout=2)
            if r.status_code == 200:
                return r
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not served within {timeout} s")


def wait_vevents(base: str, count: int, why: str, timeout: float = 20.0) -> None:
    """Poll the served calendar until it holds ``count`` VEVENTs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cal = icalendar.Calendar.from_ical(requests.get(base + "/calendar.ics").content)
        if len(cal.walk("VEVENT")) == count:
            return
        time.sleep(0.3)
    raise AssertionError(why)


def stop(proc, timeout: float = 20.0) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


LOCAL = """
[[sources]]
id = "verein"
name = "Verein"
url = "../feeds/verein.ics"
kind = "ics"
interval = "1s"
"""


@pytest.fixture
def daemon_config(write_config, tmp_path):
    shutil.copy(DATA / "pipeline" / "partner_two_events.ics", tmp_path / "feeds" / "verein.ics")
    settings = write_config(LOCAL)
    return settings, tmp_path / "config" / "syncsvc.toml"


def test_daemon_serves_calendar_and_exits_cleanly_on_sigterm(daemon_config):
    settings, path = daemon_config
    proc = start(path)
    try:
        base = f"http://127.0.0.1:{settings.port}"
        wait_http(base + "/healthz", proc)
        r = wait_http(base + "/calendar.ics", proc)
        assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
        cal = icalendar.Calendar.from_ical(r.content)
        assert len(cal.walk("VEVENT")) == 2
        # served from the start, the outputs of a first publish appear file by file
        news = wait_http(base + "/news.rss", proc)
        assert news.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err


def test_daemon_reloads_config_and_keeps_last_good_one(daemon_config, tmp_path):
    settings, path = daemon_config
    proc = start(path)
    base = f"http://127.0.0.1:{settings.port}"
    try:
        wait_http(base + "/calendar.ics", proc)
        path.write_text(path.read_text() + '\n[[sources]]\nid = "kaputt"\nurl = "x"\n')
        time.sleep(2.5)
        assert proc.poll() is None, "an invalid config must not stop the daemon"
        shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics", tmp_path / "feeds" / "b.ics")
        good = path.read_text().split("\n[[sources]]\nid = \"kaputt\"")[0]
        path.write_text(good + '\n[[sources]]\nid = "b"\nurl = "../feeds/b.ics"\nkind = "ics"\n')
        wait_vevents(base, 12, "the added source never appeared")
    finally:
        code, err = stop(proc)
    assert code == 0
    assert "config reload refused" in err and "kaputt" in err


def test_second_daemon_is_refused_and_sync_asks_the_running_one(daemon_config, tmp_path):
    settings, path = daemon_config
    path.write_text(path.read_text().replace('interval = "1s"', 'interval = "1h"'))
    proc = start(path)
    try:
        base = f"http://127.0.0.1:{settings.port}"
        wait_http(base + "/healthz", proc)
        second = subprocess.run(
            [sys.executable, "-m", "syncsvc", "--config", str(path), "run"],
            capture_output=True, text=True, timeout=60,
        )
        assert second.returncode == 1
        assert "wird schon benutzt: der laufende Dienst" in second.stderr
        assert "Traceback" not in second.stderr
        # `sync` while the daemon runs: it asks the daemon (SIGUSR1) to sync now
        shutil.copy(DATA / "pipeline" / "partner_ten_upcoming.ics",
                    tmp_path / "feeds" / "verein.ics")
        asked = subprocess.run(
            [sys.executable, "-m", "syncsvc", "--config", str(path), "sync"],
            capture_output=True, text=True, timeout=60,
        )
        assert asked.returncode == 0, asked.stderr
        assert "ruft jetzt alle Quellen ab" in asked.stdout
        wait_vevents(base, 10, "the daemon did not sync on request")
    finally:
        stop(proc)
