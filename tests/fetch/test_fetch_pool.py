"""fetch.pool: every item fetched once; few threads for fast answers, many for slow ones.

Real threads and real sleeps stand in for the network (the HTTP side is covered by the
pipeline and bench tests); the counts are what the slow start promises.
"""

from __future__ import annotations

import threading
import time

import pytest

from syncsvc.fetch.pool import fetch_all


class Probe:
    """A fetch that takes ``seconds`` and records how many ran at the same time."""

    def __init__(self, seconds: float):
        self.seconds, self.now, self.peak, self.calls = seconds, 0, 0, []
        self._lock = threading.Lock()

    def __call__(self, item: str) -> str:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.calls.append(item)
        time.sleep(self.seconds)
        with self._lock:
            self.now -= 1
        return item.upper()


def test_every_item_is_fetched_once_and_matched_to_its_position():
    items = [f"quelle-{i:03d}" for i in range(300)]
    got = dict(fetch_all(Probe(0.0005), items, max_workers=32))
    assert sorted(got) == list(range(300))
    assert all(got[i] == items[i].upper() for i in range(300))


def test_fast_answers_keep_the_pool_small():
    probe = Probe(0.0005)  # a 304 from a nearby server
    list(fetch_all(probe, [str(i) for i in range(400)], max_workers=32, patience_s=0.5))
    assert len(probe.calls) == 400 and probe.peak <= 2


def test_slow_answers_widen_the_pool_to_its_maximum():
    probe = Probe(0.3)  # 300 ms per partner
    start = time.monotonic()
    list(fetch_all(probe, [str(i) for i in range(96)], max_workers=16))
    elapsed = time.monotonic() - start
    assert probe.peak == 16
    assert elapsed < 96 * 0.3 / 8  # serial would take 28.8 s; 16 wide about 2 s


def test_an_exception_from_fetch_surfaces_after_the_running_fetches():
    def fetch(item: str) -> str:
        if item == "kaputt":
            raise ValueError(item)
        return item

    with pytest.raises(ValueError, match="kaputt"):
        list(fetch_all(fetch, ["a", "kaputt", "b"], max_workers=4))


def test_no_items_no_fetches():
    assert list(fetch_all(Probe(0), [], max_workers=4)) == []


def test_moderate_waits_also_widen_the_pool():
    # 40 ms per fetch (a distant server, or a delayed ACK): fetches keep finishing, but
    # each spent its time waiting, so two at a time would leave the pass idle
    probe = Probe(0.04)
    list(fetch_all(probe, [str(i) for i in range(64)], max_workers=16))
    assert probe.peak == 16
