"""Publish stage alone: ``python -m bench.publish_only --events 100000``.

Builds published records straight from the generator (no parsing, no dedupe; every tenth
event is credited to a second source so attributions and source views overlap), then times
``publish_all`` in-process and prints wall, CPU, peak RSS (whole process and the growth
during publish), Python heap peak (``--tracemalloc``, slow) and a digest of every written
file, so two code versions can be compared for byte-identical output at the same ``--now``.

``--warm PCT`` then changes PCT % of the events (new summary, SEQUENCE + 1) and publishes
again with the VEVENTs of the first run as the cache, as a republish does; ``--verify``
also publishes the changed data without a cache and compares the digests.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import shutil
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from syncsvc.config import Settings, SourceConfig
from syncsvc.models import PublishedEvent, SourceRef

from . import generate as gen

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def records(target: int, per_source: int, now: datetime) -> tuple[list, dict, tuple]:
    srcs, events = [], []
    for s in gen.sources(4 * target // per_source + 8, per_source, seed=9, now=now):
        if s.kind == "ics" and len(events) < target:
            srcs.append(s)
            events += [(s, e) for e in gen.to_events(s)]
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    refs = {s.id: SourceRef(s.id, s.name, f"https://{s.id}.example/termine") for s in srcs}
    out = []
    for i, (s, ev) in enumerate(events):
        sources = [refs[s.id]]
        if i % 10 == 0:
            sources.append(refs[srcs[(i // per_source + 1) % len(srcs)].id])
        out.append(PublishedEvent(uid=f"pub-{ev.uid}", event=ev, sources=tuple(sources),
                                  categories=ev.categories, dtstamp=stamp))
    configs = tuple(SourceConfig(id=s.id, name=s.name, url=f"http://x.example{s.path}",
                                 kind="ics") for s in srcs)
    return out, {s.id: s.name for s in srcs}, configs


def digest(root: Path) -> tuple[str, int, int]:
    h = hashlib.sha256()
    files = total = 0
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + data)
            files, total = files + 1, total + len(data)
    return h.hexdigest()[:16], files, total


def _reset_peak() -> float | None:
    """Reset the kernel's peak-RSS mark (Linux), so VmHWM afterwards is publish's own peak
    and not the generator's transient one; returns the current RSS in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_mb("VmRSS")


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main() -> None:
    p = argparse.ArgumentParser(prog="bench.publish_only")
    p.add_argument("--events", type=int, default=10000)
    p.add_argument("--per-source", type=int, default=100)
    p.add_argument("--out-dir", type=Path, default=Path("/tmp/syncsvc-publish-only"))
    p.add_argument("--tracemalloc", action="store_true")
    p.add_argument("--warm", type=float, default=None, help="percent of events to change")
    p.add_argument("--verify", action="store_true")
    a = p.parse_args()
    from syncsvc.publish.views import publish_all

    published, names, configs = records(a.events, a.per_source, NOW)
    shutil.rmtree(a.out_dir, ignore_errors=True)
    settings = Settings(config_path=a.out_dir / "none.toml", output_dir=a.out_dir,
                        sources=configs)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    base = _reset_peak()
    if a.tracemalloc:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    cold = publish_all(published, [], settings, now=NOW, source_names=names, vevent_cache={})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if a.tracemalloc else None
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = _status_mb("VmHWM")
    sha, files, size = digest(a.out_dir)
    print(json.dumps({"events": len(published), "sources": len(names), "wall_s": round(wall, 2),
                      "cpu_s": round(cpu, 2), "peak_rss_mb": round(rss1, 1),
                      "rss_before_publish_mb": round(rss0, 1),
                      "rss_at_publish_start_mb": base, "peak_rss_during_publish_mb": peak,
                      "heap_peak_mb": round(heap, 1) if heap else None,
                      "files": files, "mb": round(size / 2**20, 1), "digest": sha}))
    if a.warm is not None:
        warm(a, published, names, settings, dict(cold.vevents), cpu)


def changed(published: list, pct: float) -> list:
    step = max(1, round(100 / pct)) if pct > 0 else len(published) + 1
    return [replace(pe, event=replace(pe.event, summary=pe.event.summary + " (geändert)"),
                    sequence=pe.sequence + 1) if i % step == 0 else pe
            for i, pe in enumerate(published)]


def warm(a, published: list, names: dict, settings, cache: dict, cold_cpu: float) -> None:
    from syncsvc.publish.views import publish_all

    new = changed(published, a.warm)
    t0, c0 = time.perf_counter(), time.process_time()
    result = publish_all(new, [], settings, now=NOW, source_names=names, vevent_cache=cache)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"warm_changed_pct": a.warm, "rendered": len(result.vevents),
           "warm_wall_s": round(wall, 2), "warm_cpu_s": round(cpu, 2),
           "warm_over_cold_cpu": round(cpu / cold_cpu, 3), "digest": digest(a.out_dir)[0]}
    if a.verify:
        ref = a.out_dir.with_name(a.out_dir.name + "-ref")
        shutil.rmtree(ref, ignore_errors=True)
        publish_all(new, [], replace(settings, output_dir=ref), now=NOW, source_names=names)
        out["uncached_digest"] = digest(ref)[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
