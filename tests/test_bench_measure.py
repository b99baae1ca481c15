"""The bench measures a child's own CPU and peak RSS, not the bench's.

Finding: every child's peak RSS was at least the bench's own high-water mark (Linux keeps
it across the fork and exec of a child), so at 1,000 sources a pass in which every
source answered 304 was reported at 390 MB. Children now start through
``bench/launch.py``; these tests run real processes from a parent that holds a large
buffer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not installed

from bench.measure import run_child  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="wait4 and ru_maxrss in KiB")

BIG_MB = 300


def test_a_small_child_of_a_large_bench_reports_its_own_peak(tmp_path):
    held = bytearray(BIG_MB << 20)
    held[::4096] = b"\1" * len(range(0, len(held), 4096))  # touch every page: resident
    run = run_child([sys.executable, "-c", "pass"], tmp_path / "small", 60)
    assert run.returncode == 0
    assert 3 < run.maxrss_mb < BIG_MB / 3, run.maxrss_mb
    grow = "b = bytearray(200 << 20); b[::4096] = b'1' * len(range(0, len(b), 4096))"
    big = run_child([sys.executable, "-c", grow], tmp_path / "big", 60)
    assert 200 < big.maxrss_mb < BIG_MB, big.maxrss_mb
    del held


def test_cpu_wall_output_and_exit_code_are_the_childs(tmp_path):
    code = ("import sys, time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.3: pass\n"
            "print('ausgabe'); print('protokoll', file=sys.stderr); sys.exit(3)")
    run = run_child([sys.executable, "-c", code], tmp_path / "busy", 60)
    assert run.returncode == 3 and not run.timed_out
    assert 0.3 <= run.cpu_s < 1.5, run.cpu_s
    assert run.wall_s >= run.cpu_s * 0.9
    assert run.stdout == "ausgabe\n" and "protokoll" in run.log


def test_a_child_past_its_timeout_is_killed_and_reported(tmp_path):
    run = run_child([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "slow", 1)
    assert run.timed_out
    assert run.returncode != 0
    assert run.wall_s < 10
