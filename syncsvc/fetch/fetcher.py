"""Fetch stage: the only module that touches the network.

Every fetch is bounded: a connect timeout, one deadline for the whole exchange (a watchdog
shuts the socket down when it passes, so a server dripping bytes cannot hold us), a size cap
counted on the *decompressed* body, at most 5 redirects that must stay on http(s), a
proxy only when the config names one (never from the environment). Failures
become ``FetchError`` with a German sentence for admins; secrets never reach messages or logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import requests
import urllib3.exceptions
from requests.auth import AuthBase

from .. import __version__
from ..config import Settings, SourceConfig
from ..errors import FetchError
from ..logs import fields
from ..models import Fetched, NotModified, Validators
from . import limits
from .answers import RETRY_CODES, ca_bundle, credentials, redirect_target, status_error
from .local import fetch_file

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_REDIRECT_CODES = (301, 302, 303, 307, 308)


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
            self.session.mount(scheme, limits.GuardedAdapter(
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
                return fetch_file(source, validators, force, self.settings.max_bytes)
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
        auth = credentials(source)
        deadline = time.monotonic() + self.settings.total_timeout_s
        with limits.Watchdog(self.settings.total_timeout_s):
            for attempt in range(len(self.backoff) + 1):
                try:
                    return self._attempt(source, headers, auth, deadline)
                except FetchError as e:
                    wait = self._retry_wait(e, attempt, deadline)
                    if wait is None:
                        raise
                    log.warning("attempt %d failed (%s), retrying in %s s", attempt + 1, e.message,
                                limits.num(wait), extra=fields(source=source.id, stage="fetch"))
                    time.sleep(wait)
        raise AssertionError("unreachable")  # the last attempt always returns or raises

    def _retry_wait(self, e: FetchError, attempt: int, deadline: float) -> float | None:
        if attempt >= len(self.backoff):
            return None
        if not isinstance(e, _ConnectFailed) and e.http_status not in RETRY_CODES:
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
                target = redirect_target(source.id, url, resp, seen)
            finally:
                resp.close()
            if auth is not None and self.session.should_strip_auth(url, target):
                auth = None  # never send a partner's credentials to another host
            url = target
        raise FetchError(source.id, f"Zu viele Weiterleitungen (mehr als {MAX_REDIRECTS})")

    def _get(self, source: SourceConfig, url: str, headers: dict,
             auth: AuthBase | None, deadline: float) -> requests.Response:
        sid, remaining = source.id, deadline - time.monotonic()
        total = limits.num(self.settings.total_timeout_s)
        if remaining <= 0 or limits.expired():
            raise FetchError(sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)")
        connect = min(self.settings.connect_timeout_s, remaining)
        if not self.settings.allow_private_networks:
            limits.refuse_internal(sid, url)
        log.debug("GET %s", limits.safe_url(url), extra=fields(source=sid, stage="fetch"))
        try:
            return self.session.get(url, headers=headers, auth=auth, stream=True,
                                    allow_redirects=False, timeout=(connect, remaining),
                                    verify=ca_bundle())
        except limits.InternalAddress as e:
            raise FetchError(sid, limits.internal_message(e.host, e.ip)) from e
        except requests.exceptions.ConnectTimeout as e:
            msg = f"Server nicht erreichbar (keine Verbindung nach {limits.num(connect)} s)"
            raise _ConnectFailed(sid, msg) from e
        except requests.exceptions.SSLError as e:
            raise FetchError(sid, "TLS-Fehler: Zertifikat oder Verschlüsselung ungültig") from e
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            if limits.expired() or isinstance(e, requests.exceptions.ReadTimeout):
                raise FetchError(
                    sid, f"Server antwortet nicht (Zeitüberschreitung nach {total} s)") from e
            raise _ConnectFailed(sid, limits.connection_problem(e, url)) from e
        except requests.exceptions.RequestException as e:
            raise FetchError(sid, f"Anfrage fehlgeschlagen ({type(e).__name__})") from e

    def _response(self, source: SourceConfig, resp: requests.Response, conditional: bool,
                  deadline: float) -> Fetched | NotModified:
        sid, code = source.id, resp.status_code
        if code == 304 and conditional:
            log.info("not modified (HTTP 304)", extra=fields(source=sid, stage="fetch"))
            return NotModified()
        if code not in (200, 203):
            raise status_error(sid, resp)
        body = self._read_body(sid, resp, deadline)
        if not body:
            raise FetchError(sid, f"leere Antwort (HTTP {code} ohne Inhalt)", http_status=code)
        log.info("fetched %d bytes (HTTP %d) from %s", len(body), code,
                 limits.safe_url(resp.url), extra=fields(source=sid, stage="fetch"))
        return Fetched(body=body, http_status=code, final_url=resp.url,
                       content_type=resp.headers.get("Content-Type", ""),
                       validators=Validators(etag=resp.headers.get("ETag", ""),
                                             last_modified=resp.headers.get("Last-Modified", "")))

    def _read_body(self, sid: str, resp: requests.Response, deadline: float) -> bytes:
        limit, total = self.settings.max_bytes, limits.num(self.settings.total_timeout_s)
        slow = f"Übertragung zu langsam – nach {total} s abgebrochen (Zeitlimit)"
        declared = limits.to_int(resp.headers.get("Content-Length"))
        encoding = resp.headers.get("Content-Encoding", "").strip().lower()
        body = limits.CappedBody(sid, encoding, limit)
        if encoding in ("", "identity") and declared is not None and declared > limit:
            raise FetchError(sid, limits.too_big(limit), http_status=resp.status_code)
        received = 0
        try:
            for chunk in resp.raw.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    raise FetchError(sid, limits.too_big(limit), http_status=resp.status_code)
                body.feed(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(sid, slow, http_status=resp.status_code)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if limits.expired():
                raise FetchError(sid, slow, http_status=resp.status_code) from e
            raise FetchError(sid, "Antwort unvollständig: Verbindung brach während der "
                             "Übertragung ab", http_status=resp.status_code) from e
        if limits.expired():
            raise FetchError(sid, slow, http_status=resp.status_code)
        if declared is not None and received < declared:
            raise FetchError(sid, f"Antwort unvollständig: {received} von {declared} Bytes "
                             "angekommen", http_status=resp.status_code)
        return body.finish()
