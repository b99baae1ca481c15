/* syncsvc embed widget: lists upcoming events.
 * Usage: <div data-syncsvc-events data-category="Begegnung" data-limit="5"></div>
 *        <script src="https://HOST/embed.js" async></script>
 * Optional attributes: data-source="<source id>", data-src="https://HOST/events.json"
 * (only needed when the script's own address is unknown), data-lang="ar" (a configured
 * language: its /ar/ files, its words from there, dates by Intl in that locale,
 * right-to-left where the language is written so).
 * It loads the view's small file under widget/ (publish/widget.py), events.json only when
 * that is too short. No framework; partner text is only ever set as text. */
(function () {
  "use strict";
  var script = document.currentScript;
  var scriptSrc = script && script.src ? script.src : "";
  var TZ = "Europe/Berlin";
  var cache = {};
  var formats = {};
  // German words: German files carry none (the others' come from the gettext catalogs,
  // published in their JSON as "labels")
  var GERMAN = {
    none: "Keine anstehenden Termine.", list: "Anstehende Termine",
    list_category: "Anstehende Termine: {category}", cancelled: "Abgesagt:",
    failed: "Die Termine können gerade nicht angezeigt werden.", time: "{time} Uhr"
  };

  function fmt(lang) {
    var locale = lang || "de-DE";
    if (!formats[locale]) {
      formats[locale] = {
        day: new Intl.DateTimeFormat(locale, {
          timeZone: TZ, weekday: "short", day: "numeric", month: "long", year: "numeric" }),
        time: new Intl.DateTimeFormat(locale, {
          timeZone: TZ, hour: "2-digit", minute: "2-digit" }),
        allDay: new Intl.DateTimeFormat(locale, {
          timeZone: "UTC", weekday: "short", day: "numeric", month: "long", year: "numeric" })
      };
    }
    return formats[locale];
  }

  function language(el) {
    var lang = (el.getAttribute("data-lang") || "").toLowerCase();
    return /^[a-z]{2,3}$/.test(lang) && lang !== "de" ? lang : "";
  }

  function feedUrl(el) {
    var lang = language(el);
    var file = lang ? lang + "/events.json" : "events.json";
    if (scriptSrc) return new URL(file, scriptSrc).href;
    var own = el.getAttribute("data-src");
    return own ? new URL(own, document.baseURI).href : "";
  }

  function slugify(text) {
    // as publish.common.slugify: the key of calendar/<slug>.ics
    return text.replace(/[äöüÄÖÜ]/g, function (c) { return c.normalize("NFD")[0] + "e"; })
      .replace(/[ßẞ]/g, "ss").normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  }

  function widgetUrl(el) {
    // the view's own file; "" for none (then events.json)
    var cat = el.getAttribute("data-category"), src = el.getAttribute("data-source");
    var file = cat ? "calendar/" + slugify(cat) : src ? "sources/" + src : "events";
    if (!scriptSrc || /\/$|[^a-z0-9\/-]/.test(file)) return "";
    var lang = language(el);
    return new URL((lang ? lang + "/" : "") + "widget/" + file + ".json", scriptSrc).href;
  }

  function words(data) {
    var out = {};
    var given = data && data.labels && typeof data.labels === "object" ? data.labels : {};
    Object.keys(GERMAN).forEach(function (k) {
      out[k] = typeof given[k] === "string" && given[k] ? given[k] : GERMAN[k];
    });
    return out;
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

  function label(ev, f, w) {
    var start = toDate(ev.start);
    if (ev.all_day || isDate(ev.start)) return f.allDay.format(start);
    var text = f.day.format(start) + ", " + f.time.format(start);
    var end = typeof ev.end === "string" && !isDate(ev.end) ? toDate(ev.end) : null;
    if (end && !isNaN(end.getTime())) {
      if (f.day.format(end) === f.day.format(start)) text += "–" + f.time.format(end);
    }
    return w.time.replace("{time}", text);
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
      // by name, or by the view's key (data-category="fuehrung" matches "Führung" and
      // "Fuehrung" alike, as calendar/fuehrung.ics does)
      var cats = Array.isArray(ev.categories) ? ev.categories : [];
      var slugs = Array.isArray(ev.category_slugs) ? ev.category_slugs : [];
      var want = category.toLowerCase();
      var named = function (c) { return String(c).toLowerCase() === want; };
      if (!cats.some(named) && !slugs.some(named)) return false;
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

  function item(ev, f, w, lang) {
    var li = el("li", "syncsvc-event");
    li.style.margin = "0 0 0.6em 0";
    var time = el("time", "syncsvc-when", label(ev, f, w));
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
    var own = typeof ev.title_language === "string" ? ev.title_language : "";
    if (own && /^[a-z]{2,3}$/.test(own) && own !== (lang || "de")) {
      title.lang = own;  // e.g. a German title in an Arabic list: read and laid out as German
      title.dir = "auto";
    }
    if (String(ev.status).toLowerCase() === "cancelled") {
      li.appendChild(el("strong", "syncsvc-cancelled", w.cancelled + " "));
    }
    li.appendChild(title);
    if (typeof ev.location === "string" && ev.location) {
      var loc = el("bdi", "syncsvc-location", ev.location);
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

  function limitOf(box) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    return limit > 0 ? limit : 5;
  }

  function pick(box, data) {
    var cat = box.getAttribute("data-category") || "";
    var src = box.getAttribute("data-source") || "";
    var now = Date.now();
    return (data && Array.isArray(data.events) ? data.events : [])
      .filter(function (ev) { return upcoming(ev, now) && matches(ev, cat, src); })
      .sort(function (a, b) { return toDate(a.start) - toDate(b.start); })
      .slice(0, limitOf(box));
  }

  function enough(box, data) {  // a widget file too short: events.json decides
    return Boolean(data && data.complete === true) || pick(box, data).length >= limitOf(box);
  }

  function render(box, data) {
    var category = box.getAttribute("data-category") || "";
    var lang = language(box);
    var w = words(data);
    var f = fmt(lang);
    if (lang) {
      box.lang = lang;
      box.dir = data && data.writing_direction === "rtl" ? "rtl" : "ltr";
    }
    var events = pick(box, data);
    if (!events.length) return message(box, w.none);
    var ul = el("ul", "syncsvc-list");
    ul.setAttribute("aria-label", category ? w.list_category.replace("{category}", category)
      : w.list);
    ul.style.listStyle = "none";
    ul.style.margin = "0";
    ul.style.padding = "0";
    events.forEach(function (ev) { ul.appendChild(item(ev, f, w, lang)); });
    box.replaceChildren(ul);
  }

  function start(box) {
    if (box.getAttribute("data-syncsvc-state")) return;
    box.setAttribute("data-syncsvc-state", "loading");
    box.setAttribute("aria-busy", "true");
    box.style.font = "inherit";
    var url = feedUrl(box), small = widgetUrl(box);
    var done = function () {
      box.setAttribute("data-syncsvc-state", "done");
      box.removeAttribute("aria-busy");
    };
    var fail = function () {
      message(box, GERMAN.failed);
      done();
    };
    if (!url) return fail();
    var full = function () { return load(url); };
    (small ? load(small).then(function (data) {
      return enough(box, data) ? data : full();
    }, full) : full()).then(function (data) {
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
