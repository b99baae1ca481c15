"""A reload applies everything or nothing (issue 14): edits under a running daemon.

Before, the fetcher kept its startup size cap and private-network policy and the index
page its startup name; a refused reload showed only in the log while /admin kept saying
all sources were fine. One real daemon subprocess, one real partner server on 127.0.0.1.
"""

from __future__ import annotations

import os
import time

import icalendar
import pytest
import requests
from test_daemon import start, stop, wait_http

from conftest import DATA

pytestmark = pytest.mark.slow
TOKEN = "admin-geheim-123"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stamp = time.time() + 5 * _edit.count  # a distinct mtime even within one second
    _edit.count += 1
    os.utime(path, (stamp, stamp))


_edit.count = 1


def _until(check, why: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(why)


def _error(base: str, source_id: str) -> str:
    doc = requests.get(base + "/status", timeout=5).json()
    return next(s for s in doc["sources"] if s["id"] == source_id)["last_error"] or ""


def test_each_edit_under_a_running_daemon_applies_within_one_reload(
        write_config, tmp_path, http, monkeypatch):
    body = (DATA / "pipeline" / "partner_two_events.ics").read_bytes()
    http.expect_request("/p.ics").respond_with_data(body, content_type="text/calendar")
    settings = write_config(f"""
        [[sources]]
        id = "partner"
        name = "Partner"
        url = "{http.url_for('/p.ics')}"
        kind = "ics"
        categories = ["Alt"]
        """, service='interval = "1h"\n')
    path = tmp_path / "config" / "syncsvc.toml"
    monkeypatch.setenv("SYNCSVC_ADMIN_TOKEN", TOKEN)
    base = f"http://127.0.0.1:{settings.port}"
    proc = start(path)
    try:
        wait_http(base + "/calendar.ics", proc)
        # the service name (index page) and a source's categories (calendar)
        _edit(path, 'name = "WIR in Idstein"', 'name = "WIR in Idstein – Probe"')
        _edit(path, 'categories = ["Alt"]', 'categories = ["Neu"]')
        _until(lambda: "WIR in Idstein – Probe" in requests.get(base + "/", timeout=5).text,
               "the index page kept the old service name")
        _until(lambda: all("Neu" in str(e.get("CATEGORIES").cats) for e in
                           icalendar.Calendar.from_ical(requests.get(
                               base + "/calendar.ics", timeout=5).content).walk("VEVENT")),
               "the changed categories waited for the interval")
        # the size cap reaches the fetcher (a changed source is fetched at once)
        _edit(path, "total_timeout = 5", "total_timeout = 5\nmax_bytes = 100")
        _edit(path, 'categories = ["Neu"]', 'categories = ["Neu", "Klein"]')
        _until(lambda: "größer als 100 Bytes" in _error(base, "partner"),
               "the fetcher kept the startup size cap")
        # the private-network policy reaches the fetcher
        _edit(path, "max_bytes = 100", "max_bytes = 1000000")
        _edit(path, "allow_private_networks = true", "allow_private_networks = false")
        _edit(path, '["Neu", "Klein"]', '["Neu"]')
        _until(lambda: "Sicherheitsgründen" in _error(base, "partner"),
               "the fetcher kept the startup private-network policy")
        # a broken edit is shown on /status and /admin until fixed
        _edit(path, 'interval = "1h"', 'interval = 1h')
        admin = _until(lambda: (r := requests.get(
            base + "/admin", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)).ok
            and "nicht übernommen" in r.text and r.text, "/admin never showed the refusal")
        assert "Zeile" in admin
        assert "nicht übernommen" in str(requests.get(base + "/status", timeout=5).json())
    finally:
        code, err = stop(proc)
    assert code == 0, err


def test_admin_auth_follows_the_bound_socket_not_the_reloaded_config(
        write_config, tmp_path, monkeypatch):
    """Finding: /admin decided "loopback only, no token needed" from the config as last
    reloaded, not from the socket actually bound: a reload that dropped the `bind` line
    (back to the default 127.0.0.1) and the token served /admin to anyone on the
    0.0.0.0 socket the daemon still listened on."""
    (tmp_path / "feeds" / "verein.ics").write_bytes(
        (DATA / "pipeline" / "partner_two_events.ics").read_bytes())
    settings = write_config("""
        [[sources]]
        id = "verein"
        url = "../feeds/verein.ics"
        kind = "ics"
        """, service='interval = "1h"\nbind = "0.0.0.0"\n'
                     'admin_token_env = "SYNCSVC_TEST_ADMIN_TOKEN"\n')
    monkeypatch.setenv("SYNCSVC_TEST_ADMIN_TOKEN", TOKEN)
    path = tmp_path / "config" / "syncsvc.toml"
    base = f"http://127.0.0.1:{settings.port}"
    proc = start(path)
    try:
        wait_http(base + "/healthz", proc)
        assert requests.get(base + "/admin", timeout=5).status_code == 401
        login = requests.post(base + "/admin/login", data={"token": TOKEN}, timeout=5,
                              allow_redirects=False)
        assert login.status_code == 303
        cookies = {"syncsvc_admin": login.cookies["syncsvc_admin"]}
        # an unrelated edit: the login survives the reload
        _edit(path, 'name = "WIR in Idstein"', 'name = "WIR in Idstein – neu"')
        _until(lambda: "WIR in Idstein – neu" in requests.get(base + "/", timeout=5).text,
               "the name edit was never reloaded")
        assert requests.get(base + "/admin", cookies=cookies, timeout=5).status_code == 200
        # the reload drops bind and the token; the socket stays on 0.0.0.0
        _edit(path, 'bind = "0.0.0.0"\n', "")
        _edit(path, "SYNCSVC_TEST_ADMIN_TOKEN", "SYNCSVC_GIBT_ES_NICHT")
        (refused,) = _until(lambda: (r := requests.get(base + "/admin", timeout=5))
                            .status_code != 401 and (r,), "the token edit was never reloaded")
        assert refused.status_code == 403, "admin served without a token on 0.0.0.0"
        assert "keine Loopback-Adresse" in refused.text
        assert requests.get(base + "/admin", cookies=cookies, timeout=5).status_code == 403
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "erst nach einem Neustart" in err  # the changed bind is named in the log
