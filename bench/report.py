"""Turn a results document into the target verdicts and a markdown table."""

from __future__ import annotations

from .peers import table as peers_table


def targets(doc: dict) -> list[dict]:
    """One row per issue-7 target: measured value, limit, met (None: not measured)."""
    rows = []
    scales = doc.get("scales", [])
    for last in (s for s in scales if s["cold"]["timed_out"]):
        rows.append(_row(f"cold sync finished within the {doc['params']['sync_timeout']:.0f} s "
                         "timeout (0 = no)", 0, 1, f"{last['sources']} sources, "
                         f"{last['entries']} entries", at_least=True))
        rows.append(_row("peak RSS of cold sync until killed (MB)", last["cold"]["maxrss_mb"],
                         400, f"{last['entries']} entries"))
    scales = [s for s in scales if not s["cold"]["timed_out"]]
    big = scales[-1] if scales else None
    if big:
        rows.append(_row("cold-sync CPU / raw parse baseline", big["cold"]["cpu_vs_baseline"],
                         1.5, f"{big['sources']} sources"))
        rows.append(_row("(info) cold minus warm CPU / raw parse baseline",
                         ingest_ratio(big), 1.5, "fetch+parse+normalize+store only"))
        rows.append(_row("warm re-sync CPU / cold CPU", big["warm"]["cpu_vs_cold"], 0.02,
                         f"{big['sources']} sources"))
        rows.append(_row("warm re-sync wall / cold wall", big["warm"]["wall_vs_cold"], 0.02,
                         f"{big['sources']} sources"))
        rows.append(_row("peak RSS of cold sync (MB)", big["cold"]["maxrss_mb"], 400,
                         f"{big['entries']} entries"))
    runs = doc.get("peers", {}).get("contenders", {})
    if "vs_mergecal" in runs.get("syncsvc_cold", {}):
        rows.append(_row("syncsvc cold CPU / mergecal CPU, same sources",
                         runs["syncsvc_cold"]["vs_mergecal"], 2.0,
                         f"{doc['peers']['partners']} partners (bench.peers)"))
    if "vs_cold" in runs.get("syncsvc_warm", {}):
        rows.append(_row("syncsvc warm CPU / cold CPU, same sources",
                         runs["syncsvc_warm"]["vs_cold"], 0.02,
                         f"{doc['peers']['partners']} partners (bench.peers)"))
    if "latency" in doc:
        lat = doc["latency"]
        rows.append(_row(f"{lat['sources']} sources at {lat['latency_s'] * 1000:.0f} ms, wall s",
                         lat["with_latency"]["wall_s"], 30, "cold sync"))
    st = doc.get("stages", {})
    if "dedupe" in st:
        rows.append(_row("dedupe wall s", st["dedupe"]["wall_s"], 5, f"{st['events']} events"))
    if st and "publish" not in st:
        rows.append(_row(f"publish_all finished within {doc['params']['stage_timeout']:.0f} s "
                         "(0 = no)", 0, 1, f"{st.get('published')} events", at_least=True))
    if "serving" in doc:
        sv = doc["serving"]
        rows.append(_row("304 path req/s (min)", sv["conditional_304"]["req_per_s"], 1000,
                         "calendar.ics + If-None-Match", at_least=True))
    return rows


def ingest_ratio(scale: dict) -> float:
    """Cold CPU minus warm CPU (which is startup + dedupe + publish, no parsing) over the
    raw parse baseline: what fetch, parse, normalize and store cost on their own."""
    return round((scale["cold"]["cpu_s"] - scale["warm"]["cpu_s"])
                 / scale["baseline"]["cpu_s"], 2)


def _row(name: str, value: float, limit: float, where: str, at_least: bool = False) -> dict:
    met = value >= limit if at_least else value <= limit
    return {"target": name, "value": value, "limit": limit, "where": where, "met": met}


