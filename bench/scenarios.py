"""Benchmark scenarios: one scale (cold / warm / 1 % changed), latency, in-process stages."""

from __future__ import annotations

import json
import re
import shutil
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


def _run(srv: FeedServer, config: Path, timeout_s: float) -> tuple[Run, dict[int, int]]:
    srv.reset_counts()
    run = run_sync(config, timeout_s)
    if run.returncode != 0 and not run.timed_out:
        raise RuntimeError(f"sync failed ({run.returncode}): {run.stdout}\n{run.log[-3000:]}")
    return run, dict(srv.counts)


def _figures(run: Run, entries: int, http: dict[int, int]) -> dict:
    m = _PUBLISHED.search(run.stdout)
    return {"wall_s": round(run.wall_s, 3), "cpu_s": round(run.cpu_s, 3),
            "maxrss_mb": round(run.maxrss_mb, 1),
            "entries_per_s": round(entries / run.wall_s, 1) if run.wall_s else None,
            "http": {str(k): v for k, v in sorted(http.items())},
            "published_events": int(m.group(1)) if m else None,
            "published_news": int(m.group(2)) if m else None,
            "parsed_sources": run.lines(r"logger=syncsvc\.pipeline msg='source=\S+ synced: "),
            "not_modified_sources": run.lines(
                r"logger=syncsvc\.pipeline msg='source=\S+ not modified'"),
            "files_changed": _files_changed(run.log), "timed_out": run.timed_out}


def _files_changed(log: str) -> int | None:
    found = re.findall(r"(\d+) files changed", log)
    return int(found[-1]) if found else None


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
    cold, http = _run(srv, config, timeout_s)
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
           "cold": _figures(cold, entries, http)}
    out["cold"]["cpu_vs_baseline"] = round(cold.cpu_s / base_cpu, 2)
    if cold.timed_out:  # warm and 1 % runs need a finished cold sync
        return out
    before = snapshot(home / "public")
    warm, http = _run(srv, config, timeout_s)
    after = snapshot(home / "public")
    out["warm"] = _figures(warm, entries, http)
    out["warm"].update(_ratios(warm, cold), outputs_untouched=before == after,
                       files_checked=len(after),
                       cpu_above_floor_vs_cold=round((warm.cpu_s - floor.cpu_s)
                                                     / (cold.cpu_s - floor.cpu_s), 4))
    changed = srcs[:: max(1, len(srcs) // max(1, n // 100))][: max(1, n // 100)]
    for s in changed:
        gen.change(s)
    bodies.serve(srv, changed)
    part, http = _run(srv, config, timeout_s)
    out["changed_1pct"] = _figures(part, entries, http)
    out["changed_1pct"].update(_ratios(part, cold), changed_sources=len(changed),
                               changed_share=round(len(changed) / n, 4))
    return out


def _ratios(run: Run, cold: Run) -> dict:
    return {"wall_vs_cold": round(run.wall_s / cold.wall_s, 4),
            "cpu_vs_cold": round(run.cpu_s / cold.cpu_s, 4)}


def latency(n: int, per_source: int, latency_s: float, bodies: Bodies, workdir: Path,
            seed: int, timeout_s: float) -> dict:
    """Cold sync of ``n`` small sources behind ``latency_s``, against the same at 0 ms."""
    srcs = gen.sources(n, per_source, seed=seed + 1)
    out: dict = {"sources": n, "entries_per_source": per_source, "latency_s": latency_s}
    for label, lat in (("no_latency", 0.0), ("with_latency", latency_s)):
        with FeedServer(latency_s=lat) as srv:
            bodies.serve(srv, srcs)
            home = workdir / f"latency-{n}-{label}"
            shutil.rmtree(home, ignore_errors=True)
            run, http = _run(srv, write_config(home, srv.url(""), srcs), timeout_s)
            out[label] = _figures(run, sum(s.entries for s in srcs), http)
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
