"""Serving throughput: the real WSGI app (serve.make_app on waitress) in a child process,
hammered from here by keep-alive ``http.client`` threads (127.0.0.1 only, bounded).

Child mode: ``python -m bench.serving <config.toml> [--trivial]`` binds port 0 and prints
the port. ``--trivial`` serves a WSGI app that answers 304 without any work: the floor
of waitress + this load generator on this machine, the baseline for the ratios.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path

from .measure import PYTHON, ROOT


def load(port: int, path: str, headers: dict[str, str], *, threads: int = 8,
         max_requests: int = 20000, max_s: float = 8.0) -> dict:
    """GET ``path`` until ``max_requests`` or ``max_s``; returns req/s and status counts."""
    lock = threading.Lock()
    state = {"n": 0, "statuses": {}, "bytes": 0, "errors": 0}
    deadline = time.perf_counter() + max_s

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            with lock:
                if state["n"] >= max_requests:
                    break
                state["n"] += 1
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                with lock:
                    state["errors"] += 1
                continue
            with lock:
                state["statuses"][resp.status] = state["statuses"].get(resp.status, 0) + 1
                state["bytes"] += len(body)
        conn.close()

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    done = sum(state["statuses"].values())
    return {"requests": done, "wall_s": round(wall, 3), "req_per_s": round(done / wall, 1),
            "statuses": {str(k): v for k, v in state["statuses"].items()},
            "errors": state["errors"], "bytes_per_response": state["bytes"] // max(1, done)}


def _start(config: Path, trivial: bool) -> tuple[subprocess.Popen, int]:
    cmd = [str(PYTHON), "-m", "bench.serving", str(config)] + (["--trivial"] if trivial else [])
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.strip().isdigit():
        proc.kill()
        raise RuntimeError(f"bench server did not start: {line!r}")
    return proc, int(line)


def serving(config: Path, *, threads: int = 8, max_s: float = 8.0) -> dict:
    """req/s for /calendar.ics: full body, If-None-Match (304), and the trivial floor."""
    out: dict = {"threads": threads}
    proc, port = _start(config, trivial=False)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/calendar.ics")
        resp = conn.getresponse()
        body, etag = resp.read(), resp.getheader("ETag", "")
        conn.close()
        out["calendar_bytes"] = len(body)
        out["full_200"] = load(port, "/calendar.ics", {}, threads=threads, max_s=max_s)
        out["conditional_304"] = load(port, "/calendar.ics", {"If-None-Match": etag},
                                      threads=threads, max_s=max_s)
    finally:
        proc.terminate()
        proc.wait(10)
    proc, port = _start(config, trivial=True)
    try:
        out["trivial_floor_304"] = load(port, "/", {}, threads=threads, max_s=max_s)
    finally:
        proc.terminate()
        proc.wait(10)
    floor = out["trivial_floor_304"]["req_per_s"] or 1
    out["304_vs_floor"] = round(out["conditional_304"]["req_per_s"] / floor, 3)
    out["304_vs_200"] = round(out["conditional_304"]["req_per_s"]
                              / max(1.0, out["full_200"]["req_per_s"]), 2)
    return out


def _trivial_app(environ: dict, start_response) -> list[bytes]:
    start_response("304 Not Modified", [("ETag", '"x"')])
    return []


def _child(argv: list[str]) -> None:
    from syncsvc import config as cfg
    from syncsvc.serve import make_app, serve

    app = _trivial_app if "--trivial" in argv else make_app(cfg.load(argv[0]))
    server = serve(app, "127.0.0.1", 0)
    sys.stdout.write(f"{server.effective_port}\n")
    sys.stdout.flush()
    server.run()


if __name__ == "__main__":
    _child(sys.argv[1:])
