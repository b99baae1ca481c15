"""Server-side admin sessions: what the ``/admin`` login cookie stands for.

The cookie used to be an HMAC of the admin token: the same value for every login, valid
for as long as the token stayed the same, and a logout only asked the browser to forget
it (a copied cookie kept working). Now a login creates a random session id
(``secrets.token_urlsafe``); the server remembers it with its start and last use and
refuses it after ``ABSOLUTE_S`` (8 h) in any case, after ``IDLE_S`` without a request,
after a logout, and once the admin token in the config changed (every session is bound
to a fingerprint of the token it was opened with).

Sessions live in this process's memory. That is enough for the one daemon the lock file
allows per database; a restart logs every admin out (they log in again). Several server
processes behind a load balancer would need a shared store, which this service does not
run. Times come from ``time.monotonic``: a wall-clock step neither extends nor ends a
session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

ABSOLUTE_S = 8 * 3600.0  # a session ends 8 h after the login, used or not
IDLE_S = 3600.0  # … or after an hour without a request
MAX_SESSIONS = 1000  # logins remembered at most; the oldest goes first


@dataclass
class _Session:
    token_mark: str  # fingerprint of the admin token the session was opened with
    started: float
    seen: float


def token_mark(token: str) -> str:
    """A fingerprint of the admin token (the token itself is never stored here)."""
    return hashlib.sha256(b"syncsvc admin token\x1f" + token.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, absolute_s: float = ABSOLUTE_S, idle_s: float = IDLE_S,
                 clock: Callable[[], float] = time.monotonic,
                 limit: int = MAX_SESSIONS) -> None:
        self.absolute_s, self.idle_s, self.clock, self.limit = absolute_s, idle_s, clock, limit
        self._by_key: dict[str, _Session] = {}  # sha256 of the session id → session
        self._lock = threading.Lock()

    def open(self, token: str) -> str:
        """A new session for a login with ``token``; returns the id for the cookie."""
        sid = secrets.token_urlsafe(32)
        now, mark = self.clock(), token_mark(token)
        with self._lock:
            self._prune(now)
            self._drop_other_tokens(mark)
            while len(self._by_key) >= self.limit:
                oldest = min(self._by_key, key=lambda k: self._by_key[k].started)
                del self._by_key[oldest]
            self._by_key[_key(sid)] = _Session(mark, now, now)
        return sid

    def valid(self, sid: str, token: str) -> bool:
        """True when ``sid`` names a live session opened with ``token``; marks it used.
        A session of another (an earlier) token is ended, and with it every other one."""
        if not sid or not token:
            return False
        now, mark = self.clock(), token_mark(token)
        with self._lock:
            session = self._by_key.get(_key(sid))
            if session is None:
                return False
            if not hmac.compare_digest(session.token_mark, mark):
                self._drop_other_tokens(mark)
                return False
            if self._expired(session, now):
                del self._by_key[_key(sid)]
                return False
            session.seen = now
            return True

    def close(self, sid: str) -> None:
        """Logout: the id is refused from now on, wherever a copy of the cookie is."""
        with self._lock:
            self._by_key.pop(_key(sid), None)

    def __len__(self) -> int:
        with self._lock:
            self._prune(self.clock())
            return len(self._by_key)

    def _expired(self, session: _Session, now: float) -> bool:
        return now - session.started >= self.absolute_s or now - session.seen >= self.idle_s

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._by_key.items() if self._expired(s, now)]:
            del self._by_key[key]

    def _drop_other_tokens(self, mark: str) -> None:
        for key in [k for k, s in self._by_key.items() if s.token_mark != mark]:
            del self._by_key[key]


def _key(sid: str) -> str:
    # the table holds hashes, not the ids a browser sends (nothing to read out of memory)
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()
