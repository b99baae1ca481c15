"""HTML of the moderation pages in /admin (German, no JavaScript).

Kept apart from ``page`` (the status page) so both can change independently. Everything
shown comes from residents through the public form, so every value goes through
``html.escape`` – in text, in attributes and inside ``<textarea>``.
"""

from __future__ import annotations

import html

from ...submit.fields import EVENT_FIELDS
from ..submit.page import field_html
from .page import STYLE

STATUS = {"pending": "wartet auf Freigabe", "approved": "freigegeben und veröffentlicht",
          "rejected": "abgelehnt"}
_EXTRA_STYLE = (".ok{background:#e6f4ea;border-left:5px solid #1e7b34;padding:.5rem 1rem}"
                "form.mod input[type=text],form.mod textarea,form.mod select,"
                "form.mod input[type=date],form.mod input[type=time],form.mod input[type=url]"
                "{width:100%;max-width:40rem;box-sizing:border-box;padding:.3rem}"
                ".actions form{margin:1rem 0}.actions textarea{width:100%;max-width:40rem}"
                "nav{margin-bottom:1rem}")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def german_day(day: str) -> str:
    """'2026-12-24' → '24.12.2026'; anything else as it is."""
    y, _, rest = (day or "").partition("-")
    m, _, d = rest.partition("-")
    return f"{d}.{m}.{y}" if y.isdigit() and m.isdigit() and d.isdigit() else day


def when(row: dict) -> str:
    if row.get("all_day"):
        return "ganztägig"
    begin, end = row.get("begin") or "?", row.get("end") or ""
    return f"{begin}–{end} Uhr" if end else f"ab {begin} Uhr"


def _doc(service: str, title: str, body: str) -> str:
    nav = ('<nav><a href="/admin">← Statusseite</a> · '
           '<a href="/admin/meldungen">Gemeldete Termine</a></nav>')
    return ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex">'
            f"<title>{_e(title)} – {_e(service)}</title>"
            f"<style>{STYLE}{_EXTRA_STYLE}</style></head><body>{nav}{body}</body></html>")


def render_list(service: str, pending: list[dict], approved: list[dict], note: str, *,
                missing: bool = False) -> str:
    parts = ["<h1>Gemeldete Termine („Termin melden“)</h1>"]
    if missing:
        parts.append('<p class="warn" role="alert">Diesen gemeldeten Termin gibt es nicht '
                     "(mehr).</p>")
    if note:
        parts.append(f'<p class="ok" role="status">{_e(note)}</p>')
    parts.append(f"<h2>Warten auf Freigabe ({len(pending)})</h2>")
    parts.append(_table(pending) if pending else
                 "<p>Keine gemeldeten Termine warten auf Freigabe.</p>")
    parts.append(f"<h2>Freigegeben ({len(approved)})</h2>")
    parts.append(_table(approved) if approved else "<p>Noch keine freigegebenen Termine.</p>")
    parts.append("<footer>Ein freigegebener Termin erscheint sofort in allen Kalendern. "
                 "Abgelehnte Termine werden nicht veröffentlicht; auch ein freigegebener "
                 "Termin lässt sich so wieder zurückziehen. Kontaktdaten werden nie "
                 "veröffentlicht. Anleitung: docs/admin.de.md, Abschnitt 11.</footer>")
    return _doc(service, "Gemeldete Termine", "".join(parts))


def _table(rows: list[dict]) -> str:
    head = ("Nr.", "Datum", "Zeit", "Titel", "Organisation", "Ort", "Kategorie", "")
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    body = "".join(
        f'<tr class="meldung" id="meldung-{int(r["id"])}"><td>#{int(r["id"])}</td>'
        f'<td>{_e(german_day(r["day"]))}</td><td>{_e(when(r))}</td><td>{_e(r["title"])}</td>'
        f'<td>{_e(r["organisation"])}</td><td>{_e(r["place"])}</td>'
        f'<td>{_e(r["category"])}</td>'
        f'<td><a href="/admin/meldungen/{int(r["id"])}">ansehen und entscheiden</a></td></tr>'
        for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render_detail(service: str, row: dict, csrf: str, categories: tuple[str, ...], *,
                  problems: list[str] | None = None, note: str = "") -> str:
    sub_id = int(row["id"])
    status = row.get("status", "pending")
    parts = [f"<h1>Gemeldeter Termin #{sub_id}: {_e(row.get('title'))}</h1>"]
    if note:
        parts.append(f'<p class="ok" role="status">{_e(note)}</p>')
    if problems:
        items = "".join(f"<li>{_e(p)}</li>" for p in problems)
        parts.append(f'<ul class="err warn" role="alert">{items}</ul>')
    contact = ", ".join(c for c in (row.get("contact_email"), row.get("contact_phone")) if c)
    if row.get("contact_purged"):
        contact = "bereits gelöscht"
    facts = [("Zustand", STATUS.get(status, status)), ("Eingegangen", row.get("created")),
             ("Datum", german_day(row.get("day", ""))), ("Zeit", when(row)),
             ("Kontakt für Rückfragen (nie veröffentlicht)", contact or "–")]
    if status == "rejected" and row.get("reason"):
        facts.append(("Grund der Ablehnung", row["reason"]))
    parts.append("<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
                 + "</dl>")
    parts.append(_actions(sub_id, status, csrf))
    parts.append(_edit_form(row, csrf, categories))
    return _doc(service, f"Gemeldeter Termin #{sub_id}", "".join(parts))


def _hidden(csrf: str, action: str) -> str:
    return (f'<input type="hidden" name="csrf" value="{_e(csrf)}">'
            f'<input type="hidden" name="aktion" value="{_e(action)}">')


def _actions(sub_id: int, status: str, csrf: str) -> str:
    url = f"/admin/meldungen/{sub_id}"
    out = ['<section class="actions"><h2>Entscheiden</h2>']
    if status != "approved":
        out.append(f'<form method="post" action="{url}">{_hidden(csrf, "freigeben")}'
                   '<button type="submit">Freigeben und veröffentlichen</button></form>')
    if status != "rejected":
        label = "Zurückziehen (aus allen Kalendern entfernen)" if status == "approved" \
            else "Ablehnen"
        out.append(f'<form method="post" action="{url}">{_hidden(csrf, "ablehnen")}'
                   f'<label for="grund">Grund (nur intern, wird nicht veröffentlicht)</label>'
                   '<textarea id="grund" name="grund" rows="2" maxlength="500"></textarea>'
                   f'<button type="submit">{_e(label)}</button></form>')
    out.append("</section>")
    return "".join(out)


def _edit_form(row: dict, csrf: str, categories: tuple[str, ...]) -> str:
    sub_id = int(row["id"])
    fields = "".join(_field(f, row, categories) for f in EVENT_FIELDS)
    checked = " checked" if row.get("all_day") else ""
    return (f'<section><h2>Angaben bearbeiten</h2><form class="mod" method="post" '
            f'action="/admin/meldungen/{sub_id}">{_hidden(csrf, "speichern")}{fields}'
            f'<label><input type="checkbox" name="all_day" value="1"{checked}> ganztägig'
            "</label><p>Die Kontaktdaten ändert nur die meldende Person. Ist der Termin "
            "schon freigegeben, erscheint die Änderung sofort in allen Kalendern.</p>"
            '<button type="submit">Änderungen speichern</button></form></section>')


def _field(f, row: dict, categories: tuple[str, ...]) -> str:
    return field_html(f, str(row.get(f.name) or ""), categories, id_prefix="f-", rows=6,
                      keep_unknown=True)
