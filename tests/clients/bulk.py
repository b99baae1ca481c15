"""Drive an out-of-process client (node + ical.js, Debian's Python + libical) in bulk.

One process takes all jobs as one JSON document on stdin and answers with one JSON line
per job, in order. A job that gets no answer within its time-out (the client hangs inside
one call, e.g. an RRULE that never matches) is recorded as a time-out, the process is
killed and a new one carries on with the jobs after it; a crash is handled the same way.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence

SLACK = 3.0  # seconds on top of a job's own time-out (process start, a big file)


def run(argv: Sequence[str], jobs: list[dict], timeout: float, cwd: str | None = None
        ) -> list[dict]:
    """Answers for ``jobs`` (dicts with a unique ``id``), in order; never raises for a job.

    A job the process never answered gets ``{"ok": False, "kind": "timeout"|"crash"}``.
    """
    answers: dict[int, dict] = {}
    todo = list(jobs)
    while todo:
        done = _one_process(argv, todo, timeout, cwd, answers)
        todo = todo[done:]
    return [answers[j["id"]] for j in jobs]


def _one_process(argv, jobs, timeout, cwd, answers) -> int:
    """Run one process over ``jobs``; returns how many jobs got an answer or a verdict."""
    payload = json.dumps({"jobs": jobs}).encode()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, cwd=cwd)
        writer = threading.Thread(target=_feed, args=(proc, payload), daemon=True)
        writer.start()
        fd = proc.stdout.fileno()
        buf = b""
        done = 0
        last = time.monotonic()
        try:
            while done < len(jobs):
                job = jobs[done]
                budget = job.get("timeout", timeout) + SLACK
                limit = last + budget
                while b"\n" not in buf:
                    left = limit - time.monotonic()
                    if left <= 0:
                        answers[job["id"]] = {"id": job["id"], "ok": False, "kind": "timeout",
                                              "error": f"no answer within {budget:.0f} s;"
                                                       " process killed"}
                        return done + 1
                    ready, _, _ = select.select([fd], [], [], min(left, 1.0))
                    if not ready:
                        continue
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:  # the process ended without answering this job
                        proc.wait()
                        err.seek(0)
                        tail = err.read().decode(errors="replace")[-2000:]
                        answers[job["id"]] = {"id": job["id"], "ok": False, "kind": "crash",
                                              "error": f"exit {proc.returncode}: {tail}"}
                        return done + 1
                    buf += chunk
                line, buf = buf.split(b"\n", 1)
                answer = json.loads(line)
                if answer.get("id") != job["id"]:
                    raise RuntimeError(f"{argv}: answer for {answer.get('id')}, "
                                       f"expected {job['id']}")
                answers[job["id"]] = answer
                done += 1
                last = time.monotonic()
            return done
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
            writer.join(timeout=5)


def _feed(proc: subprocess.Popen, payload: bytes) -> None:
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the process died or was killed; the reader reports it
