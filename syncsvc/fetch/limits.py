"""Guards for the fetch stage: a deadline watchdog, a size-capped inflating body buffer,
and the small helpers that turn low-level failures into sentences for admins.

Only ``fetch.fetcher`` uses this module; it is split off to keep both files short.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import FetchError

_active = threading.local()  # the watchdog of the fetch running on this thread


class Watchdog:
    """Shuts down the socket of the running request once the deadline has passed."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sock: socket.socket | None = None
        self._armed = True
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
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


def expired() -> bool:
    dog = getattr(_active, "watchdog", None)
    return bool(dog and dog.expired)


class InternalAddress(Exception):  # noqa: N818 - a refusal, not a programming error
    """The connection went to a non-public address (raised past urllib3 and requests)."""

    def __init__(self, host: str, ip: str):
        super().__init__(host, ip)
        self.host, self.ip = host, ip


class _WatchedMixin:
    def getresponse(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib3 signature
        dog = getattr(_active, "watchdog", None)
        if dog is not None and self.sock is not None:
            dog.attach(self.sock)
        return super().getresponse(*args, **kwargs)


class _PublicPeerMixin:
    """Checks the address a new socket is actually connected to, before anything is sent.

    ``refuse_internal`` resolves the name on its own, so a partner's DNS could answer
    with a public address there and an internal one here (DNS rebinding); this check
    sees the real peer. Through a proxy the peer is the proxy, which resolves the name
    itself, so the check is left to ``refuse_internal``.
    """

    def _new_conn(self):  # noqa: ANN202 - urllib3 signature
        sock = super()._new_conn()
        if not self.proxy:
            ip = public_ip_or_none(sock.getpeername()[0])
            if ip is not None:
                sock.close()
                raise InternalAddress(self.host, ip)
        return sock


def _pool(pool: type[HTTPConnectionPool], *mixins: type) -> type[HTTPConnectionPool]:
    name = "Guarded" + pool.ConnectionCls.__name__
    conn = type(name, (*mixins, pool.ConnectionCls), {})
    return type("Guarded" + pool.__name__, (pool,), {"ConnectionCls": conn})


_POOLS = {
    public_only: {"http": _pool(HTTPConnectionPool, *mixins),
                  "https": _pool(HTTPSConnectionPool, *mixins)}
    for public_only, mixins in ((False, (_WatchedMixin,)),
                                (True, (_PublicPeerMixin, _WatchedMixin)))
}


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections report their socket to the watchdog and,
    with ``public_only``, refuse peers outside the public internet."""

    def __init__(self, *, public_only: bool, **kwargs) -> None:  # noqa: ANN003
        self.public_only = public_only
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS[self.public_only])


class CappedBody:
    """Collects the body, inflating gzip/deflate incrementally; caps the *decoded* size."""

    def __init__(self, sid: str, encoding: str, limit: int):
        self.sid, self.limit, self.size = sid, limit, 0
        self.parts: list[bytes] = []
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
            raise FetchError(self.sid, too_big(self.limit))
        self.parts.append(data)

    def finish(self) -> bytes:
        if self.inflater is not None and not self.inflater.eof and self.size:
            raise FetchError(self.sid, "Antwort unvollständig: komprimierte Daten brechen ab")
        return b"".join(self.parts)


def parse_retry_after(value: str) -> float | None:
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


def connection_problem(e: BaseException, url: str) -> str:
    causes: list[BaseException] = []
    todo: list[object] = [e]
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


def file_stamp(ns: int) -> str:
    """A file's mtime as an exact, readable validator string (UTC, nanoseconds)."""
    whole = datetime.fromtimestamp(ns // 10**9, UTC)
    return f"{whole:%Y-%m-%dT%H:%M:%S}.{ns % 10**9:09d}Z"


def too_big(limit: int) -> str:
    return f"Antwort größer als {human_size(limit)} – abgebrochen"


def human_size(n: int) -> str:
    for unit, factor in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{num(n / factor)} {unit}"
    return f"{n} Bytes"


def num(x: float) -> str:
    """10.0 → '10', 1.5 → '1,5' (German decimal comma)."""
    return f"{x:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def to_int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def safe_url(url: str) -> str:
    """The URL without user info and query (either may carry a secret)."""
    p = urlsplit(url)
    port = f":{p.port}" if p.port else ""
    return f"{p.scheme}://{p.hostname}{port}{p.path}"


def public_ip_or_none(address: str) -> str | None:
    """``None`` for a public address, else the address as text (for the message).

    IPv6 forms that carry an IPv4 address — mapped (``::ffff:10.0.0.1``), compatible
    (``::10.0.0.1``), NAT64 (``64:ff9b::/96``, ``64:ff9b:1::/48``) and 6to4 (``2002::/16``)
    — are also judged by that IPv4 address: a gateway translates them into it.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    if embedded is not None:
        return None if embedded.is_global else str(embedded)
    return None if ip.is_global else str(ip)


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in net for net in _NAT64):
        return low
    if int(ip) >> 32 == 0 and int(ip) > 0xFFFF:  # IPv4-compatible (not :: or ::1)
        return low
    return None


def internal_message(host: str, ip: str) -> str:
    return (f"Adresse {host} zeigt ins interne Netz ({ip}) – aus Sicherheitsgründen "
            "gesperrt. Liegt die Quelle wirklich im eigenen Netz: "
            "allow_private_networks = true im Abschnitt [service].")


def refuse_internal(sid: str, url: str) -> None:
    """Raise unless every address the URL's host resolves to is a public one.

    Checked before each request and each redirect hop, so the message names the host
    before any connection; the connection itself checks its peer again
    (``_PublicPeerMixin``). A name that does not resolve is left to the request itself,
    which reports it as a DNS failure.
    """
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        ip = public_ip_or_none(str(info[4][0]))  # the address; typeshed allows an int
        if ip is not None:
            raise FetchError(sid, internal_message(host, ip))
