"""Fetch stage: the only module that touches the network.

Every fetch is bounded: a connect timeout, one deadline for the whole exchange (a watchdog
shuts the socket down when it passes, so a server dripping bytes cannot hold us), a size cap
counted on the *decompressed* body, at most 5 redirects that must stay on http(s). Failures
become ``FetchError`` with a German sentence for admins; secrets never reach messages or logs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import stat
import threading
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import __version__
from .config import Settings, SourceConfig
from .errors import FetchError
from .models import Fetched, NotModified, Validators

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_RETRY_CODES = (429, 500, 502, 503, 504)
_STATUS_TEXT = {
    401: "Anmeldung erforderlich oder Zugangsdaten falsch",
    403: "Zugriff verweigert",
    404: "Adresse nicht gefunden",
    410: "Quelle wurde dauerhaft entfernt",
    429: "zu viele Anfragen",
    500: "interner Fehler auf dem Server des Partners",
    502: "Gateway-Fehler vor dem Server des Partners",
    503: "Dienst vorübergehend nicht verfügbar",
    504: "Gateway-Zeitüberschreitung vor dem Server des Partners",
}
_active = threading.local()  # the watchdog of the fetch running on this thread


class _Watchdog:
    """Shuts down the socket of the running request once the deadline has passed."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sock: socket.socket | None = None
        self._armed = True
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _active.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._armed, self._sock = False, None
        _active.watchdog = None

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
        if self.expired:
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            if not self._armed:
                return
            self.expired = True
            if self._sock is not None:
                with contextlib.suppress(OSError):  # also wakes a blocked TLS read
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def _expired() -> bool:
    dog = getattr(_active, "watchdog", None)
    return bool(dog and dog.expired)


