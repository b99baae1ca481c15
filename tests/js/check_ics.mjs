// Parse a published calendar with Mozilla's ical.js (Thunderbird's parser) and expand it.
// Usage: node check_ics.mjs FILE.ics [START_ISO END_ISO [MAX_PER_EVENT]]
// Prints JSON: {count, uids, timezones, occurrences: [{uid, start, local, allDay}],
// texts: [{uid, recurrenceId, summary, language}]} (language: the SUMMARY's LANGUAGE
// parameter or null; texts lists every VEVENT as ical.js reads it)
// where start is "YYYY-MM-DD" for all-day occurrences, else Unix seconds (UTC instant).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, startIso = "2000-01-01T00:00:00Z", endIso = "2040-01-01T00:00:00Z", maxArg] =
  process.argv.slice(2);
const maxPerEvent = Number(maxArg || 5000);
const windowStart = Date.parse(startIso) / 1000;
const windowEnd = Date.parse(endIso) / 1000;

const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
const timezones = root.getAllSubcomponents("vtimezone");
for (const vtz of timezones) {
  ICAL.TimezoneService.register(vtz);
}

const vevents = root.getAllSubcomponents("vevent");
const masters = new Map();
const exceptions = [];
for (const comp of vevents) {
  const ev = new ICAL.Event(comp);
  if (comp.hasProperty("recurrence-id")) exceptions.push(ev);
  else masters.set(ev.uid, ev);
}
for (const ex of exceptions) {
  const master = masters.get(ex.uid);
  if (master) master.relateException(ex);
  else masters.set(`${ex.uid}#orphan${exceptions.indexOf(ex)}`, ex);
}

function instant(time) {
  return time.isDate ? time.toString() : time.toUnixTime();
}

function inWindow(time) {
  const t = time.isDate ? Date.parse(time.toString() + "T00:00:00Z") / 1000 : time.toUnixTime();
  return t >= windowStart && t < windowEnd;
}

const occurrences = [];
for (const ev of masters.values()) {
  if (!ev.isRecurring()) {
    if (inWindow(ev.startDate)) {
      occurrences.push({ uid: ev.uid, start: instant(ev.startDate),
        local: ev.startDate.toString(), allDay: ev.startDate.isDate });
    }
    continue;
  }
  const it = ev.iterator();
  let next;
  let n = 0;
  while ((next = it.next()) && n < maxPerEvent) {
    n += 1;
    const details = ev.getOccurrenceDetails(next);
    const start = details.startDate;
    const t = next.isDate ? Date.parse(next.toString() + "T00:00:00Z") / 1000 : next.toUnixTime();
    if (t >= windowEnd) break;
    if (!inWindow(start)) continue;
    occurrences.push({ uid: ev.uid, start: instant(start), local: start.toString(),
      allDay: start.isDate });
  }
}

const uids = [...new Set(vevents.map((c) => c.getFirstPropertyValue("uid")))].sort();
const texts = vevents.map((c) => {
  const prop = c.getFirstProperty("summary");
  const rid = c.getFirstPropertyValue("recurrence-id");
  return { uid: c.getFirstPropertyValue("uid"), recurrenceId: rid ? rid.toString() : null,
    summary: prop ? prop.getFirstValue() : null,
    language: prop ? prop.getParameter("language") || null : null };
});
console.log(JSON.stringify({
  count: vevents.length,
  uids,
  timezones: timezones.map((tz) => tz.getFirstPropertyValue("tzid")),
  occurrences,
  texts,
}));
