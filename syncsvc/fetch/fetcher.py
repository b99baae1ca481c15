"""Fetch stage: the only module that touches the network.

Every fetch is bounded: a connect timeout, one deadline for the whole exchange (a watchdog
shuts the socket down when it passes, so a server dripping bytes cannot hold us), a size cap
counted on the *decompressed* body, at most 5 redirects that must stay on http(s), a
proxy only when the config names one (never from the environment). Failures
become ``FetchError`` with a German sentence for admins; secrets never reach messages or logs.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.auth import AuthBase, HTTPBasicAuth

from .. import __version__
from ..config import Settings, SourceConfig
from ..errors import FetchError
from ..logs import fields
from ..models import Fetched, NotModified, Validators
from . import limits as guard

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


class _ConnectFailed(FetchError):
    """No response at all (refused, DNS, reset): worth a retry."""

POOL_SIZE = 32


class Fetcher:
    """Retrieves sources over one ``requests.Session``; see the module docstring for limits."""

    def __init__(self, settings: Settings, *, backoff: Sequence[float] = (0.5, 1.0),
                 max_retry_wait_s: float = 5.0):
        self.settings = settings
        self.backoff = tuple(backoff)  # one entry per retry
        self.max_retry_wait_s = max_retry_wait_s  # longer Retry-After: report, don't sleep
        self.session = requests.Session()
        # proxies only from the config: HTTP_PROXY in the environment silently routed
        # every fetch through it, where the connected-peer check cannot see the target
        # (nor .netrc credentials); a CA bundle named there is still honoured (_verify)
        self.session.trust_env = False
        if settings.proxy:
            self.session.proxies = {"http": settings.proxy, "https": settings.proxy}
        # one pooled connection per fetch worker (pipeline.FETCH_WORKERS), else urllib3
        # discards connections ("pool is full") and reconnects
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, guard.GuardedAdapter(
                public_only=not settings.allow_private_networks, pool_maxsize=POOL_SIZE))
        self.session.headers.update({
            "User-Agent": f"syncsvc/{__version__} (+{settings.base_url})",
            "Accept-Encoding": "gzip",
        })

    def close(self) -> None:
        self.session.close()

    def fetch(self, source: SourceConfig, validators: Validators, *,
              force: bool = False) -> Fetched | NotModified:
        try:
            if source.is_local:
                return self._fetch_file(source, validators, force)
            return self._fetch_http(source, validators, force)
        except FetchError as e:
            log.warning("fetch failed: %s", e.message,
                        extra=fields(source=source.id, stage="fetch"))
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
        with guard.Watchdog(self.settings.total_timeout_s):
            for attempt in range(len(self.backoff) + 1):
                try:
                    return self._attempt(source, headers, auth, deadline)
                except FetchError as e:
                    wait = self._retry_wait(e, attempt, deadline)
                    if wait is None:
                        raise
                    log.warning("attempt %d failed (%s), retrying in %s s", attempt + 1, e.message,
                                guard.num(wait), extra=fields(source=source.id, stage="fetch"))
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
        total = guard.num(self.settings.total_timeout_s)
        if remaining <= 0 or guard.expired():
            raise FetchError(sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)")
        connect = min(self.settings.connect_timeout_s, remaining)
        if not self.settings.allow_private_networks:
            guard.refuse_internal(sid, url)
        log.debug("GET %s", guard.safe_url(url), extra=fields(source=sid, stage="fetch"))
        try:
            return self.session.get(url, headers=headers, auth=auth, stream=True,
                                    allow_redirects=False, timeout=(connect, remaining),
                                    verify=_verify())
        except guard.InternalAddress as e:
            raise FetchError(sid, guard.internal_message(e.host, e.ip)) from e
        except requests.exceptions.ConnectTimeout as e:
            msg = f"Server nicht erreichbar (keine Verbindung nach {guard.num(connect)} s)"
            raise _ConnectFailed(sid, msg) from e
        except requests.exceptions.SSLError as e:
            raise FetchError(sid, "TLS-Fehler: Zertifikat oder Verschlüsselung ungültig") from e
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            if guard.expired() or isinstance(e, requests.exceptions.ReadTimeout):
                raise FetchError(
                    sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)") from e
            raise _ConnectFailed(sid, guard.connection_problem(e, url)) from e
        except requests.exceptions.RequestException as e:
            raise FetchError(sid, f"Anfrage fehlgeschlagen ({type(e).__name__})") from e

    def _response(self, source: SourceConfig, resp: requests.Response, conditional: bool,
                  deadline: float) -> Fetched | NotModified:
        sid, code = source.id, resp.status_code
        if code == 304 and conditional:
            log.info("not modified (HTTP 304)", extra=fields(source=sid, stage="fetch"))
            return NotModified()
        if code not in (200, 203):
            raise _status_error(sid, resp)
        body = self._read_body(sid, resp, deadline)
        if not body:
            raise FetchError(sid, f"leere Antwort (HTTP {code} ohne Inhalt)", http_status=code)
        log.info("fetched %d bytes (HTTP %d) from %s", len(body), code,
                 guard.safe_url(resp.url), extra=fields(source=sid, stage="fetch"))
        return Fetched(body=body, http_status=code, final_url=resp.url,
                       content_type=resp.headers.get("Content-Type", ""),
                       validators=Validators(etag=resp.headers.get("ETag", ""),
                                             last_modified=resp.headers.get("Last-Modified", "")))

    def _read_body(self, sid: str, resp: requests.Response, deadline: float) -> bytes:
        limit, total = self.settings.max_bytes, guard.num(self.settings.total_timeout_s)
        slow = f"Übertragung zu langsam – nach {total} s abgebrochen (Zeitlimit)"
        declared = guard.to_int(resp.headers.get("Content-Length"))
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        body = guard.CappedBody(sid, encoding, limit)
        if encoding in ("", "identity") and declared is not None and declared > limit:
            raise FetchError(sid, guard.too_big(limit), http_status=resp.status_code)
        received = 0
        try:
            for chunk in resp.raw.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    raise FetchError(sid, guard.too_big(limit), http_status=resp.status_code)
                body.feed(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(sid, slow, http_status=resp.status_code)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if guard.expired():
                raise FetchError(sid, slow, http_status=resp.status_code) from e
            raise FetchError(sid, "Antwort unvollständig: Verbindung brach während der "
                             "Übertragung ab", http_status=resp.status_code) from e
        if guard.expired():
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
                raise FetchError(sid, guard.too_big(limit))
            stamp = guard.file_stamp(st.st_mtime_ns)
            if not force and validators.last_modified == stamp:
                log.info("file unchanged since %s", stamp, extra=fields(source=sid, stage="fetch"))
                return NotModified()
            body = path.read_bytes()
        except FileNotFoundError as e:
            raise FetchError(sid, f"Datei nicht gefunden: {path}") from e
        except OSError as e:
            raise FetchError(sid, f"Datei nicht lesbar: {path} ({e.strerror})") from e
        if not body:
            raise FetchError(sid, f"leere Datei: {path}")
        if len(body) > limit:
            raise FetchError(sid, guard.too_big(limit))
        log.info("read %d bytes from %s", len(body), path, extra=fields(source=sid, stage="fetch"))
        return Fetched(body=body, validators=Validators(last_modified=stamp),
                       final_url=path.as_uri())


class _Bearer(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def _verify() -> str | bool:
    """The CA bundle the environment names (as requests would with trust_env), else True."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


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
        retry_after = guard.parse_retry_after(resp.headers.get("Retry-After", ""))
    if retry_after is not None:
        text += f" (erneut versuchen in {guard.num(retry_after)} s)"
    return FetchError(sid, f"HTTP {code}: {text}", http_status=code, retry_after=retry_after,
                      gone=code == 410)


