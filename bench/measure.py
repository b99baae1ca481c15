"""Measurements: the real ``syncsvc sync`` as a child process, and the raw-parse baseline.

Each measured command is started through ``bench/launch.py``, a small interpreter that
forks it and reports its CPU (user + system), wall time and peak RSS from ``wait4`` on
that command alone. Started from the bench directly, a child's peak RSS could not be
lower than the bench's own (the kernel keeps the high-water mark of the address space a
child is forked from), and RUSAGE_CHILDREN's ru_maxrss is the maximum over *all*
children so far. Before the first child, syncsvc's bytecode is compiled (``compiled``):
an installed package has it, while this editable checkout under PYTHONDONTWRITEBYTECODE
would compile every module again in every child and count that as the sync's CPU.
"""

from __future__ import annotations

import compileall
import io
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import feedparser
import icalendar
import tomli_w

from .generate import GenSource

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
LAUNCH = Path(__file__).with_name("launch.py")


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    returncode: int
    stdout: str
    log: str
    timed_out: bool = False

    def lines(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log))


def write_config(workdir: Path, base_url: str, srcs: list[GenSource]) -> Path:
    """A complete syncsvc.toml for ``srcs`` served at ``base_url``; state under ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "feeds").mkdir(exist_ok=True)
    doc = {
        "service": {"name": "WIR in Idstein (Lasttest)", "timezone": "Europe/Berlin",
                    "allow_private_networks": True,  # the bench serves on 127.0.0.1
                    "output_dir": "public", "database": "var/syncsvc.db",
                    "feeds_dir": "feeds", "base_url": "http://localhost:8080",
                    "school_holidays": str(ROOT / "config" / "schulferien-hessen.ics")},
        "sources": [{"id": s.id, "name": s.name, "url": base_url + s.path, "kind": s.kind,
                     "priority": 10 + i % 5} for i, s in enumerate(srcs)],
    }
    path = workdir / "syncsvc.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # fail here, not in the child
    return path


def run_sync(config: Path, timeout_s: float = 1800, command: str = "sync") -> Run:
    """Run ``python -m syncsvc --config <config> sync`` and measure it; a run past
    ``timeout_s`` is killed and reported with ``timed_out`` (CPU and RSS up to the kill)."""
    cmd = [str(PYTHON), "-m", "syncsvc", "--config", str(config), command]
    compiled()
    return run_child(cmd, config.parent / command, timeout_s)


def compiled() -> None:
    """Write syncsvc's .pyc files where they are missing or stale, as ``pip install``
    does when it installs the package (the Dockerfile's image has them): without them a
    one-off ``sync`` child spent ~40 ms compiling, an eighth of a warm (all 304) pass."""
    compileall.compile_dir(ROOT / "syncsvc", quiet=1)


def run_child(cmd: list[str], stem: Path, timeout_s: float) -> Run:
    """Run ``cmd`` (stdout → stem.out, stderr → stem.log) through the launcher and
    measure it; past ``timeout_s`` it is killed and reported with ``timed_out``."""
    logf, outf, report = (stem.with_suffix(s) for s in (".log", ".out", ".rusage.json"))
    report.unlink(missing_ok=True)
    with logf.open("wb") as err, outf.open("wb") as out:
        proc = subprocess.run([sys.executable, str(LAUNCH), str(report), str(timeout_s), *cmd],
                              stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                              timeout=timeout_s + 60, check=False)
    if proc.returncode != 0 or not report.is_file():
        raise RuntimeError(f"bench/launch.py exited {proc.returncode} without a report: "
                           f"{logf.read_text(encoding='utf-8', errors='replace')[-2000:]}")
    got = json.loads(report.read_text(encoding="utf-8"))
    return Run(wall_s=got["wall_s"], cpu_s=got["cpu_s"], maxrss_mb=got["maxrss_kb"] / 1024,
               returncode=got["returncode"],
               stdout=outf.read_text(encoding="utf-8", errors="replace"),
               log=logf.read_text(encoding="utf-8", errors="replace"), timed_out=got["killed"])


def run_check(config: Path) -> Run:
    """``syncsvc check`` on the same config: interpreter start + imports + config load,
    the floor under every sync run's CPU."""
    return run_sync(config, timeout_s=120, command="check")


def raw_parse(bodies: list[tuple[str, bytes]]) -> tuple[float, float, int]:
    """feedparser + icalendar alone, default settings: (wall s, CPU s, entries)."""
    c0, t0, n = time.process_time(), time.perf_counter(), 0
    for kind, body in bodies:
        if kind == "ics":
            cal = icalendar.Calendar.from_ical(body)
            n += sum(1 for _ in cal.walk("VEVENT"))
        else:
            n += len(feedparser.parse(io.BytesIO(body)).entries)
    return time.perf_counter() - t0, time.process_time() - c0, n


def snapshot(public: Path) -> dict[str, int]:
    """mtime_ns of every published file (to prove a warm sync wrote nothing)."""
    return {p.relative_to(public).as_posix(): p.stat().st_mtime_ns
            for p in public.rglob("*") if p.is_file()}


def machine() -> dict:
    from importlib.metadata import version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pkgs = ("feedparser", "icalendar", "recurring-ical-events", "sqlite-utils", "requests",
            "rapidfuzz", "nh3", "waitress", "lxml")
    versions = {}
    for p in pkgs:
        try:
            versions[p] = version(p)
        except Exception:  # noqa: BLE001 - not installed is a fact worth recording
            versions[p] = None
    import platform
    import sqlite3

    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0],
            "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
            "packages": versions, "loadavg_at_start": os.getloadavg()}
