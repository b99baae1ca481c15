"""Shared fixtures: real SQLite files, config files written to tmp_path, paths."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from pytest_httpserver import HTTPServer

from syncsvc import config as cfg
from syncsvc.store import Store

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
CORPUS = REPO.parent / "shared" / "corpus"

# CI replays a fixed set of examples so a run on main is reproducible; locally each run
# explores new ones (and keeps failures in .hypothesis/ for replay).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def fresh_db(tmp_path):
    """A migrated Store on a real SQLite file, closed after the test."""
    store = Store(tmp_path / "var" / "syncsvc.db")
    yield store
    store.close()


@pytest.fixture(scope="module")
def partner_server():
    """A pytest-httpserver on 127.0.0.1 shared by a module's tests (see ``http``)."""
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def http(partner_server: HTTPServer):
    """The module's partner server, emptied of expectations before and after a test."""
    partner_server.clear()
    yield partner_server
    partner_server.clear()


def start_server(app):
    """Serve a WSGI app with the service's own waitress setup on a free loopback port."""
    from syncsvc.serve import serve

    server = serve(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.effective_port}"


@contextlib.contextmanager
def running(app):
    """``with running(app) as base_url:`` – the app served until the block ends."""
    from syncsvc.serve import stop

    server, thread, url = start_server(app)
    try:
        yield url
    finally:
        stop(server, thread)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def write_config(tmp_path):
    """Write a syncsvc.toml into tmp_path/config and return the loaded Settings.

    ``sources`` is TOML text of [[sources]] tables; ``service`` extra lines for [service].
    Local feed files go to tmp_path/feeds (the allowed feeds folder).
    """
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "feeds").mkdir(exist_ok=True)

    def write(sources: str = "", service: str = "", extra: str = "") -> cfg.Settings:
        path = tmp_path / "config" / "syncsvc.toml"
        text = textwrap.dedent(f"""\
            [service]
            name = "WIR in Idstein"
            output_dir = "../public"
            database = "../var/syncsvc.db"
            port = {free_port()}
            connect_timeout = 2
            allow_private_networks = true  # the partner servers of tests are on 127.0.0.1
            total_timeout = 5
            school_holidays = "{REPO / 'config' / 'schulferien-hessen.ics'}"
            """) + textwrap.dedent(service) + "\n" + textwrap.dedent(sources) + "\n" + \
            textwrap.dedent(extra)
        path.write_text(text, encoding="utf-8")
        return cfg.load(path)

    return write


@pytest.fixture
def one_partner(tmp_path, write_config):
    """``make(service="")`` → (settings, feed path): source "verein" reading a copy of
    ``pipeline/partner_two_events.ics`` from the feeds folder; ``service``: [service] lines."""

    def make(service: str = ""):
        feed = tmp_path / "feeds" / "partner.ics"
        feed.parent.mkdir(exist_ok=True)
        feed.write_bytes((DATA / "pipeline" / "partner_two_events.ics").read_bytes())
        settings = write_config(service=service, sources=f"""
            [[sources]]
            id = "verein"
            name = "Verein"
            url = "{feed}"
            kind = "ics"
            """)
        return settings, feed

    return make


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Tests talk to 127.0.0.1 only; a proxy from the environment must not interfere."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")



@pytest.fixture(autouse=True)
def _restore_logging():
    """CLI tests run ``logs.setup`` in-process, which attaches a handler to the test's
    captured stderr. Left behind, it writes to a closed stream in later tests (a
    "Logging error" with a formatted traceback, whose allocations skew memory checks)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)

def require_browser() -> bool:
    return os.environ.get("SYNCSVC_REQUIRE_BROWSER") == "1"
