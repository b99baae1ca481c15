"""Benchmark scenarios: one scale (cold / warm / 1 % changed), latency, in-process stages."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from . import generate as gen
from .measure import PYTHON, Run, raw_parse, run_check, run_child, run_sync, snapshot, write_config
from .server import FeedServer

_PUBLISHED = re.compile(r"(\d+) Termine und (\d+) Nachrichten")


class Bodies:
    """Rendered bytes per (source, version): rendering is the generator's cost, not ours."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], bytes] = {}

    def get(self, src: gen.GenSource) -> bytes:
        key = (src.id, src.version)
        if key not in self._cache:
            self._cache[key] = gen.render(src)
        return self._cache[key]

    def serve(self, srv: FeedServer, srcs: list[gen.GenSource]) -> list[tuple[str, bytes]]:
        out = []
        for s in srcs:
            body = self.get(s)
            srv.put(s.path, body)
            out.append(("ics" if s.kind == "ics" else "feed", body))
        return out


def _run(srv: FeedServer, config: Path, timeout_s: float) -> tuple[Run, dict]:
    """One sync child; what it did comes from the wire (server counts), the store's
    fetch_log and the published files' mtimes, not from the log (sync logs warnings only)."""
    srv.reset_counts()
    db, public = config.parent / "var" / "syncsvc.db", config.parent / "public"
    last_id, before = _last_fetch_id(db), snapshot(public) if public.exists() else {}
    run = run_sync(config, timeout_s)
    if run.returncode != 0 and not run.timed_out:
        raise RuntimeError(f"sync failed ({run.returncode}): {run.stdout}\n{run.log[-3000:]}")
    after = snapshot(public) if public.exists() else {}
    seen = {"http": dict(srv.counts), "outcomes": _outcomes(db, last_id),
            "files_changed": sum(1 for k in before.keys() | after.keys()
                                 if before.get(k) != after.get(k)),
            "outputs_untouched": bool(before) and before == after, "files_checked": len(after)}
    return run, seen


def _last_fetch_id(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT COALESCE(MAX(id), 0) FROM fetch_log").fetchone()[0]


def _outcomes(db: Path, after_id: int) -> dict[str, int]:
    if not db.exists():
        return {}
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT outcome, COUNT(*) FROM fetch_log WHERE id > ? "
                                 "GROUP BY outcome", [after_id]).fetchall())


def _figures(run: Run, entries: int, seen: dict) -> dict:
    m = _PUBLISHED.search(run.stdout)
    http, outcomes = seen["http"], seen["outcomes"]
    return {"wall_s": round(run.wall_s, 3), "cpu_s": round(run.cpu_s, 3),
            "maxrss_mb": round(run.maxrss_mb, 1),
            "entries_per_s": round(entries / run.wall_s, 1) if run.wall_s else None,
            "http": {str(k): v for k, v in sorted(http.items())},
            "published_events": int(m.group(1)) if m else None,
            "published_news": int(m.group(2)) if m else None,
            "parsed_sources": outcomes.get("ok", 0),
            "not_modified_sources": outcomes.get("not-modified", 0),
            "failed_sources": outcomes.get("error", 0),
            "files_changed": seen["files_changed"], "outputs_untouched": seen["outputs_untouched"],
            "files_checked": seen["files_checked"], "log_warnings": run.lines(r"level=warning"),
            "timed_out": run.timed_out}


