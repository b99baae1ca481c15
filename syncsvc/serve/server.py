"""The waitress server, configured so that many or slow clients cannot take it offline.

With waitress's defaults 101 slowloris sockets (or 200 idle keep-alive clients) made
every request time out, ``/healthz`` included: at most 100 connections, after which the
listener stops accepting; no deadline for a request to arrive, only an idle timeout of
120 s that a client resets by sending one byte now and then. Here:

- ``CONNECTION_LIMIT`` connections (poll(), not select(), which fails past 1024 fds) and
  a listen backlog, so a few hundred held sockets leave room for everyone else;
- ``REQUEST_TIMEOUT_S``: a request (head and body) must arrive completely within this
  time from its first byte, or the connection is closed — dripping does not help;
- ``IDLE_TIMEOUT_S`` for idle keep-alive connections, checked every ``CLEANUP_S``;
- small request heads and bodies (nothing served needs more).

Forwarding headers (X-Forwarded-For …) reach the app untouched: ``make_app`` reads them
only from a configured trusted proxy (``client``) and then removes them; waitress's own
``trusted_proxy`` knows one fixed address only and no reload.

What waitress cannot do: limit connections per client address, or rate-limit. A client
that opens ``CONNECTION_LIMIT`` sockets still fills the server until the timeouts close
them; put a reverse proxy with per-IP limits in front for that (see README, Reliability).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer

from ..logs import fields

log = logging.getLogger(__name__)

CONNECTION_LIMIT = 1000
BACKLOG = 2048
THREADS = 8
REQUEST_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 30.0
CLEANUP_S = 1.0
MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 1024 * 1024


class DeadlineChannel(HTTPChannel):
    """An HTTPChannel that remembers when the request now arriving sent its first byte."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.time()
        result = super().received(data)
        if self.request is None:  # nothing partial left over
            self.request_started = None
        return result


def _with_request_deadline(server: BaseWSGIServer) -> None:
    """Make the server's periodic maintenance also close requests that arrive too slowly."""
    server.channel_class = DeadlineChannel
    idle_check = server.maintenance

    def maintenance(now: float) -> None:
        idle_check(now)
        cutoff = now - REQUEST_TIMEOUT_S
        for channel in list(server.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                channel.will_close = True

    server.maintenance = maintenance


def serve(app: Callable, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """Create (bind) a waitress server; call ``.run()`` (e.g. in a thread) and ``stop()``."""
    server = waitress.create_server(
        app, host=host, port=port, threads=THREADS, ident="syncsvc",
        clear_untrusted_proxy_headers=False, connection_limit=CONNECTION_LIMIT,
        backlog=BACKLOG, channel_timeout=int(IDLE_TIMEOUT_S), cleanup_interval=CLEANUP_S,
        asyncore_use_poll=True, max_request_header_size=MAX_HEADER_BYTES,
        max_request_body_size=MAX_BODY_BYTES)
    for listener in _listeners(server):
        _with_request_deadline(listener)
    log.info("serving on http://%s:%s", host, getattr(server, "effective_port", port),
             extra=fields(source="*"))
    return server


def bound_hosts(server: BaseWSGIServer | MultiSocketServer) -> tuple[str, ...]:
    """The addresses the server's sockets actually listen on ("0.0.0.0", "::1", …): what
    decides who can reach it, whatever a later config reload says about ``bind``."""
    return tuple(str(listener.socket.getsockname()[0]) for listener in _listeners(server))


def _listeners(server: BaseWSGIServer | MultiSocketServer) -> list[BaseWSGIServer]:
    channels = server.map if isinstance(server, MultiSocketServer) else server._map  # noqa: SLF001
    return [ch for ch in channels.values() if isinstance(ch, BaseWSGIServer)]


def stop(server: BaseWSGIServer | MultiSocketServer, thread: threading.Thread | None = None,
         timeout: float = 5.0) -> None:
    """Finish running requests, then close every socket so ``run()`` returns.

    The sockets are closed by a thunk inside the server's loop thread (waitress is not
    thread-safe); the thunk waits until this thread has finished pulling the trigger, so the
    trigger's pipe is never written after it was closed.
    """
    channels = server.map if isinstance(server, MultiSocketServer) else server._map  # noqa: SLF001
    listener = _listeners(server)[0]
    server.task_dispatcher.shutdown(timeout=timeout)  # workers done: none pulls the trigger
    pulled = threading.Event()

    def close_all() -> None:
        pulled.wait(timeout)
        for channel in list(channels.values()):
            try:
                channel.close()
            except OSError as e:  # already gone: nothing left to close
                log.debug("closing %r: %s", channel, e, extra=fields(source="*"))

    listener.trigger.pull_trigger(close_all)
    pulled.set()
    if thread is not None:
        thread.join(timeout)
        if thread.is_alive():
            log.warning("server loop did not stop within %.0fs", timeout, extra=fields(source="*"))
