"""Side by side with the tools a user would pick instead: ``python -m bench.peers``.

One generated partner network (``bench.world``: N partners × M events, German titles,
5 % cross-posts under their own UIDs, 5 % look-alikes) is rendered to one ICS file per
partner with icalendar and served on 127.0.0.1. In the same run, against the same bytes:

- bare ``icalendar.Calendar.from_ical`` of every body, in-process (the baseline);
- mergecal (``bench.peer_mergecal``: requests + icalendar + ``merge_calendars``, UID-only
  dedupe) as a child process;
- Open Web Calendar under gunicorn (a child process on 127.0.0.1), ``/calendar.ics?url=…``
  with every partner URL: the first request (empty requests-cache) and a repeat (its
  default 600 s requests-cache answers, it parses and merges again);
- ``syncsvc sync`` cold (empty database) and warm (every source answers 304).

CPU is process CPU time (user + system) including child processes: ``RUSAGE_CHILDREN``
deltas for the child runs, the server's process tree from ``/proc`` around each request
for Open Web Calendar, ``time.process_time`` for the baseline. A peer that is not installed
or fails is reported with the reason; the rest still runs. The dedupe precision/recall of
syncsvc on the same network comes from ``bench.generated_quality`` (a child process).
Install the peers with ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import icalendar

from . import world as wgen
from .generate import TZ, GenSource
from .measure import PYTHON, ROOT, machine, raw_parse, run_check, run_child, write_config
from .scenarios import _figures, _run
from .server import FeedServer

RESULTS = Path(__file__).resolve().parent / "results"
# distribution → module the bench needs from it
PEER_MODULES = {"mergecal": ("mergecal",),
                "open-web-calendar": ("open_web_calendar", "gunicorn")}
# The peers run from an environment of their own when there is one: Open Web Calendar pulls
# in caldav → niquests → urllib3-future, which replaces the urllib3 that requests (and so
# syncsvc's fetcher) imports; installed into .venv, the bench measured syncsvc on another
# HTTP stack than production's, and its imports ~0.1 s heavier.
PEERS_VENV = ROOT / ".venv-peers"
PEERS_PYTHON = PEERS_VENV / "bin" / "python" if (PEERS_VENV / "bin" / "python").exists() \
    else PYTHON
INSTALL_HINT = ("python3 -m venv .venv-peers && .venv-peers/bin/pip install -e '.[bench]' "
                "(or .venv/bin/pip install -e '.[bench]')")


def render_partner(name: str, events: list) -> bytes:
    """One partner's ``Event`` records as the ICS a partner would serve (TZID times)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//syncsvc bench peers//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for e in events:
        ve = icalendar.Event()
        ve.add("uid", e.uid)
        ve.add("dtstamp", stamp)
        ve.add("summary", e.summary)
        start = datetime.strptime(e.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        end = datetime.strptime(e.end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ve.add("dtstart", start.astimezone(TZ))
        ve.add("dtend", end.astimezone(TZ))
        ve.add("location", e.location)
        ve.add("description", e.description)
        if e.rrule:
            ve.add("rrule", icalendar.vRecur.from_ical(e.rrule))
        cal.add_component(ve)
    cal.add_missing_timezones()
    return cal.to_ical()


def network(partners: int, per_source: int, seed: int) -> tuple[wgen.World, list[GenSource],
                                                                  dict[str, bytes]]:
    """The world, one ``GenSource`` per partner (for the syncsvc config) and its bytes."""
    w = wgen.build(partners, per_source, seed=seed)
    by_source: dict[str, list] = {sid: [] for sid in w.partners}
    for e in w.events():
        by_source[e.source_id].append(e)
    srcs = [GenSource(id=sid, name=name, kind="ics") for sid, name in w.partners.items()]
    bodies = {s.path: render_partner(s.name, by_source[s.id]) for s in srcs}
    return w, srcs, bodies


def missing(dist: str) -> str | None:
    """Why a peer cannot run here (None: its modules import in the peers' environment)."""
    for mod in PEER_MODULES[dist]:
        if PEERS_PYTHON == PYTHON:
            found = importlib.util.find_spec(mod) is not None
        else:
            found = subprocess.run([str(PEERS_PYTHON), "-c", f"import {mod}"],
                                   capture_output=True, timeout=60).returncode == 0
        if not found:
            return f"{dist}: module {mod!r} not installed ({INSTALL_HINT})"
    return None


def compare(partners: int, per_source: int, workdir: Path, seed: int = 12,
            timeout_s: float = 300, profile: Path | None = None, rounds: int = 3) -> dict:
    """Every contender on the same served bytes; errors are kept per contender. With
    ``profile``, one more cold ``syncsvc sync`` (fresh database, after the measured runs)
    runs under cProfile and writes its stats there (and a top-40 text beside it).

    mergecal and syncsvc (cold on a fresh database, then warm) run ``rounds`` times,
    alternated, and each reports its median run: the same work took up to 50 % more CPU
    from one minute to the next on the shared machine, so one run each put the cold ratio
    anywhere between 3.6x and 6.4x. Every round's CPU is kept (``cpu_s_runs``)."""
    home = workdir / f"peers-{partners}x{per_source}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    w, srcs, bodies = network(partners, per_source, seed)
    out: dict = {"partners": partners, "per_source": per_source, "seed": seed,
                 "events": len(w.plans), "copies": len(w.copies), "lookalikes": len(w.twins),
                 "distinct_events": len(w.plans) - len(w.copies),
                 "bytes": sum(len(b) for b in bodies.values()), "contenders": {}}
    runs = out["contenders"]
    with FeedServer() as srv:
        for path, body in bodies.items():
            srv.put(path, body)
        urls = [srv.url(s.path) for s in srcs]
        wall, cpu, n = raw_parse([("ics", b) for b in bodies.values()])
        runs["baseline"] = {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "events_out": n}
        samples: dict[str, list[dict]] = {}
        for r in range(max(1, rounds)):
            at = home if r == 0 else home / f"round-{r}"
            at.mkdir(exist_ok=True)
            found = {"mergecal": _guard(
                "mergecal", lambda at=at: _mergecal(srv, urls, at, timeout_s))}
            if r == 0:  # its second request is the repeat: one round of it
                runs.update(_guard("open-web-calendar",
                                   lambda: _owc(srv, urls, home, timeout_s)))
            found.update(_guard("syncsvc", lambda at=at: _syncsvc(srv, srcs, at, timeout_s)))
            for key, run in found.items():
                samples.setdefault(key, []).append(run)
        runs.update({key: _median(each) for key, each in samples.items()})
        if profile:
            out["profile"] = _profile(srv, srcs, home, profile, timeout_s)
    out["floors"] = _floors(home)
    out["quality"] = _quality(partners, per_source, seed, home, timeout_s)
    _ratios(runs)
    return out


def _median(found: list[dict]) -> dict:
    """The run with the median CPU (the lower of the middle two), with every run's CPU;
    a round that failed is the result."""
    failed = [r for r in found if "error" in r or "cpu_s" not in r]
    if failed:
        return failed[0]
    middle = sorted(found, key=lambda r: r["cpu_s"])[(len(found) - 1) // 2]
    return {**middle, "cpu_s_runs": [r["cpu_s"] for r in found]}


def _guard(name: str, fn) -> dict:
    """Run one contender; an exception becomes its reported error, not the bench's end."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - a failing peer is a result to print
        error = f"{name}: {type(exc).__name__}: {exc}"
        _say(f"NOT MEASURED {error}")
        if name == "open-web-calendar":
            return {"owc_first": {"error": error}, "owc_repeat": {"error": error}}
        if name == "syncsvc":
            return {"syncsvc_cold": {"error": error}, "syncsvc_warm": {"error": error}}
        return {"error": error}


def _mergecal(srv: FeedServer, urls: list[str], home: Path, timeout_s: float) -> dict:
    why = missing("mergecal")
    if why:
        _say(f"NOT MEASURED {why}")
        return {"error": why}
    url_file, merged = home / "mergecal-urls.txt", home / "mergecal.ics"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    srv.reset_counts()
    run = run_child([str(PEERS_PYTHON), "-m", "bench.peer_mergecal", "--urls", str(url_file),
                     "--out", str(merged)], home / "mergecal", timeout_s)
    if run.returncode != 0 or run.timed_out:
        raise RuntimeError(f"exit {run.returncode}, timed out {run.timed_out}: "
                           f"{run.log.strip()[-800:]}")
    body = merged.read_bytes()
    return {"cpu_s": round(run.cpu_s, 3), "wall_s": round(run.wall_s, 3),
            "maxrss_mb": round(run.maxrss_mb, 1), "http": _http(srv),
            "events_out": body.count(b"BEGIN:VEVENT"), "bytes_out": len(body)}


class OwcServer:
    """Open Web Calendar under gunicorn on 127.0.0.1 (one sync worker), as a child process.

    Open Web Calendar 1.51 does not filter source URLs by address (``get_text_from_url`` is
    a plain requests GET), so 127.0.0.1 sources need no setting. ``ALLOWED_HOSTS`` limits
    *clients* and allows all when empty. Its requests-cache (``CACHE_REQUESTED_URLS_FOR_
    SECONDS``, default 600) goes to a fresh ``CACHE_DIRECTORY`` under the workdir.
    """

    def __init__(self, home: Path, timeout_s: float):
        self.home, self.timeout_s = home, timeout_s
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> OwcServer:
        cache = self.home / "owc-cache"
        shutil.rmtree(cache, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if k not in {"OWC_SPECIFICATION", "PORT"}}
        env.update(CACHE_DIRECTORY=str(cache), ALLOWED_HOSTS="", APP_DEBUG="false")
        gunicorn = PEERS_PYTHON.parent / "gunicorn"
        cmd = [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
               "--timeout", str(int(self.timeout_s)), "--limit-request-line", "8190",
               "--log-level", "warning", "open_web_calendar:app"]
        self._log = (self.home / "owc.log").open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=self.home)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}: {self.log()}")
            try:
                status, _ = self.get("/calendar.spec")  # also Flask's first-request setup
                if status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not answering after 60 s: {self.log()}")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def log(self) -> str:
        return (self.home / "owc.log").read_text(encoding="utf-8", errors="replace")[-800:]

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout_s)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def cpu_s(self) -> float:
        assert self.proc is not None
        return tree_cpu_s(self.proc.pid)


def tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and all its live descendants (and of their
    reaped children), from ``/proc/<pid>/stat``."""
    parent, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parent[int(entry)] = int(fields[1])
        ticks[int(entry)] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [c for c, p in parent.items() if p == pid and c not in tree]
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def _owc(srv: FeedServer, urls: list[str], home: Path, timeout_s: float) -> dict:
    why = missing("open-web-calendar")
    if why:
        _say(f"NOT MEASURED {why}")
        return {"owc_first": {"error": why}, "owc_repeat": {"error": why}}
    path = "/calendar.ics?" + urlencode([("url", u) for u in urls])
    out = {}
    with OwcServer(home, timeout_s) as owc:
        out["owc_boot"] = {"cpu_s": round(owc.cpu_s(), 3)}
        for key in ("owc_first", "owc_repeat"):
            srv.reset_counts()
            c0, t0 = owc.cpu_s(), time.perf_counter()
            status, body = owc.get(path)
            wall = time.perf_counter() - t0
            time.sleep(0.2)  # let the worker finish its after-request work before reading
            cpu = owc.cpu_s() - c0
            if status != 200:
                raise RuntimeError(f"{key}: HTTP {status}: {body[:300]!r}")
            errors = body.count(b"UID:error")  # OWC turns a failed source into an event
            if errors:
                raise RuntimeError(f"{key}: {errors} sources failed inside OWC: "
                                   f"{body[body.find(b'UID:error') - 400:][:600]!r}")
            out[key] = {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "http": _http(srv),
                        "events_out": body.count(b"BEGIN:VEVENT"), "bytes_out": len(body)}
    return out


def _syncsvc(srv: FeedServer, srcs: list[GenSource], home: Path, timeout_s: float) -> dict:
    config = write_config(home / "syncsvc", srv.url(""), srcs)
    out = {}
    for key in ("syncsvc_cold", "syncsvc_warm"):
        run, seen = _run(srv, config, timeout_s)
        fig = _figures(run, 0, seen)
        out[key] = {"cpu_s": fig["cpu_s"], "wall_s": fig["wall_s"],
                    "maxrss_mb": fig["maxrss_mb"], "http": fig["http"],
                    "events_out": fig["published_events"], "files_changed": fig["files_changed"],
                    "timed_out": fig["timed_out"]}
        if run.timed_out:
            out[key]["error"] = f"killed after {timeout_s:.0f} s"
            break
    return out


def _profile(srv: FeedServer, srcs: list[GenSource], home: Path, stats: Path,
             timeout_s: float) -> dict:
    """A cold sync under cProfile (not one of the measured runs: cProfile slows it)."""
    import pstats

    config = write_config(home / "syncsvc-profile", srv.url(""), srcs)
    stats.parent.mkdir(parents=True, exist_ok=True)
    run = run_child([str(PYTHON), "-m", "cProfile", "-o", str(stats), "-m", "syncsvc",
                     "--config", str(config), "sync"], config.parent / "sync", timeout_s)
    if run.returncode != 0 or not stats.exists():
        return {"error": f"exit {run.returncode}: {run.log[-500:]}"}
    text = stats.with_suffix(".txt")
    with text.open("w", encoding="utf-8") as f:
        for key in ("cumulative", "tottime"):
            pstats.Stats(str(stats), stream=f).sort_stats(key).print_stats(40)
    return {"stats": str(stats), "text": str(text), "cpu_s": round(run.cpu_s, 3)}


def _floors(home: Path) -> dict:
    """Interpreter start + imports: mergecal's script and ``syncsvc check``."""
    out: dict = {}
    if missing("mergecal") is None:
        run = run_child([str(PEERS_PYTHON), "-c", "import requests, icalendar, mergecal"],
                        home / "floor-mergecal", 60)
        out["mergecal_imports_cpu_s"] = round(run.cpu_s, 3)
    config = home / "syncsvc" / "syncsvc.toml"
    if config.exists():
        out["syncsvc_check_cpu_s"] = round(run_check(config).cpu_s, 3)
    return out


def _quality(partners: int, per_source: int, seed: int, home: Path, timeout_s: float) -> dict:
    """syncsvc's dedupe precision/recall on the same world (``bench.generated_quality``)."""
    run = run_child([str(PYTHON), "-m", "bench.generated_quality", "--partners", str(partners),
                     "--per-source", str(per_source), "--seed", str(seed), "--json"],
                    home / "quality", timeout_s)
    try:
        (report,) = json.loads(run.stdout)
    except ValueError:
        return {"error": f"bench.generated_quality exit {run.returncode}: {run.log[-500:]}"}
    return {"precision": report["scores"]["precision"], "recall": report["scores"]["recall"],
            "published": report["published"], "occurrences": report["occurrences"],
            "dedupe_wall_s": report["dedupe_wall_s"]}


def _http(srv: FeedServer) -> dict[str, int]:
    return {str(k): v for k, v in sorted(srv.counts.items())}


def _ratios(runs: dict) -> None:
    base = runs["baseline"]["cpu_s"]
    ref = runs.get("mergecal", {}).get("cpu_s")
    for key, r in runs.items():
        if "cpu_s" not in r or "error" in r or key == "owc_boot":
            continue
        r["vs_baseline"] = round(r["cpu_s"] / base, 2) if base else None
        r["vs_mergecal"] = round(r["cpu_s"] / ref, 2) if ref else None
    cold, warm = runs.get("syncsvc_cold", {}), runs.get("syncsvc_warm", {})
    if "cpu_s" in warm and "error" not in warm and cold.get("cpu_s"):
        warm["vs_cold"] = round(warm["cpu_s"] / cold["cpu_s"], 4)


ROWS = (
    ("baseline", "bare `icalendar.Calendar.from_ical` of the same bytes (in-process)"),
    ("mergecal", "mergecal: requests + icalendar + `merge_calendars` (child process)"),
    ("owc_first", "Open Web Calendar `/calendar.ics?url=…`, first request"),
    ("owc_repeat", "Open Web Calendar, same request again (requests-cache hit)"),
    ("syncsvc_cold", "syncsvc sync, cold (empty database)"),
    ("syncsvc_warm", "syncsvc sync, nothing changed (all 304)"),
)


def table(p: dict) -> str:
    """Markdown: one row per contender, CPU ratios against the baseline and mergecal."""
    lines = [f"Same {p['partners']} generated partner calendars × {p['per_source']} events "
             f"({p['events']} VEVENTs, of which {p['copies']} cross-posts under their own "
             f"UID; {p['distinct_events']} distinct; {p['bytes'] / 1e6:.1f} MB) served on "
             f"127.0.0.1, one run{_rounds(p)}:", "",
             "| contender | CPU s | wall s | × bare parse | × mergecal | VEVENTs / events out "
             "| source answers |", "|---|---|---|---|---|---|---|"]
    runs = p["contenders"]
    for key, label in ROWS:
        r = runs.get(key)
        if r is None:
            continue
        if "error" in r:
            lines.append(f"| {label} | not measured: {r['error']} | | | | | |")
            continue
        extra = f" ({r['vs_cold'] * 100:.1f} % of cold)" if "vs_cold" in r else ""
        lines.append(f"| {label} | {r['cpu_s']} | {r['wall_s']} | {r.get('vs_baseline', 1)} | "
                     f"{r.get('vs_mergecal') or '–'}{extra} | {_or_dash(r.get('events_out'))} | "
                     f"{_answers(r.get('http'))} |")
    notes = []
    fl = p.get("floors", {})
    if fl:
        notes.append("Start-up floors inside those figures: "
                     + ", ".join(f"{k.replace('_cpu_s', '').replace('_', ' ')} {v} s"
                                 for k, v in fl.items())
                     + (f"; Open Web Calendar's server boot {runs['owc_boot']['cpu_s']} s is "
                        "not in its rows" if "owc_boot" in runs else "") + ".")
    q = p.get("quality", {})
    if "precision" in q:
        notes.append(f"syncsvc dedupe on the same network (`bench.generated_quality`): "
                     f"precision {q['precision']:.3f}, recall {q['recall']:.3f} "
                     f"({q['occurrences']} occurrences → {q['published']} published). "
                     f"UID-only dedupe (mergecal, Open Web Calendar) merges none of the "
                     f"{p['copies']} cross-posts (recall 0).")
    elif q:
        notes.append(f"Dedupe quality not measured: {q['error']}")
    return "\n".join(lines + ([""] + notes if notes else []))


def _rounds(p: dict) -> str:
    n = max((len(r.get("cpu_s_runs", ())) for r in p["contenders"].values()), default=0)
    return (f" (mergecal and syncsvc: the median of {n} rounds, alternated; CPU of each "
            f"round in the JSON)") if n > 1 else ""


def _or_dash(value: object) -> str:
    return "–" if value is None else str(value)


def _answers(http: dict | None) -> str:
    if http is None:
        return "–"
    return ", ".join(f"{n}× {code}" for code, n in http.items()) or "none (cache)"


def _say(text: str) -> None:
    sys.stderr.write(f"[bench.peers] {text}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.peers", description=__doc__.splitlines()[0])
    ap.add_argument("--partners", type=int, default=42)
    ap.add_argument("--per-source", type=int, default=150)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--timeout", type=float, default=300, help="per contender run, seconds")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/syncsvc-bench"))
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for JSON + markdown")
    ap.add_argument("--profile", type=Path, default=None,
                    help="also run one cold syncsvc sync under cProfile, stats to this file")
    a = ap.parse_args(argv)
    started = time.perf_counter()
    doc = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
           "command": " ".join(["python -m bench.peers", *sys.argv[1:]]),
           "machine": machine(), "peer_versions": _versions(),
           "syncsvc_urllib3": _own_version("urllib3")}
    doc["peers"] = compare(a.partners, a.per_source, a.workdir, a.seed, a.timeout,
                           a.profile)
    doc["total_wall_s"] = round(time.perf_counter() - started, 1)
    m = doc["machine"]
    md = "\n".join([f"# syncsvc beside its peers {doc['date']}", "",
                    f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; load "
                    f"average at start {m['loadavg_at_start']}. Peers: "
                    + ", ".join(f"{k} {v}" for k, v in doc["peer_versions"].items())
                    + f"; syncsvc runs with urllib3 {doc['syncsvc_urllib3']}.",
                    f"Command: `{doc['command']}` ({doc['total_wall_s']} s)", "",
                    table(doc["peers"])])
    a.out.mkdir(parents=True, exist_ok=True)
    stem = a.out / f"{doc['date'][:10]}-peers"
    stem.with_suffix(".json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
    stem.with_suffix(".md").write_text(md + "\n", encoding="utf-8")
    sys.stdout.write(md + f"\n\nwritten: {stem}.json and {stem}.md\n")
    return 0


def _own_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _versions() -> dict[str, str | None]:
    """The peers' versions, read in the peers' environment (and where it is)."""
    code = ("import json, importlib.metadata as m\n"
            "def v(d):\n try: return m.version(d)\n except m.PackageNotFoundError: return None\n"
            "print(json.dumps({d: v(d) for d in ('mergecal', 'open-web-calendar', 'gunicorn', "
            "'icalendar', 'requests-cache', 'urllib3')}))")
    done = subprocess.run([str(PEERS_PYTHON), "-c", code], capture_output=True, text=True,
                          timeout=60)
    out: dict[str, str | None] = json.loads(done.stdout) if done.returncode == 0 else {}
    out["environment"] = str(PEERS_PYTHON.parent.parent.relative_to(ROOT))
    return out


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