class _WatchedMixin:
    def getresponse(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib3 signature
        dog = getattr(_active, "watchdog", None)
        if dog is not None and self.sock is not None:
            dog.attach(self.sock)
        return super().getresponse(*args, **kwargs)


def _watched(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    conn = type("Watched" + pool.ConnectionCls.__name__, (_WatchedMixin, pool.ConnectionCls), {})
    return type("Watched" + pool.__name__, (pool,), {"ConnectionCls": conn})


_POOLS = {"http": _watched(HTTPConnectionPool), "https": _watched(HTTPSConnectionPool)}


class _Adapter(HTTPAdapter):
    """A requests adapter whose connections report their socket to the watchdog."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)


class _ConnectFailed(FetchError):
    """No response at all (refused, DNS, reset): worth a retry."""


class Fetcher:
    """Retrieves sources over one ``requests.Session``; see the module docstring for limits."""

    def __init__(self, settings: Settings, *, backoff: Sequence[float] = (0.5, 1.0),
                 max_retry_wait_s: float = 5.0):
        self.settings = settings
        self.backoff = tuple(backoff)  # one entry per retry
        self.max_retry_wait_s = max_retry_wait_s  # longer Retry-After: report, don't sleep
        self.session = requests.Session()
        self.session.mount("http://", _Adapter())
        self.session.mount("https://", _Adapter())
        self.session.headers.update({
            "User-Agent": f"syncsvc/{__version__} (+{settings.base_url})",
            "Accept-Encoding": "gzip",
        })

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, source: SourceConfig, validators: Validators, *,
              force: bool = False) -> Fetched | NotModified:
        try:
            if source.is_local:
                return self._fetch_file(source, validators, force)
            return self._fetch_http(source, validators, force)
        except FetchError as e:
            log.warning("source=%s fetch failed: %s", source.id, e.message)
            raise

    def _fetch_http(self, source: SourceConfig, validators: Validators,
                    force: bool) -> Fetched | NotModified:
        headers = {}
        if not force and validators.etag:
            headers["If-None-Match"] = validators.etag
        if not force and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        auth = _auth(source)
        deadline = time.monotonic() + self.settings.total_timeout_s
        with _Watchdog(self.settings.total_timeout_s):
            for attempt in range(len(self.backoff) + 1):
                try:
                    return self._attempt(source, headers, auth, deadline)
                except FetchError as e:
                    wait = self._retry_wait(e, attempt, deadline)
                    if wait is None:
                        raise
                    log.warning("source=%s attempt %d failed (%s), retrying in %s s",
                                source.id, attempt + 1, e.message, _num(wait))
                    time.sleep(wait)
        raise AssertionError("unreachable")  # the last attempt always returns or raises

    def _retry_wait(self, e: FetchError, attempt: int, deadline: float) -> float | None:
        if attempt >= len(self.backoff):
            return None
        if not isinstance(e, _ConnectFailed) and e.http_status not in _RETRY_CODES:
            return None
        wait = self.backoff[attempt]
        if e.retry_after is not None:
            if e.retry_after > self.max_retry_wait_s:
                return None
            wait = max(wait, e.retry_after)
        return wait if time.monotonic() + wait < deadline else None

    def _attempt(self, source: SourceConfig, headers: dict, auth: AuthBase | None,
                 deadline: float) -> Fetched | NotModified:
        url, seen = source.url, {source.url}
        for _hop in range(MAX_REDIRECTS + 1):
            resp = self._get(source, url, headers, auth, deadline)
            try:
                if resp.status_code not in _REDIRECT_CODES:
                    return self._response(source, resp, bool(headers), deadline)
                target = _redirect_target(source.id, url, resp, seen)
            finally:
                resp.close()
            if auth is not None and self.session.should_strip_auth(url, target):
                auth = None  # never send a partner's credentials to another host
            url = target
        raise FetchError(source.id, f"Zu viele Weiterleitungen (mehr als {MAX_REDIRECTS})")

    def _get(self, source: SourceConfig, url: str, headers: dict,
             auth: AuthBase | None, deadline: float) -> requests.Response:
        sid, remaining = source.id, deadline - time.monotonic()
        total = _num(self.settings.total_timeout_s)
        if remaining <= 0 or _expired():
            raise FetchError(sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)")
        connect = min(self.settings.connect_timeout_s, remaining)
        log.debug("source=%s GET %s", sid, _safe_url(url))
        try:
            return self.session.get(url, headers=headers, auth=auth, stream=True,
                                    allow_redirects=False, timeout=(connect, remaining))
        except requests.exceptions.ConnectTimeout as e:
            raise _ConnectFailed(
                sid, f"Server nicht erreichbar (keine Verbindung nach {_num(connect)} s)") from e
        except requests.exceptions.SSLError as e:
            raise FetchError(sid, "TLS-Fehler: Zertifikat oder Verschlüsselung ungültig") from e
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            if _expired() or isinstance(e, requests.exceptions.ReadTimeout):
                raise FetchError(
                    sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)") from e
            raise _ConnectFailed(sid, _connection_problem(e, url)) from e
        except requests.exceptions.RequestException as e:
            raise FetchError(sid, f"Anfrage fehlgeschlagen ({type(e).__name__})") from e

    def _response(self, source: SourceConfig, resp: requests.Response, conditional: bool,
                  deadline: float) -> Fetched | NotModified:
        sid, code = source.id, resp.status_code
        if code == 304 and conditional:
            log.info("source=%s not modified (HTTP 304)", sid)
            return NotModified()
        if code not in (200, 203):
            raise _status_error(sid, resp)
        body = self._read_body(sid, resp, deadline)
        if not body:
            raise FetchError(sid, f"leere Antwort (HTTP {code} ohne Inhalt)", http_status=code)
        log.info("source=%s fetched %d bytes (HTTP %d) from %s", sid, len(body), code,
                 _safe_url(resp.url))
        return Fetched(body=body, http_status=code, final_url=resp.url,
                       content_type=resp.headers.get("Content-Type", ""),
                       validators=Validators(etag=resp.headers.get("ETag", ""),
                                             last_modified=resp.headers.get("Last-Modified", "")))

    def _read_body(self, sid: str, resp: requests.Response, deadline: float) -> bytes:
        limit, total = self.settings.max_bytes, _num(self.settings.total_timeout_s)
        slow = f"Übertragung zu langsam – nach {total} s abgebrochen (Zeitlimit)"
        declared = _int(resp.headers.get("Content-Length"))
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        body = _Body(sid, encoding, limit)
        if encoding in ("", "identity") and declared is not None and declared > limit:
            raise FetchError(sid, _too_big(limit), http_status=resp.status_code)
        received = 0
        try:
            for chunk in resp.raw.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    raise FetchError(sid, _too_big(limit), http_status=resp.status_code)
                body.feed(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(sid, slow, http_status=resp.status_code)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if _expired():
                raise FetchError(sid, slow, http_status=resp.status_code) from e
            raise FetchError(sid, "Antwort unvollständig: Verbindung brach während der "
                             "Übertragung ab", http_status=resp.status_code) from e
        if _expired():
            raise FetchError(sid, slow, http_status=resp.status_code)
        if declared is not None and received < declared:
            raise FetchError(sid, f"Antwort unvollständig: {received} von {declared} Bytes "
                             "angekommen", http_status=resp.status_code)
        return body.finish()

    def _fetch_file(self, source: SourceConfig, validators: Validators,
                    force: bool) -> Fetched | NotModified:
        sid, path, limit = source.id, Path(source.url), self.settings.max_bytes
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):
                raise FetchError(sid, f"{path} ist keine Datei")
            if st.st_size > limit:
                raise FetchError(sid, _too_big(limit))
            stamp = _mtime(st.st_mtime_ns)
            if not force and validators.last_modified == stamp:
                log.info("source=%s file unchanged since %s", sid, stamp)
                return NotModified()
            body = path.read_bytes()
        except FileNotFoundError as e:
            raise FetchError(sid, f"Datei nicht gefunden: {path}") from e
        except OSError as e:
            raise FetchError(sid, f"Datei nicht lesbar: {path} ({e.strerror})") from e
        if not body:
            raise FetchError(sid, f"leere Datei: {path}")
        if len(body) > limit:
            raise FetchError(sid, _too_big(limit))
        log.info("source=%s read %d bytes from %s", sid, len(body), path)
        return Fetched(body=body, validators=Validators(last_modified=stamp),
                       final_url=path.as_uri())


class _Body:
    """Collects the body, inflating gzip/deflate incrementally; caps the *decoded* size."""

    def __init__(self, sid: str, encoding: str, limit: int):
        self.sid, self.limit, self.size, self.parts = sid, limit, 0, []
        if encoding in ("", "identity"):
            self.inflater = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self.inflater = zlib.decompressobj(wbits=47)  # 32+15: gzip or zlib header
        else:
            raise FetchError(sid, "Antwort in nicht unterstützter Kodierung (Content-Encoding)")

    def feed(self, data: bytes) -> None:
        if self.inflater is not None:
            if self.inflater.eof:
                return  # trailing bytes after the compressed stream are ignored
            try:  # never inflate more than one byte past the cap
                data = self.inflater.decompress(data, self.limit - self.size + 1)
            except zlib.error as e:
                raise FetchError(self.sid, "komprimierte Antwort ist beschädigt") from e
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(self.sid, _too_big(self.limit))
        self.parts.append(data)

    def finish(self) -> bytes:
        if self.inflater is not None and not self.inflater.eof and self.size:
            raise FetchError(self.sid, "Antwort unvollständig: komprimierte Daten brechen ab")
        return b"".join(self.parts)


class _Bearer(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def _auth(source: SourceConfig) -> AuthBase | None:
    """Credentials from the environment variables the config names (never from the config)."""
    if source.auth_env:
        user, sep, password = os.environ.get(source.auth_env, "").partition(":")
        if not sep or not user:
            raise FetchError(source.id, f"Zugangsdaten fehlen: Umgebungsvariable "
                             f"{source.auth_env} ist nicht als „benutzer:passwort“ gesetzt")
        return HTTPBasicAuth(user, password)
    if source.token_env:
        token = os.environ.get(source.token_env, "").strip()
        if not token:
            raise FetchError(source.id, f"Zugangsdaten fehlen: Umgebungsvariable "
                             f"{source.token_env} ist leer oder nicht gesetzt")
        return _Bearer(token)
    return None


def _redirect_target(sid: str, url: str, resp: requests.Response, seen: set[str]) -> str:
    location = resp.headers.get("Location", "").strip()
    if not location:
        raise FetchError(sid, f"HTTP {resp.status_code}: Weiterleitung ohne Zieladresse",
                         http_status=resp.status_code)
    target = urljoin(url, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme.isalnum() and len(scheme) <= 12 else "unbekannt"
        raise FetchError(sid, f"Weiterleitung auf eine nicht erlaubte Adresse ({shown}) "
                         "abgelehnt – nur http(s) ist erlaubt", http_status=resp.status_code)
    if target in seen:
        raise FetchError(sid, "Weiterleitungsschleife: der Server leitet im Kreis weiter",
                         http_status=resp.status_code)
    seen.add(target)
    return target


def _status_error(sid: str, resp: requests.Response) -> FetchError:
    code = resp.status_code
    text = _STATUS_TEXT.get(code) or (
        "Fehler auf dem Server des Partners" if code >= 500
        else "Anfrage vom Server abgelehnt" if code >= 400 else "unerwartete Antwort")
    retry_after = None
    if code in _RETRY_CODES:
        retry_after = _retry_after(resp.headers.get("Retry-After", ""))
    if retry_after is not None:
        text += f" (erneut versuchen in {_num(retry_after)} s)"
    return FetchError(sid, f"HTTP {code}: {text}", http_status=code, retry_after=retry_after,
                      gone=code == 410)


def _retry_after(value: str) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, round((when - datetime.now(UTC)).total_seconds()))


def _connection_problem(e: BaseException, url: str) -> str:
    causes, todo = [], [e]
    while todo:
        x = todo.pop()
        if isinstance(x, BaseException) and not any(x is c for c in causes):
            causes.append(x)
            todo += [x.__cause__, x.__context__, getattr(x, "reason", None), *x.args]
    kinds = tuple(type(c) for c in causes)
    if any(issubclass(k, (urllib3.exceptions.NameResolutionError, socket.gaierror))
           for k in kinds):
        return f"Servername „{urlsplit(url).hostname}“ nicht gefunden (DNS-Fehler)"
    if any(issubclass(k, ConnectionRefusedError) for k in kinds):
        return "Verbindung abgelehnt – auf dem Server läuft unter dieser Adresse kein Dienst"
    if any(issubclass(k, ConnectionResetError) for k in kinds):
        return "Verbindung vom Server abgebrochen"
    return f"Verbindungsfehler ({type(causes[-1]).__name__})"


def _mtime(ns: int) -> str:
    """A file's mtime as an exact, readable validator string (UTC, nanoseconds)."""
    whole = datetime.fromtimestamp(ns // 10**9, UTC)
    return f"{whole:%Y-%m-%dT%H:%M:%S}.{ns % 10**9:09d}Z"


def _too_big(limit: int) -> str:
    return f"Antwort größer als {_size(limit)} – abgebrochen"


def _size(n: int) -> str:
    for unit, factor in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{_num(n / factor)} {unit}"
    return f"{n} Bytes"


def _num(x: float) -> str:
    """10.0 → '10', 1.5 → '1,5' (German decimal comma)."""
    return f"{x:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _safe_url(url: str) -> str:
    """The URL without user info and query (either may carry a secret)."""
    p = urlsplit(url)
    port = f":{p.port}" if p.port else ""
    return f"{p.scheme}://{p.hostname}{port}{p.path}"
