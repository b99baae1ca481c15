"""The serve stage: a WSGI app for the published outputs, run by waitress.

Routes: ``/`` (German index of every view), ``/embed.js`` (the partner widget), the files in
``output_dir`` (only known output types), ``/healthz``, ``/status``, ``/metrics``,
``/termin-melden`` (the submission form, when given) and, when an admin callable is given,
``/admin*``. Everything else is 404 — no listings, no traversal.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path

from ..config import Settings
from ..logs import fields
from .client import KEY as CLIENT
from .client import PROXY_HEADERS, ClientAddress
from .index import CSP, render_index
from .language import start_language
from .server import bound_hosts, serve, stop

__all__ = ["bound_hosts", "make_app", "serve", "stop"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",  # the pages under /termine/ (publish.pages)
}
FEED_JSON = "application/feed+json; charset=utf-8"
JS_TYPE = "application/javascript; charset=utf-8"
_SEGMENT = re.compile(r"^[\w-][\w.-]*$")  # no leading dot, no "..", no separators, no "%"
_MAX_DEPTH = 4  # /<lang>/termine/e/<file>
_GZIP_MIN = 200  # smaller bodies are not worth compressing

Environ = dict
StartResponse = Callable[..., object]
Response = tuple[int, list[tuple[str, str]], bytes]


@dataclass
class _Entry:
    key: tuple[int, int]  # (mtime_ns, size)
    body: bytes
    etag: str
    mtime: float
    gz: bytes | None = None


class FileCache:
    """Bodies, ETags and gzip variants of served files, keyed by (path, mtime_ns, size)."""

    def __init__(self) -> None:
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> _Entry | None:
        try:
            st = path.stat()
        except OSError:
            with self._lock:
                self._entries.pop(path, None)
            return None
        with self._lock:
            entry = self._entries.get(path)
        if entry and entry.key == (st.st_mtime_ns, st.st_size):
            return entry
        return self._load(path)

    def _load(self, path: Path) -> _Entry | None:
        try:
            with path.open("rb") as fh:  # key from fstat: body and key always match
                st = os.fstat(fh.fileno())
                body = fh.read()
        except OSError:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        entry = _Entry((st.st_mtime_ns, st.st_size), body, etag, st.st_mtime)
        with self._lock:
            self._entries[path] = entry
        return entry

    def gzipped(self, entry: _Entry) -> bytes:
        if entry.gz is None:
            entry.gz = gzip.compress(entry.body, compresslevel=6, mtime=0)
        return entry.gz


def make_app(
    settings: Settings,
    *,
    status: Callable[[], dict] | None = None,
    metrics: Callable[[], str] | None = None,
    healthy: Callable[[], bool] | None = None,
    admin: Callable[[Environ], Response] | None = None,
    submit: Callable[[Environ], Response] | None = None,
) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """Build the WSGI app serving ``settings.output_dir`` plus the service endpoints."""
    root = Path(settings.output_dir).resolve()
    cache = FileCache()
    max_age = f"public, max-age={int(settings.interval_s)}"
    client = ClientAddress(settings.trusted_proxies)

    def route(environ: Environ) -> Response:
        path = wsgi_path(environ)
        environ[CLIENT] = client(environ)  # X-Forwarded-For only from a trusted proxy
        for header in PROXY_HEADERS:  # and then never again, by anything further down
            environ.pop(header, None)
        method = environ.get("REQUEST_METHOD", "GET")
        if admin is not None and (path == "/admin" or path.startswith("/admin/")):
            return admin(environ)
        if submit is not None and path in ("/termin-melden", "/termin-melden/so-gehts"):
            # the form (syncsvc.submit) and its guide for partners
            return submit(environ)
        if method not in ("GET", "HEAD"):
            return _text(405, "Methode nicht erlaubt", [("Allow", "GET, HEAD")])
        if path == "/":
            lang = start_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""), settings.languages)
            if lang != settings.languages[0]:
                return 302, [("Location", f"/{lang}/"), ("Vary", "Accept-Language"),
                             ("Cache-Control", "no-cache")], b""
            return _index(settings, root)
        first = path.split("/")[1] if path.startswith("/") else ""
        if first in settings.languages and path == f"/{first}/":  # the stable start pages
            return _index(settings, root, first)
        if path == "/healthz":
            ok = healthy() if healthy is not None else True
            return _text(200 if ok else 503, "ok" if ok else "unhealthy")
        if path == "/status" and status is not None:
            doc = json.dumps(status(), ensure_ascii=False, indent=1, default=str)
            return 200, [("Content-Type", TYPES[".json"]), ("Cache-Control", "no-store")], \
                doc.encode("utf-8")
        if path == "/metrics" and metrics is not None:
            return 200, [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                         ("Cache-Control", "no-store")], metrics().encode("utf-8")
        if path == "/embed.js":
            return _file(cache, STATIC_DIR / "embed.js", JS_TYPE, environ, max_age)
        if path in ("/termine", f"/{first}/termine") and (path == "/termine"
                                                          or first in settings.languages):
            return 301, [("Location", path + "/"), ("Cache-Control", max_age)], b""
        target = resolve_output(root, path + "index.html" if path.endswith("/termine/")
                                else path)
        if target is None:
            return _text(404, "Nicht gefunden")
        ctype = FEED_JSON if target.name == "feed.json" else TYPES[target.suffix]
        code, headers, body = _file(cache, target, ctype, environ, max_age)
        return code, headers + (_HTML_HEADERS if target.suffix == ".html" else []), body

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            code, headers, body = route(environ)
        except Exception:
            log.exception("request %s failed", environ.get("PATH_INFO"), extra=fields(source="*"))
            code, headers, body = _text(500, "Interner Fehler")
        if not any(k.lower() == "x-content-type-options" for k, _ in headers):
            headers = [*headers, ("X-Content-Type-Options", "nosniff")]
        if code != 304 and not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{code} {HTTPStatus(code).phrase}", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" or code == 304 else [body]

    return app


def wsgi_path(environ: Environ) -> str:
    """PATH_INFO is bytes decoded as latin-1 (PEP 3333); file names are UTF-8."""
    raw = environ.get("PATH_INFO") or "/"
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return "\x00"  # undecodable: never matches a file (resolve_output rejects NUL)


def resolve_output(root: Path, path: str) -> Path | None:
    """Map a request path to a served file inside ``root``, or None (→ 404)."""
    if "\\" in path or "\x00" in path or not path.startswith("/"):
        return None
    parts = path[1:].split("/")
    if len(parts) > _MAX_DEPTH or not all(_SEGMENT.match(p) for p in parts):
        return None
    if Path(parts[-1]).suffix not in TYPES:
        return None
    try:
        target = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


def _file(cache: FileCache, path: Path, ctype: str, environ: Environ, max_age: str) -> Response:
    entry = cache.get(path)
    if entry is None:
        return _text(404, "Nicht gefunden")
    use_gz = len(entry.body) >= _GZIP_MIN and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
    etag = entry.etag[:-1] + '-gz"' if use_gz else entry.etag
    headers = [("ETag", etag), ("Last-Modified", formatdate(entry.mtime, usegmt=True)),
               ("Cache-Control", max_age), ("Access-Control-Allow-Origin", "*"),
               ("Vary", "Accept-Encoding")]
    if _not_modified(environ, (entry.etag, entry.etag[:-1] + '-gz"'), entry.mtime):
        return 304, headers, b""
    body = cache.gzipped(entry) if use_gz else entry.body
    if use_gz:
        headers.append(("Content-Encoding", "gzip"))
    return 200, [("Content-Type", ctype), *headers], body


def accepts_gzip(header: str) -> bool:
    """True when Accept-Encoding lists gzip (or *) with a non-zero q value."""
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _not_modified(environ: Environ, etags: tuple[str, str], mtime: float) -> bool:
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or bool(tags & set(etags))
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not ims:
        return False
    try:
        since = parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError, IndexError):
        return False
    return int(mtime) <= since


def _text(code: int, text: str, extra: list[tuple[str, str]] | None = None) -> Response:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
    return code, headers + (extra or []), (text + "\n").encode("utf-8")


_HTML_HEADERS = [("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"),
                 ("X-Frame-Options", "DENY")]


def _index(settings: Settings, root: Path, lang: str = "de") -> Response:
    body = render_index(settings, root, lang=lang).encode("utf-8")
    vary = [("Vary", "Accept-Language")] if len(settings.languages) > 1 else []
    return 200, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache"),
                 ("Content-Language", lang), *vary, *_HTML_HEADERS], body
