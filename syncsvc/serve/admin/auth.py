"""Failed admin logins per client address, so a weak admin token cannot be guessed quickly.

After ``limit`` wrong tokens (login form or ``Authorization`` header) within ``window_s``
an address gets 429 for every further attempt, right or wrong, until its oldest failure
in the window has aged out. A correct login clears the address's record. Behind a reverse
proxy every client shares the proxy's address: the limit then caps guessing for everyone,
which is the point, at the price that the admin may have to wait a few minutes as well.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 10
WINDOW_S = 300.0
_MAX_CLIENTS = 10_000  # addresses remembered at most (an attack from many addresses)


class Throttle:
    def __init__(self, limit: int = LIMIT, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Whole seconds until ``client`` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            recent = self._prune(client, now) if client in self._failures else deque()
            if len(recent) < self.limit:
                return 0
            return max(1, math.ceil(recent[0] + self.window_s - now))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._prune(client, now).append(now)
            if len(self._failures) > _MAX_CLIENTS:
                self._forget_idle(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _prune(self, client: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(client, deque())
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        return recent

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, d in self._failures.items()
                       if not d or d[-1] <= now - self.window_s]:
            del self._failures[client]
