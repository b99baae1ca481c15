"""Run one measured command from a small process and report that command's own rusage.

Linux counts a child's peak RSS from the process it was forked from: at ``exec`` the
kernel keeps the high-water mark of the old address space, and for a child of the bench
that is the bench's own. The bench holds every generated feed and has parsed them all for
the baseline, so at 1,000 sources it had grown to about 390 MB, and every child reported
at least that: a pass in which every source answered 304 "peaked" at 390 MB. This file
runs as a fresh interpreter (a small address space); the measured command is forked from
it, and ``wait4`` on that command alone gives its CPU, wall time and peak RSS, which are
written to ``REPORT`` as JSON.

Usage: ``python bench/launch.py REPORT TIMEOUT_S COMMAND...`` (stdlib only, so it stays
small whichever interpreter runs it). Standard streams and the working folder are the
launcher's. After ``TIMEOUT_S`` the command is killed and ``killed`` is true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time


def main(argv: list[str]) -> int:
    report, timeout_s, cmd = argv[0], float(argv[1]), argv[2:]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    killed, reaped = threading.Event(), threading.Event()

    def kill() -> None:
        if not reaped.is_set():
            killed.set()
            proc.kill()

    timer = threading.Timer(timeout_s, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    reaped.set()
    timer.cancel()
    wall = time.perf_counter() - t0
    with open(report, "w", encoding="utf-8") as f:
        json.dump({"returncode": os.waitstatus_to_exitcode(status), "wall_s": wall,
                   "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
                   "killed": killed.is_set()}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
