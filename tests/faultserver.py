"""A deliberately misbehaving HTTP server for fault tests.

Raw sockets on 127.0.0.1, one accept thread plus one thread per connection. Everything
is bounded: the server stops itself after ``lifetime`` seconds, every handler loop
watches the stop event, and ``stop()`` (or leaving the ``with`` block) ends it at once.

A handler is a callable ``handler(conn, server)``; it receives the connected socket after
the request head has been read (``server.requests`` holds every head seen) and may write
whatever it likes, as slowly as it likes, as long as it checks ``server.stopping``.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable

Handler = Callable[[socket.socket, "FaultServer"], None]


class FaultServer:
    def __init__(self, handler: Handler, *, lifetime: float = 20.0,
                 tls: ssl.SSLContext | None = None):
        self.handler = handler
        self.tls = tls  # a server-side context: speak HTTPS
        self.lifetime = lifetime
        self.requests: list[bytes] = []  # raw request heads, in arrival order
        self.bytes_sent = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/feed.ics"

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False once the server is stopping."""
        return not self._stop.wait(seconds)

    def send(self, conn: socket.socket, data: bytes) -> bool:
        """Send and count; False when the client has gone away."""
        try:
            conn.sendall(data)
        except OSError:
            return False
        with self._lock:
            self.bytes_sent += len(data)
        return True

    def _serve(self) -> None:
        end = time.monotonic() + self.lifetime
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
        self._stop.set()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            with self._lock:
                self.requests.append(head)
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- ready-made behaviours -------------------------------------------------------------

def never_answer(conn: socket.socket, server: FaultServer) -> None:
    """Accept, read the request, say nothing until the client gives up."""
    while server.wait(0.1):
        pass


def drip(body: bytes, delay: float = 1.0, *, headers_too: bool = False) -> Handler:
    """Send one byte every ``delay`` seconds (the head at once unless ``headers_too``)."""
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))

    def handler(conn: socket.socket, server: FaultServer) -> None:
        payload = head + body
        if not headers_too:
            if not server.send(conn, head):
                return
            payload = body
        for i in range(len(payload)):
            if not server.send(conn, payload[i:i + 1]) or not server.wait(delay):
                return

    return handler


def truncated(body: bytes, claimed: int) -> Handler:
    """Announce ``claimed`` bytes, send ``body`` (shorter), then close."""
    def handler(conn: socket.socket, server: FaultServer) -> None:
        server.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n" % claimed + body)

    return handler


def endless(chunk: bytes = b"X" * 65536, *, content_length: int | None = None,
            limit: int = 200 * 1024 * 1024) -> Handler:
    """Stream ``chunk`` over and over (up to ``limit`` bytes) until the client hangs up."""
    def handler(conn: socket.socket, server: FaultServer) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n"
        if content_length is not None:
            head += b"Content-Length: %d\r\n" % content_length
        if not server.send(conn, head + b"Connection: close\r\n\r\n"):
            return
        sent = 0
        while sent < limit and not server.stopping and server.send(conn, chunk):
            sent += len(chunk)

    return handler


def canned(body: bytes, headers: dict[str, str] | None = None, status: str = "200 OK") -> Handler:
    """Answer every request with exactly these bytes (no framework in between)."""
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def handler(conn: socket.socket, server: FaultServer) -> None:
        server.send(conn, head + body)

    return handler