def table(doc: dict) -> str:
    m = doc["machine"]
    lines = [f"# syncsvc benchmark {doc['date']}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
             f"SQLite {m['sqlite']}; load average at start {m['loadavg_at_start']}.",
             f"Command: `{doc['command']}`", ""]
    lines += _scales(doc.get("scales", []))
    if "peers" in doc:
        lines += ["", peers_table(doc["peers"])]
    if "latency" in doc:
        lat = doc["latency"]
        lines += ["", f"Fetch concurrency: {lat['sources']} sources × "
                  f"{lat['entries_per_source']} entries, {lat['latency_s'] * 1000:.0f} ms per "
                  f"response: {lat['with_latency']['wall_s']} s wall "
                  f"(same without latency: {lat['no_latency']['wall_s']} s; serial would be "
                  f"{lat['serial_latency_s']:.0f} s → {lat['wall_vs_serial']:.3f}× serial)."]
    if "stages" in doc and "dedupe" in doc["stages"]:
        st = doc["stages"]
        dd = st["dedupe"]
        pb = {"wall_s": "killed", "cpu_s": "–", "files": "–", "bytes": 0, "vs_baseline": "–",
              "baseline_icalendar_serialize_s": "–", **st.get("publish", {})}
        lines += ["", f"In-process on {st['events']} events from {st['sources']} sources "
                  f"({st['published']} published, {st['expected_published']} expected from the "
                  f"known duplicate rate, {st['candidate_pairs']} candidate pairs):",
                  f"- dedupe_events (as a sync pass runs it): {dd['wall_s']} s wall, "
                  f"{dd['cpu_s']} s CPU"
                  + (f" (fastest of {len(dd['runs_wall_s'])}: "
                     f"{' / '.join(map(str, dd['runs_wall_s']))} s)"
                     if len(dd.get("runs_wall_s", ())) > 1 else "")
                  + (f" ({dd['vs_raw_parse']}× the raw parse of the same events, "
                     f"{dd['raw_parse_same_events_s']} s)" if "vs_raw_parse" in dd else "")
                  + (f"; with the explanations of `syncsvc explain`: "
                     f"{dd['with_explanations_wall_s']} s wall"
                     if "with_explanations_wall_s" in dd else ""),
                  f"- publish_all: {pb['wall_s']} s wall, {pb['cpu_s']} s CPU, "
                  f"{pb['files']} files, "
                  f"{pb['bytes'] / 1e6:.1f} MB ({pb['vs_baseline']}× icalendar serializing the "
                  f"same events alone, {pb['baseline_icalendar_serialize_s']} s)"]
    if "serving" in doc:
        sv = doc["serving"]
        lines += ["", f"Serving calendar.ics of scale {sv['scale']} "
                  f"({sv['calendar_bytes']} bytes), "
                  f"{sv['threads']} keep-alive client threads:",
                  f"- full 200: {sv['full_200']['req_per_s']} req/s",
                  f"- If-None-Match → 304: {sv['conditional_304']['req_per_s']} req/s "
                  f"({sv['304_vs_floor']}× a do-nothing WSGI app on the same waitress: "
                  f"{sv['trivial_floor_304']['req_per_s']} req/s)"]
    lines += ["", "| target | measured | limit | where | met |", "|---|---|---|---|---|"]
    for t in doc.get("targets", []):
        lines.append(f"| {t['target']} | {t['value']} | {t['limit']} | {t['where']} | "
                     f"{'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


def _scales(scales: list[dict]) -> list[str]:
    head = ("| sources | entries | MB | run | wall s | CPU s | peak RSS MB | entries/s | "
            "CPU ratio | wall ratio | parsed | 304 | files changed |")
    lines = [head, "|" + "---|" * 13]
    for s in scales:
        b = s["baseline"]
        if s["cold"]["timed_out"]:
            s = {**s, "warm": None, "changed_1pct": None}
        lines.append(f"| {s['sources']} | {s['entries']} | {s['bytes'] / 1e6:.1f} | raw parse "
                     f"baseline | {b['wall_s']} | {b['cpu_s']} | – | "
                     f"{b['entries'] / max(b['wall_s'], 1e-9):.0f} | 1 | – | – | – | – |")
        for key, label, ratio in (("cold", "cold sync", "cpu_vs_baseline"),
                                  ("warm", "warm (all 304)", "cpu_vs_cold"),
                                  ("changed_1pct", "1 % changed", "cpu_vs_cold")):
            r = s[key]
            if r is None:
                continue
            if r.get("timed_out"):
                label += " (KILLED at timeout)"
            lines.append(
                f"| {s['sources']} | {s['entries']} | | {label} | {r['wall_s']} | {r['cpu_s']} | "
                f"{r['maxrss_mb']} | {r['entries_per_s']} | {r[ratio]}"
                f"{' (vs baseline)' if key == 'cold' else ' (vs cold)'} | "
                f"{r.get('wall_vs_cold', '–')} | {r['parsed_sources']} | "
                f"{r['not_modified_sources']} | {r['files_changed']} |")
    return lines
