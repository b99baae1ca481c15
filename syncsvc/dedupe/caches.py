"""Dedupe's memo caches, released when a run ends.

Titles, places and pairs repeat across a network, so dedupe memoizes its per-value
work (normalized titles, concepts, evidence, pair similarities). Those caches are worth
keeping only for the run that fills them: the evidence cache is keyed by the run's
vocabulary (a new object each run), so its entries never hit again, and at 100,000
events the caches held about 310 MB after dedupe returned, through publish (the peak of
a cold pass) and on in the daemon. ``run_cache`` is ``functools.lru_cache`` that
registers the function; ``release`` clears them all at the end of a run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])
_CACHES: list[Any] = []


def run_cache(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)``, cleared by ``release``."""

    def wrap(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _CACHES.append(cached)
        return cast(F, cached)

    return wrap


def release() -> None:
    """Empty every run cache (the next run fills them again)."""
    for cached in _CACHES:
        cached.cache_clear()


def cached_entries() -> int:
    """How many values the run caches hold now."""
    return sum(c.cache_info().currsize for c in _CACHES)
