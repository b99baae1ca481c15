"""The benchmark in one command: ``.venv/bin/python -m bench.run`` (see bench/README.md).

Generates synthetic partner sources, serves them on 127.0.0.1, runs the real
``syncsvc sync`` as a child process at each scale, measures the in-process stages and the
HTTP server, prints a table and writes ``bench/results/<date>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import generate as gen
from . import peers
from .measure import machine
from .report import table, targets
from .scenarios import Bodies, latency, scale, stages
from .server import FeedServer
from .serving import serving

log = logging.getLogger(__name__)
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--scales", default="10,100,1000", help="source counts, comma-separated")
    p.add_argument("--per-source", type=int, default=100, help="entries per source")
    p.add_argument("--dup-rate", type=float, default=0.1,
                   help="share of a pair's entries the second partner re-announces")
    p.add_argument("--latency", type=float, default=0.3, help="seconds per response")
    p.add_argument("--latency-sources", type=int, default=1000)
    p.add_argument("--latency-per-source", type=int, default=3)
    p.add_argument("--stage-events", type=int, default=100_000,
                   help="events for the in-process dedupe/publish measurement (0: skip)")
    p.add_argument("--serve-scale", type=int, default=100,
                   help="serve the outputs of this scale for the req/s measurement (0: skip)")
    p.add_argument("--serve-seconds", type=float, default=8.0)
    p.add_argument("--sync-timeout", type=float, default=180,
                   help="kill a sync child after this many seconds (reported as timed out)")
    p.add_argument("--stage-timeout", type=float, default=150,
                   help="kill the in-process dedupe/publish child after this many seconds")
    p.add_argument("--peers", type=int, default=42,
                   help="partners for the side-by-side run with mergecal and Open Web "
                        "Calendar (bench.peers; 0: skip)")
    p.add_argument("--peers-per-source", type=int, default=150)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/syncsvc-bench"))
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for JSON + markdown")
    p.add_argument("--quick", action="store_true",
                   help="small smoke run: scales 4,10; 20 entries; 50 latency sources")
    args = p.parse_args(argv)
    if args.quick:
        args.scales, args.per_source = "4,10", 20
        args.latency_sources, args.stage_events = 50, 2000
        args.serve_scale, args.serve_seconds = 10, 2.0
        args.peers, args.peers_per_source = 4, 20
    args.scale_list = sorted({int(x) for x in args.scales.split(",") if x.strip()})
    return args


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    doc: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                 "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
                 "machine": machine(),
                 "params": {k: (str(v) if isinstance(v, Path) else v)
                            for k, v in vars(args).items()},
                 "scales": []}
    srcs = gen.sources(max(args.scale_list), args.per_source, args.dup_rate, args.seed)
    bodies = Bodies()
    with FeedServer() as srv:
        for n in args.scale_list:
            _say(f"scale {n}: cold, warm, 1 % changed …")
            doc["scales"].append(scale(n, srcs, srv, bodies, args.workdir,
                                       args.sync_timeout))
    if args.peers:
        _say(f"peers: mergecal, Open Web Calendar and syncsvc on {args.peers} partners × "
             f"{args.peers_per_source} events …")
        doc["peers"] = peers.compare(args.peers, args.peers_per_source, args.workdir,
                                     timeout_s=args.sync_timeout)
    if args.latency_sources:
        _say(f"latency: {args.latency_sources} sources at {args.latency * 1000:.0f} ms …")
        doc["latency"] = latency(args.latency_sources, args.latency_per_source, args.latency,
                                 args.workdir, args.seed, args.sync_timeout)
    if args.stage_events:
        _say(f"in-process dedupe + publish of {args.stage_events} events …")
        doc["stages"] = stages(args.stage_events, args.per_source, args.workdir, args.seed,
                               _parse_rate(doc), args.stage_timeout)
    served = {s["sources"] for s in doc["scales"] if not s["cold"]["timed_out"]}
    if args.serve_scale and args.serve_scale in served:
        _say(f"serving calendar.ics of scale {args.serve_scale} …")
        config = args.workdir / f"scale-{args.serve_scale}" / "syncsvc.toml"
        doc["serving"] = serving(config, max_s=args.serve_seconds)
        doc["serving"]["scale"] = args.serve_scale
    doc["targets"] = targets(doc)
    doc["total_wall_s"] = round(time.perf_counter() - started, 1)
    return doc


def _parse_rate(doc: dict) -> float | None:
    """Raw-parse seconds per entry at the largest scale (for the dedupe ratio)."""
    if not doc["scales"]:
        return None
    big = doc["scales"][-1]
    return big["baseline"]["wall_s"] / max(1, big["baseline"]["entries"])


def write(doc: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = doc["date"][:10]
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(table(doc) + "\n", encoding="utf-8")
    return json_path, md_path


def _say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    doc = run(args)
    json_path, md_path = write(doc, args.out)
    sys.stdout.write(table(doc) + "\n")
    sys.stdout.write(f"\nwritten: {json_path} and {md_path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
