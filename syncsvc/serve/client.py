"""Which client a request comes from, also behind a reverse proxy (``trusted_proxies``).

Behind Caddy every request arrived from the proxy's address, so the admin lockout (10
wrong tokens) locked the real admin out together with the attacker, and the submission
limit counted all residents as one. ``X-Forwarded-For`` names the real client, but anyone
can send that header: it is read only when the direct peer is a configured trusted proxy,
and then from the right (the entry the proxy itself appended) past further trusted
proxies, so a client cannot choose its own address by writing one in front.

``trusted_proxies`` holds addresses, networks (``"172.16.0.0/12"``) or host names such as
the compose service ``"proxy"``; a name is looked up (without search domains) at most once
a minute, and a name that does not resolve trusts nobody. ``make_app`` strips every
forwarding header after this, so nothing further down can trust one by mistake.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence

from ..logs import fields

log = logging.getLogger(__name__)

KEY = "syncsvc.client"  # the environ key make_app sets
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO",
                 "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_BY", "HTTP_FORWARDED",
                 "HTTP_X_REAL_IP")
RESOLVE_EVERY_S = 60.0
_MAX_HOPS = 20

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_of(environ: dict) -> str:
    """The client address make_app determined; the direct peer where it did not run."""
    return environ.get(KEY) or environ.get("REMOTE_ADDR") or "?"


class ClientAddress:
    def __init__(self, trusted: Sequence[str],
                 resolve: Callable[[str], list[str]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.networks: list[Network] = []
        self.names: list[str] = []
        for entry in trusted:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.append(entry)
        self.resolve = resolve or _resolve
        self.clock = clock
        self._resolved: tuple[float, list[Network]] | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict) -> str:
        peer = environ.get("REMOTE_ADDR") or "?"
        if not (self.networks or self.names) or not self.trusted(peer):
            return peer
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h][-_MAX_HOPS:]
        client = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:  # not written by a proxy we trust: stop at the last good
                break
            client = str(address)
            if not self.trusted(client):
                break
        return client

    def trusted(self, address: str) -> bool:
        ip = _address(address)
        if ip is None:
            return False
        return any(ip in net for net in self.networks + self._names())

    def _names(self) -> list[Network]:
        if not self.names:
            return []
        with self._lock:
            now = self.clock()
            if self._resolved is None or now - self._resolved[0] >= RESOLVE_EVERY_S:
                found: list[Network] = []
                for name in self.names:
                    found += [ipaddress.ip_network(a) for a in self.resolve(name)]
                self._resolved = (now, found)
            return self._resolved[1]


def _address(text: str) -> Address | None:
    """An address as X-Forwarded-For writes it: bare, "[v6]", "[v6]:port" or "v4:port"."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _resolve(name: str) -> list[str]:
    """The addresses of ``name``, looked up as an absolute name: a search domain from
    resolv.conf would otherwise turn "proxy" into some other network's proxy host."""
    absolute = name if name.endswith(".") else name + "."
    try:
        infos = socket.getaddrinfo(absolute, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        log.debug("trusted proxy %s not resolved: %s", name, e, extra=fields(source="*"))
        return []
    return sorted({str(info[4][0]).partition("%")[0] for info in infos})
