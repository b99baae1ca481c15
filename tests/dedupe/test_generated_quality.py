"""bench.generated_quality runs and scores: copies are found, planted look-alikes are not."""

from __future__ import annotations

from bench.generated_quality import run


def test_small_generated_network_is_scored():
    r = run(partners=8, per_source=40, seed=3)
    assert r["scores"]["true_pairs"] > 0 and r["events"] >= 8 * 40
    assert r["scores"]["precision"] >= 0.95 and r["scores"]["recall"] >= 0.9, r["scores"]
    assert sum(n for _, n in r["lookalikes_merged"].values()) > 0  # negatives were planted
