"""The HTTP service under many and slow clients (issue 15), on 127.0.0.1 only.

With waitress's defaults 101 slowloris sockets or 200 idle keep-alive clients made every
request time out, ``/healthz`` included. Here 200 slowloris sockets and 300 keep-alive
clients are held open at once while ``/healthz`` must answer a fresh client within 1 s;
a request dripping one byte at a time is closed once ``REQUEST_TIMEOUT_S`` has passed.
Every socket is closed when the test ends; nothing runs longer than a few seconds.
"""

from __future__ import annotations

import contextlib
import socket
import time

import pytest
import requests

from syncsvc.serve import make_app, server

from conftest import running

pytestmark = pytest.mark.timeout(60)

SLOWLORIS, KEEP_ALIVE = 200, 300


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(5)
    return sock


def _healthz_seconds(base: str) -> float:
    started = time.monotonic()
    resp = requests.get(f"{base}/healthz", timeout=1)
    assert resp.status_code == 200 and resp.text == "ok\n"
    return time.monotonic() - started


def test_slowloris_and_keep_alive_crowd_do_not_take_healthz_offline(write_config):
    settings = write_config()
    held: list[socket.socket] = []
    with running(make_app(settings)) as base, contextlib.ExitStack() as stack:
        stack.callback(lambda: [s.close() for s in held])
        port = int(base.rsplit(":", 1)[1])
        for i in range(SLOWLORIS):  # a request head that never ends
            sock = _connect(port)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % i)
            held.append(sock)
        crowd = [_connect(port) for _ in range(KEEP_ALIVE)]
        held.extend(crowd)
        for sock in crowd:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        answered = sum(sock.recv(4096).startswith(b"HTTP/1.1 200") for sock in crowd)
        took = [_healthz_seconds(base) for _ in range(5)]
    assert answered == KEEP_ALIVE
    assert max(took) < 1.0, took


def test_request_dripping_bytes_is_closed_after_the_request_timeout(write_config, monkeypatch):
    """Waitress had no deadline for a request to arrive: one byte every few seconds kept
    a connection (and, 100 of them, the whole server) forever."""
    monkeypatch.setattr(server, "REQUEST_TIMEOUT_S", 1.0)
    settings = write_config()
    with running(make_app(settings)) as base:
        sock = _connect(int(base.rsplit(":", 1)[1]))
        sock.settimeout(0.3)
        started, closed = time.monotonic(), False
        with sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            while time.monotonic() - started < 6 and not closed:
                try:
                    sock.sendall(b"X")
                    closed = sock.recv(1024) == b""
                except TimeoutError:
                    continue
                except OSError:  # reset by the server: closed as well
                    closed = True
    assert closed, "the dripping request was never closed"
    assert time.monotonic() - started < 4