def scale(n: int, srcs: list[gen.GenSource], srv: FeedServer, bodies: Bodies,
          workdir: Path, timeout_s: float) -> dict:
    """Cold sync, warm re-sync (all 304) and re-sync with 1 % of sources changed."""
    srcs = srcs[:n]
    served = bodies.serve(srv, srcs)
    entries = sum(s.entries for s in srcs)
    base_wall, base_cpu, base_n = raw_parse(served)
    home = workdir / f"scale-{n}"
    shutil.rmtree(home, ignore_errors=True)
    config = write_config(home, srv.url(""), srcs)
    floor = run_check(config)
    cold, seen = _run(srv, config, timeout_s)
    out = {"sources": n, "entries": entries, "bytes": sum(len(b) for _, b in served),
           "events": sum(len(s.events) for s in srcs), "news": sum(len(s.items) for s in srcs),
           "duplicates": sum(s.duplicates for s in srcs),
           "expected_published_events": sum(len(s.events) - (s.duplicates if s.kind == "ics"
                                                              else 0) for s in srcs),
           "expected_published_news": sum(len(s.items) - (s.duplicates if s.kind == "feed"
                                                          else 0) for s in srcs),
           "baseline": {"wall_s": round(base_wall, 3), "cpu_s": round(base_cpu, 3),
                        "entries": base_n},
           "startup_floor": {"wall_s": round(floor.wall_s, 3), "cpu_s": round(floor.cpu_s, 3),
                             "maxrss_mb": round(floor.maxrss_mb, 1)},
           "cold": _figures(cold, entries, seen)}
    out["cold"]["cpu_vs_baseline"] = round(cold.cpu_s / base_cpu, 2)
    if cold.timed_out:  # warm and 1 % runs need a finished cold sync
        return out
    warm, seen = _run(srv, config, timeout_s)
    out["warm"] = _figures(warm, entries, seen)
    out["warm"].update(_ratios(warm, cold),
                       cpu_above_floor_vs_cold=round((warm.cpu_s - floor.cpu_s)
                                                     / (cold.cpu_s - floor.cpu_s), 4))
    changed = srcs[:: max(1, len(srcs) // max(1, n // 100))][: max(1, n // 100)]
    for s in changed:
        gen.change(s)
    bodies.serve(srv, changed)
    part, seen = _run(srv, config, timeout_s)
    out["changed_1pct"] = _figures(part, entries, seen)
    out["changed_1pct"].update(_ratios(part, cold), changed_sources=len(changed),
                               changed_share=round(len(changed) / n, 4))
    return out


def _ratios(run: Run, cold: Run) -> dict:
    return {"wall_vs_cold": round(run.wall_s / cold.wall_s, 4),
            "cpu_vs_cold": round(run.cpu_s / cold.cpu_s, 4)}


def latency(n: int, per_source: int, latency_s: float, workdir: Path, seed: int,
            timeout_s: float) -> dict:
    """Cold sync of ``n`` small sources behind ``latency_s``, against the same at 0 ms."""
    srcs = gen.sources(n, per_source, seed=seed + 1)
    bodies = Bodies()  # same source ids as the scale runs: never reuse their bodies
    out: dict = {"sources": n, "entries_per_source": per_source, "latency_s": latency_s}
    for label, lat in (("no_latency", 0.0), ("with_latency", latency_s)):
        with FeedServer(latency_s=lat) as srv:
            bodies.serve(srv, srcs)
            home = workdir / f"latency-{n}-{label}"
            shutil.rmtree(home, ignore_errors=True)
            run, seen = _run(srv, write_config(home, srv.url(""), srcs), timeout_s)
            out[label] = _figures(run, sum(s.entries for s in srcs), seen)
    serial = n * latency_s
    out["serial_latency_s"] = serial
    out["wall_vs_serial"] = round(out["with_latency"]["wall_s"] / serial, 4)
    out["added_by_latency_s"] = round(out["with_latency"]["wall_s"]
                                      - out["no_latency"]["wall_s"], 3)
    return out


def stages(target_events: int, per_source: int, workdir: Path, seed: int,
           baseline_s_per_event: float | None, timeout_s: float) -> dict:
    """dedupe_events + publish_all on ``target_events`` events, in a child process
    (``bench.stages``) so its memory is measured alone and a runaway stage can be stopped."""
    out_json = workdir / "stages.json"
    out_json.unlink(missing_ok=True)
    cmd = [str(PYTHON), "-m", "bench.stages", "--events", str(target_events),
           "--per-source", str(per_source), "--seed", str(seed), "--workdir", str(workdir),
           "--out", str(out_json)]
    if baseline_s_per_event:
        cmd += ["--parse-s-per-event", repr(baseline_s_per_event)]
    run = run_child(cmd, workdir / "stages", timeout_s)
    doc = json.loads(out_json.read_text(encoding="utf-8")) if out_json.exists() else {}
    doc.update(child_wall_s=round(run.wall_s, 3), child_cpu_s=round(run.cpu_s, 3),
               child_maxrss_mb=round(run.maxrss_mb, 1), timed_out=run.timed_out,
               returncode=run.returncode)
    if run.returncode and not run.timed_out:
        raise RuntimeError(f"bench.stages failed: {run.log[-3000:]}")
    return doc
