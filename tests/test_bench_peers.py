"""The side-by-side bench (``bench.peers``) runs its peers on the same bytes (no timings).

At 3 partners × 6 events: the bare parse, mergecal, Open Web Calendar (a real gunicorn
process on 127.0.0.1) and syncsvc all see the same sources on the wire, and the two
UID-only mergers return every VEVENT that was served. Skips when the peers'
environment (``.venv-peers`` with ``pip install -e '.[bench]'``) is not there; the
reporting of a missing peer is checked without it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench import peers  # noqa: E402
from bench.report import targets  # noqa: E402

pytestmark = pytest.mark.timeout(240)
EXTRA = "bench extra not installed (.venv-peers, see bench/README.md)"


def test_peers_see_the_same_sources_and_return_every_vevent(tmp_path):
    why = peers.missing("mergecal") or peers.missing("open-web-calendar")
    if why:
        pytest.skip(f"{EXTRA}: {why}")
    p = peers.compare(3, 6, tmp_path, seed=5, timeout_s=120)
    runs = p["contenders"]
    errors = {k: r["error"] for k, r in runs.items() if "error" in r}
    assert not errors, errors
    served = p["events"]
    assert served == 3 * 6 + p["copies"] + p["lookalikes"]
    assert runs["baseline"]["events_out"] == served
    # UID-only dedupe: every cross-post has its own UID, so nothing is merged away
    for key in ("mergecal", "owc_first", "owc_repeat"):
        assert runs[key]["events_out"] == served, key
    assert runs["mergecal"]["http"] == {"200": 3}
    assert runs["owc_first"]["http"] == {"200": 3}
    assert runs["owc_repeat"]["http"] == {}, "the repeat is answered by OWC's requests-cache"
    assert runs["owc_first"]["cpu_s"] > 0, "the server's process tree CPU was not read"
    assert runs["syncsvc_cold"]["http"] == {"200": 3}
    assert runs["syncsvc_warm"]["http"] == {"304": 3}
    assert runs["syncsvc_warm"]["files_changed"] == 0
    assert 0 < runs["syncsvc_cold"]["events_out"] <= served
    assert 0 < p["quality"]["precision"] <= 1
    assert runs["syncsvc_cold"]["vs_mergecal"] > 0 and "vs_cold" in runs["syncsvc_warm"]
    for key in ("mergecal", "syncsvc_cold", "syncsvc_warm"):  # three rounds, the median
        each = runs[key]["cpu_s_runs"]
        assert len(each) == 3 and runs[key]["cpu_s"] == sorted(each)[1], key
    md = peers.table(p)
    assert all(label in md for _, label in peers.ROWS)
    assert "the median of 3 rounds, alternated" in md
    names = {t["target"] for t in targets({"peers": p, "scales": [], "params": {}})}
    assert "syncsvc cold CPU / mergecal CPU, same sources" in names


def test_a_missing_peer_is_reported_with_the_reason(monkeypatch):
    monkeypatch.setitem(peers.PEER_MODULES, "mergecal", ("no_such_module_for_the_bench",))
    why = peers.missing("mergecal")
    assert why is not None and "no_such_module_for_the_bench" in why and "[bench]" in why
    p = {"partners": 1, "per_source": 1, "events": 1, "copies": 0, "lookalikes": 0,
         "distinct_events": 1, "bytes": 10,
         "contenders": {"baseline": {"cpu_s": 0.1, "wall_s": 0.1, "events_out": 1},
                        "mergecal": {"error": why}}}
    peers._ratios(p["contenders"])
    assert f"not measured: {why}" in peers.table(p)


def test_each_contender_reports_its_median_round_and_every_round():
    rounds = [{"cpu_s": 3.0, "http": {"200": 3}}, {"cpu_s": 1.0, "http": {"200": 3}},
              {"cpu_s": 2.0, "http": {"200": 3}}]
    assert peers._median(rounds) == {"cpu_s": 2.0, "http": {"200": 3},
                                     "cpu_s_runs": [3.0, 1.0, 2.0]}
    assert peers._median(rounds[:2])["cpu_s"] == 1.0  # even: the lower of the middle two
    failed = {"error": "mergecal: exit 1"}
    assert peers._median([rounds[0], failed, rounds[2]]) == failed
