// Bulk expansion with Mozilla's ical.js (Thunderbird's parser), for tests/clients/icaljs.py.
//
// One node process serves many files: stdin is one JSON document
//   {"jobs": [{"id", "path" | "text", "mode": "expand" | "parse",
//              "start", "end" (Unix seconds, already widened by the caller),
//              "max" (occurrences kept per series), "timeout" (seconds)}]}
// and stdout gets one JSON line per job, in order, as soon as it is done:
//   {"id", "ok": true, "occ": [[start, end, summary, status, uid], ...], "truncated": [uid]}
//   {"id", "ok": true, "errors": [...]}                       (mode "parse")
//   {"id", "ok": false, "kind": "parse" | "expand" | "timeout", "error": "..."}
// Time values are coded "D2026-01-31" (DATE), "U1767225600" (an instant, Unix seconds) or
// "F2026-01-31T10:00:00" (floating wall time: no zone, or a TZID ical.js cannot resolve);
// end is null when the defining component has neither DTEND nor DURATION. The caller
// normalises, filters to the exact window and decides what floating means.
import { readFileSync, writeSync } from "node:fs";
import ICAL from "ical.js";

class Timeout extends Error {}
class ParseFailure extends Error {}

const MAX_STEPS = 2_000_000; // iterator steps per series (before the window counts too)

function code(time) {
  if (!time) return null;
  if (time.isDate) return "D" + time.toString().slice(0, 10);
  if (time.zone === ICAL.Timezone.localTimezone || time.zone?.tzid === "floating") {
    return "F" + time.toString().slice(0, 19);
  }
  return "U" + time.toUnixTime();
}

// Instant used only for the coarse window test (the caller's window is widened by days).
function approx(time) {
  if (time.isDate || time.zone === ICAL.Timezone.localTimezone) {
    return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute,
      time.second) / 1000;
  }
  return time.toUnixTime();
}

function roots(text) {
  const parsed = ICAL.parse(text);
  // One root parses to [name, props, comps]; several concatenated roots to a list of those.
  const list = typeof parsed[0] === "string" ? [parsed] : parsed;
  return list.map((j) => new ICAL.Component(j));
}

function walk(comp, name, out = []) {
  if (comp.name === name) out.push(comp);
  for (const sub of comp.getAllSubcomponents()) walk(sub, name, out);
  return out;
}

function load(text) {
  ICAL.TimezoneService.reset(); // zones of the previous file must not leak into this one
  try {
    const all = roots(text);
    const vevents = [];
    for (const root of all) {
      for (const vtz of walk(root, "vtimezone")) ICAL.TimezoneService.register(vtz);
    }
    for (const root of all) walk(root, "vevent", vevents);
    return vevents;
  } catch (e) {
    throw new ParseFailure(String(e && e.message || e));
  }
}

function hasEnd(comp) {
  return comp.hasProperty("dtend") || comp.hasProperty("duration");
}

function record(item, start, end) {
  const comp = item.component;
  const status = comp.getFirstPropertyValue("status");
  const summary = comp.getFirstPropertyValue("summary");
  return [code(start), hasEnd(comp) ? code(end) : null, summary == null ? "" : String(summary),
    status == null ? "" : String(status), item.uid == null ? "" : String(item.uid)];
}

function expand(job, deadline) {
  const vevents = load(job.text ?? readFileSync(job.path, "utf8"));
  const masters = new Map();
  const exceptions = [];
  let anon = 0;
  for (const comp of vevents) {
    // Without options ICAL.Event relates every RECURRENCE-ID component of the same parent,
    // whatever its UID; relate by UID instead, as an application keeps its series.
    const ev = new ICAL.Event(comp, { exceptions: [], strictExceptions: true });
    if (comp.hasProperty("recurrence-id")) exceptions.push(ev);
    else masters.set(ev.uid ?? `#anon${anon++}`, ev);
  }
  const singles = [];
  for (const ex of exceptions) {
    const master = masters.get(ex.uid);
    if (master) master.relateException(ex);
    else singles.push(ex); // an override without its series: shown on its own
  }
  const occ = [];
  const truncated = [];
  const inWindow = (t) => t >= job.start && t < job.end;
  for (const ev of singles) {
    if (ev.startDate && inWindow(approx(ev.startDate))) {
      occ.push(record(ev, ev.startDate, ev.endDate));
    }
  }
  for (const [key, ev] of masters) {
    if (!ev.startDate) continue; // no DTSTART: nothing to show
    if (!ev.isRecurring()) {
      if (inWindow(approx(ev.startDate))) occ.push(record(ev, ev.startDate, ev.endDate));
      continue;
    }
    const it = ev.iterator();
    let kept = 0;
    let steps = 0;
    for (let next = it.next(); next; next = it.next()) {
      if (++steps % 1000 === 0 && Date.now() > deadline) throw new Timeout("timeout");
      if (steps > MAX_STEPS) throw new Error(`series ${key}: more than ${MAX_STEPS} steps`);
      const details = ev.getOccurrenceDetails(next); // first: ical.js's own errors surface
      if (approx(next) >= job.end) break;
      if (!inWindow(approx(details.startDate))) continue;
      if (kept >= job.max) {
        truncated.push(String(key));
        break;
      }
      kept += 1;
      occ.push(record(details.item, details.startDate, details.endDate));
    }
  }
  return { occ, truncated };
}

// Parse check: the parser, plus decoding every property value (ical.js decodes lazily) and
// building each event's recurrence iterator once.
function parseCheck(job) {
  const errors = [];
  const text = job.text ?? readFileSync(job.path, "utf8");
  let vevents;
  try {
    vevents = load(text);
  } catch (e) {
    return [`parse: ${e.message}`];
  }
  for (const comp of vevents) {
    for (const prop of comp.getAllProperties()) {
      try {
        prop.getValues();
      } catch (e) {
        errors.push(`${prop.name}: ${e.message}`);
      }
    }
    try {
      const ev = new ICAL.Event(comp);
      if (ev.isRecurring()) ev.iterator().next();
    } catch (e) {
      errors.push(`event ${comp.getFirstPropertyValue("uid")}: ${e.message}`);
    }
  }
  return errors;
}

// Each answer must leave the process before the next job starts: a job that hangs is killed
// by the caller, and answers still queued in process.stdout would die with it.
function writeLine(text) {
  let buf = Buffer.from(text, "utf8");
  while (buf.length) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e) {
      if (e.code !== "EAGAIN") throw e; // a full non-blocking pipe: wait for the reader
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

const input = JSON.parse(readFileSync(0, "utf8"));
for (const job of input.jobs) {
  const t0 = Date.now();
  let out;
  try {
    if (job.mode === "parse") {
      out = { id: job.id, ok: true, errors: parseCheck(job) };
    } else {
      out = { id: job.id, ok: true, ...expand(job, t0 + 1000 * (job.timeout ?? 20)) };
    }
  } catch (e) {
    const kind = e instanceof Timeout ? "timeout" : (e instanceof ParseFailure ? "parse"
      : "expand");
    out = { id: job.id, ok: false, kind, error: String(e && e.message || e) };
  }
  out.ms = Date.now() - t0;
  writeLine(JSON.stringify(out) + "\n");
}
