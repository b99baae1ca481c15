/* syncsvc embed widget: lists upcoming events from events.json.
 * Usage: <div data-syncsvc-events data-category="Begegnung" data-limit="5"></div>
 *        <script src="https://HOST/embed.js" async></script>
 * Optional attributes: data-source="<source id>", data-src="https://HOST/events.json"
 * (only needed when the script's own address is unknown).
 * No framework, no requests beyond events.json; partner text is only ever set as text. */
(function () {
  "use strict";
  var script = document.currentScript;
  var scriptSrc = script && script.src ? script.src : "";
  var TZ = "Europe/Berlin";
  var cache = {};
  var dayFmt = new Intl.DateTimeFormat("de-DE", {
    timeZone: TZ, weekday: "short", day: "numeric", month: "long", year: "numeric"
  });
  var timeFmt = new Intl.DateTimeFormat("de-DE", {
    timeZone: TZ, hour: "2-digit", minute: "2-digit"
  });
  var allDayFmt = new Intl.DateTimeFormat("de-DE", {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "long", year: "numeric"
  });

  function feedUrl(el) {
    if (scriptSrc) return new URL("events.json", scriptSrc).href;
    var own = el.getAttribute("data-src");
    return own ? new URL(own, document.baseURI).href : "";
  }

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "omit", mode: "cors" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }

  function isDate(s) { return /^\d{4}-\d{2}-\d{2}$/.test(s); }

  function toDate(s) {
    // all-day "YYYY-MM-DD" is read as UTC midnight and formatted in UTC: no day shift
    return new Date(isDate(s) ? s + "T00:00:00Z" : s);
  }

  function label(ev) {
    var start = toDate(ev.start);
    if (ev.all_day || isDate(ev.start)) return allDayFmt.format(start);
    var text = dayFmt.format(start) + ", " + timeFmt.format(start);
    var end = typeof ev.end === "string" && !isDate(ev.end) ? toDate(ev.end) : null;
    if (end && !isNaN(end.getTime())) {
      if (dayFmt.format(end) === dayFmt.format(start)) text += "–" + timeFmt.format(end);
    }
    return text + " Uhr";
  }

  function safeHref(u) {
    if (typeof u !== "string" || !u) return "";
    try {
      var parsed = new URL(u);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
    } catch (e) {
      return "";
    }
  }

  function upcoming(ev, now) {
    if (!ev || typeof ev.start !== "string" || typeof ev.title !== "string") return false;
    if (isNaN(toDate(ev.start).getTime())) return false;
    if (isDate(ev.start)) {
      // all-day: the end date is exclusive; without one the event is that one day
      var endDay = isDate(ev.end) ? ev.end : nextDay(ev.start);
      return endDay > today(now, ev.timezone);
    }
    var last = toDate(typeof ev.end === "string" && ev.end ? ev.end : ev.start);
    return last.getTime() > now;
  }

  function nextDay(s) {
    return new Date(toDate(s).getTime() + 86400000).toISOString().slice(0, 10);
  }

  function today(now, zone) {
    // "YYYY-MM-DD" of now in the event's zone (en-CA formats dates the ISO way)
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone: zone || TZ,
        year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(now));
    } catch (e) {
      return new Date(now).toISOString().slice(0, 10);
    }
  }

  function matches(ev, category, source) {
    if (category) {
      var cats = Array.isArray(ev.categories) ? ev.categories : [];
      var want = category.toLowerCase();
      if (!cats.some(function (c) { return String(c).toLowerCase() === want; })) return false;
    }
    if (source) {
      var srcs = Array.isArray(ev.sources) ? ev.sources : [];
      if (!srcs.some(function (s) { return s && s.id === source; })) return false;
    }
    return true;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function item(ev) {
    var li = el("li", "syncsvc-event");
    li.style.margin = "0 0 0.6em 0";
    var time = el("time", "syncsvc-when", label(ev));
    time.setAttribute("datetime", ev.start);
    time.style.display = "block";
    time.style.fontSize = "0.9em";
    li.appendChild(time);
    var href = safeHref(ev.url);
    var title = el(href ? "a" : "span", "syncsvc-title", ev.title);
    if (href) {
      title.href = href;
      title.rel = "noopener";
    }
    if (String(ev.status).toLowerCase() === "cancelled") {
      li.appendChild(el("strong", "syncsvc-cancelled", "Abgesagt: "));
    }
    li.appendChild(title);
    if (typeof ev.location === "string" && ev.location) {
      var loc = el("span", "syncsvc-location", ev.location);
      loc.style.display = "block";
      li.appendChild(loc);
    }
    return li;
  }

  function message(box, text) {
    var p = el("p", "syncsvc-message", text);
    p.style.margin = "0";
    box.replaceChildren(p);
  }

  function render(box, data) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    if (!(limit > 0)) limit = 5;
    var category = box.getAttribute("data-category") || "";
    var source = box.getAttribute("data-source") || "";
    var now = Date.now();
    var events = (data && Array.isArray(data.events) ? data.events : [])
      .filter(function (ev) { return upcoming(ev, now) && matches(ev, category, source); })
      .sort(function (a, b) { return toDate(a.start) - toDate(b.start); })
      .slice(0, limit);
    if (!events.length) return message(box, "Keine anstehenden Termine.");
    var ul = el("ul", "syncsvc-list");
    ul.setAttribute("aria-label", category ? "Anstehende Termine: " + category : "Anstehende Termine");
    ul.style.listStyle = "none";
    ul.style.margin = "0";
    ul.style.padding = "0";
    events.forEach(function (ev) { ul.appendChild(item(ev)); });
    box.replaceChildren(ul);
  }

  function start(box) {
    if (box.getAttribute("data-syncsvc-state")) return;
    box.setAttribute("data-syncsvc-state", "loading");
    box.setAttribute("aria-busy", "true");
    box.style.font = "inherit";
    var url = feedUrl(box);
    var done = function () {
      box.setAttribute("data-syncsvc-state", "done");
      box.removeAttribute("aria-busy");
    };
    var fail = function () {
      message(box, "Die Termine können gerade nicht angezeigt werden.");
      done();
    };
    if (!url) return fail();
    load(url).then(function (data) {
      render(box, data);
      done();
    }).catch(fail);
  }

  function run() {
    var boxes = document.querySelectorAll("[data-syncsvc-events]");
    for (var i = 0; i < boxes.length; i++) start(boxes[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
