"""A local partner server for the benchmark: 127.0.0.1 only, threaded, keep-alive.

Serves in-memory bodies by path with a strong ETag (and Last-Modified); answers
``If-None-Match`` with 304. ``latency_s`` is slept before every response (200 and 304
alike), as a slow partner would. Counts 200s and 304s so the harness can check what
a sync actually did on the wire.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {"ics": "text/calendar; charset=utf-8", "rss": "application/rss+xml; charset=utf-8"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 32 fetch workers connect at once; never drop SYNs


class FeedServer:
    """``with FeedServer() as srv: srv.put("/a.ics", body); srv.url("/a.ics")``."""

    def __init__(self, latency_s: float = 0.0):
        self.latency_s = latency_s
        self.counts: Counter[int] = Counter()
        self._bodies: dict[str, tuple[bytes, str, str]] = {}
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="bench-feeds", daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: bytes) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        with self._lock:
            self._bodies[path] = (body, etag, formatdate(time.time(), usegmt=True))

    def get(self, path: str) -> tuple[bytes, str, str] | None:
        with self._lock:
            return self._bodies.get(path)

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()

    def count(self, status: int) -> None:
        with self._lock:
            self.counts[status] += 1


def _handler(owner: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if owner.latency_s:
                time.sleep(owner.latency_s)
            found = owner.get(self.path)
            if found is None:
                self._reply(404, b"not found", {"Content-Type": "text/plain"})
                return
            body, etag, modified = found
            headers = {"ETag": etag, "Last-Modified": modified}
            inm = self.headers.get("If-None-Match", "")
            if etag in {t.strip() for t in inm.split(",")}:
                self._reply(304, b"", headers)
                return
            headers["Content-Type"] = TYPES[self.path.rsplit(".", 1)[-1]]
            self._reply(200, body, headers)

        def _reply(self, code: int, body: bytes, headers: dict[str, str]) -> None:
            owner.count(code)
            self.send_response(code)
            for key, value in headers.items():
                self.send_header(key, value)
            if code != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if code != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: thousands of requests per run

    return Handler
