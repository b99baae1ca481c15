"""HTML of the admin pages (status and login), German, no JavaScript.

Every value that comes from config, partner data or the store goes through ``html.escape``;
the charts are inline SVG from ``chart``.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from ...config import Settings
from ...instants import local_time
from .chart import WEEKS, WeekCounts, svg_chart

# health → (badge colour, text colour, symbol); the badge always shows the German word too
BADGES = {
    "ok": ("#1e7b34", "#fff", "✓"),
    "stale": ("#b7791f", "#000", "!"),
    "failing": ("#c53030", "#fff", "✗"),
    "shrink-held": ("#6b46c1", "#fff", "‖"),
    "gone": ("#2d3748", "#fff", "⊘"),
    "new": ("#4a5568", "#fff", "…"),
    "disabled": ("#a0aec0", "#000", "–"),
}
PROBLEMS = ("failing", "gone", "shrink-held", "stale")
HINTS = {
    "stale": "Seit längerer Zeit kein erfolgreicher Abruf. Die zuletzt abgerufenen Einträge "
             "bleiben veröffentlicht.",
    "failing": "Der letzte Abruf ist fehlgeschlagen. Die zuletzt erfolgreich abgerufenen "
               "Einträge bleiben veröffentlicht, bis die Quelle wieder funktioniert.",
    "shrink-held": "Der neue Stand hätte viele Termine auf einmal entfernt. Er wird erst "
                   "übernommen, wenn er sich bei weiteren Abrufen bestätigt – oder sofort mit "
                   "„syncsvc accept {id}“.",
    "gone": "Der Partner meldet, dass es diese Adresse nicht mehr gibt (HTTP 410). Bitte beim "
            "Partner die neue Adresse erfragen oder die Quelle aus der Konfiguration entfernen.",
    "new": "Diese Quelle wurde noch nicht abgerufen.",
    "disabled": "In der Konfiguration abgeschaltet (enabled = false).",
}
HTTP_HINTS = {
    401: "Der Partner verlangt eine Anmeldung (HTTP 401).",
    403: "Der Partner verweigert den Zugriff (HTTP 403).",
    404: "Die Adresse gibt es beim Partner nicht (HTTP 404) – wurde sie geändert?",
    410: "Die Adresse wurde beim Partner entfernt (HTTP 410).",
    429: "Zu viele Anfragen – der Partner bittet, seltener abzurufen (HTTP 429).",
}
KIND_LABELS = {"ics": "Kalender (iCalendar)", "feed": "Nachrichten (RSS/Atom)",
               "schedule": "Termine der Stadt"}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;"
    "color:#1a1a1a;line-height:1.45}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}"
    "h3{font-size:1.1rem;margin:0}table{border-collapse:collapse;width:100%;font-size:.92rem}"
    "th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #ddd;vertical-align:top}"
    "td.n{text-align:right}tr.bad td{background:#fff0f0}"
    ".warn{background:#fff4e5;border-left:5px solid #b7791f;padding:.5rem 1rem}"
    ".summary{font-size:1.05rem}.src{border:1px solid #ccc;border-radius:6px;padding:.8rem 1rem;"
    "margin:1rem 0}.src.bad{border:2px solid #c53030;background:#fff8f8}"
    ".badge{display:inline-block;padding:.1rem .6rem;border-radius:1rem;font-weight:600;"
    "margin-left:.5rem;font-size:.95rem;white-space:nowrap}.id{color:#555;font-size:.9rem;font-weight:normal}"
    "dl{display:grid;grid-template-columns:12rem 1fr;gap:.2rem 1rem;margin:.6rem 0}"
    "dt{color:#444}dd{margin:0}.err{color:#9b2c2c}.hint{font-style:italic}"
    "form.inline{display:inline}label{display:block;margin:.5rem 0 .2rem}"
    "input[type=password]{width:20rem;max-width:100%;padding:.3rem}button{padding:.3rem .8rem}"
    "footer{margin-top:2rem;color:#555;font-size:.9rem}"
)
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _doc(title: str, body: str) -> str:
    return ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def badge(state: str, label: str) -> str:
    bg, fg, symbol = BADGES.get(state, BADGES["new"])
    return (f'<span class="badge health-{_e(state)}" style="background:{bg};color:{fg}">'
            f"{symbol} {_e(label)}</span>")


def render_page(settings: Settings, doc: dict, counts: WeekCounts, logout: bool) -> str:
    sources = doc.get("sources", [])
    parts = [f"<h1>Status – {_e(doc.get('service') or settings.name)}</h1>"]
    parts += [f'<p class="warn" role="alert">⚠ {_e(w)}</p>' for w in doc.get("warnings", [])]
    parts.append(_summary(sources))
    parts.append(_overruled(doc.get("authority_notes", [])))
    parts.append(_overview(sources, settings, counts))
    parts.append("<h2>Einzelheiten</h2>")
    parts += [_source(s, settings) for s in sources]
    footer = ("Diese Seite zeigt nur an. Quellen werden in der Konfigurationsdatei geändert "
              f"({_e(settings.config_path.name)}); Anleitung: docs/admin.de.md. Stand: "
              f"{datetime.now(ZoneInfo(settings.timezone)):%d.%m.%Y, %H:%M} Uhr.")
    if logout:
        footer += (' <form class="inline" method="post" action="/admin/logout">'
                   '<button type="submit">Abmelden</button></form>')
    parts.append(f"<footer>{footer}</footer>")
    return _doc(f"Status – {settings.name}", "".join(parts))


def _overruled(notes: list[str]) -> str:
    """Partners still announcing a date the city cancelled or moved (dedupe.authority):
    the published calendar shows the city's decision, but the partner's own one is wrong."""
    if not notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return ('<section id="abgesagt-verlegt"><h2>Abgesagte oder verlegte Termine, die Partner '
            'noch ankündigen</h2><p>Im Kalender gilt die Absage oder Verlegung der Quelle mit '
            'höherer Priorität; bitte die Partner bitten, ihren Kalender zu berichtigen.</p>'
            f'<ul class="warn">{items}</ul>'
            '</section>')


def _summary(sources: list[dict]) -> str:
    ok = sum(1 for s in sources if s["health"] == "ok")
    bad = [s for s in sources if s["health"] in PROBLEMS]
    text = f"{ok} von {len(sources)} Quellen in Ordnung."
    if not bad:
        return f'<p class="summary">{_e(text)}</p>'
    links = ", ".join(f'<a href="#quelle-{_e(s["id"])}">{_e(s["name"])}</a> '
                      f'({_e(s["health_label"])})' for s in bad)
    return f'<p class="summary">{_e(text)} <strong>Bitte ansehen:</strong> {links}</p>'


def _overview(sources: list[dict], settings: Settings, counts: WeekCounts) -> str:
    head = ("Quelle", "Zustand", "Letzter Erfolg", "Einträge", "Übersprungen",
            "Zusammengeführt", f"Termine je Woche (nächste {WEEKS} Wochen)")
    rows = "".join(
        f'<tr class="{"bad" if s["health"] in PROBLEMS else ""}">'
        f'<td><a href="#quelle-{_e(s["id"])}">{_e(s["name"])}</a></td>'
        f'<td>{badge(s["health"], s["health_label"])}</td>'
        f'<td>{_e(local_time(s.get("last_success"), settings.timezone))}</td>'
        f'<td class="n">{_e(s.get("count", 0))}</td><td class="n">{_e(s.get("skipped", 0))}</td>'
        f'<td class="n">{_e(s.get("merged", 0))}</td><td>{_chart(s, counts)}</td></tr>'
        for s in sources)
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    return f'<table class="overview"><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table>'


def _source(s: dict, settings: Settings) -> str:
    state = s["health"]
    tz = settings.timezone
    rows = [("Art", KIND_LABELS.get(s["kind"], s["kind"])),
            ("Letzter Abruf", local_time(s.get("last_attempt"), tz)),
            ("Letzter Erfolg", local_time(s.get("last_success"), tz)),
            ("Letzte Änderung", local_time(s.get("last_change"), tz)),
            ("HTTP-Status", s.get("http_status") or "–"),
            ("Einträge", s.get("count", 0)),
            ("Übersprungen", _skipped(s)),
            ("Zusammengeführt", f"{s.get('merged', 0)} (auch von anderen Quellen gemeldet)")]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    dl += _problem_rows(s)
    cls = "src bad" if state in PROBLEMS else "src"
    return (f'<section class="{cls}" id="quelle-{_e(s["id"])}"><h3>{_e(s["name"])} '
            f'<span class="id">({_e(s["id"])})</span>{badge(state, s["health_label"])}</h3>'
            f"<dl>{dl}</dl></section>")


def _skipped(s: dict) -> str:
    n = s.get("skipped", 0)
    if not n:
        return "0"
    sample = s.get("skipped_sample") or ""
    return f"{n} fehlerhafte Einträge ausgelassen" + (f" – z. B.: {sample}" if sample else "")


def _problem_rows(s: dict) -> str:
    out = ""
    if s.get("last_error"):
        text = s["last_error"]
        extra = HTTP_HINTS.get(s.get("http_status") or 0, "")
        out += (f'<dt>Letzter Fehler</dt><dd class="err">{_e(text)}'
                + (f"<br>{_e(extra)}" if extra else "") + "</dd>")
    if s.get("held"):
        out += f'<dt>Zurückgehalten, weil</dt><dd class="err">{_e(s["held"])}</dd>'
    if s.get("retry_after_until"):
        out += f"<dt>Nächster Versuch frühestens</dt><dd>{_e(s['retry_after_until'])}</dd>"
    hint = HINTS.get(s["health"])
    if hint:
        out += f'<dt>Was heißt das?</dt><dd class="hint">{_e(hint.format(id=s["id"]))}</dd>'
    return out


def _chart(s: dict, counts: WeekCounts) -> str:
    if s["kind"] == "feed":
        return "– (Nachrichten)"
    series = counts.of(s["id"])
    total = sum(series)
    note = f"{total} Termine" if total else "<strong>Keine kommenden Termine!</strong>"
    return f"{svg_chart(series, counts.monday)}<br><small>{note}</small>"


def render_login(service: str, *, wrong: bool = False, note: str = "",
                 form: bool = True) -> str:
    parts = [f"<h1>Status – {_e(service)}</h1>"]
    if note:
        parts.append(f'<p class="warn">{_e(note)}</p>')
    if wrong:
        parts.append('<p class="err" role="alert">Das Admin-Token stimmt nicht.</p>')
    if form:
        parts.append(
            '<form method="post" action="/admin/login">'
            '<label for="token">Admin-Token (aus der Umgebungsvariable, die in der '
            "Konfiguration unter admin_token_env steht)</label>"
            '<input type="password" id="token" name="token" autocomplete="current-password" '
            'required> <button type="submit">Anmelden</button></form>')
    return _doc(f"Anmeldung – {service}", "".join(parts))
