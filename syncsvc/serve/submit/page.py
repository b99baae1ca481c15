"""The German HTML of „Termin melden“: one form, no JavaScript, readable on a phone.

Every value is html-escaped; each input has a visible ``<label for>``; the honeypot sits
in a block hidden from people and screen readers (``hidden``, ``aria-hidden``) that bots
filling every input still see.
"""

from __future__ import annotations

from html import escape

from ...submit.fields import FIELDS, HONEYPOT

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;"
          "line-height:1.5}label{display:block;margin-top:.8rem;font-weight:600}"
          "input,textarea,select{width:100%;box-sizing:border-box;font-size:1rem;padding:.4rem}"
          "input[type=checkbox]{width:auto}.check{font-weight:400}.err{color:#a00}"
          "button{margin-top:1rem;font-size:1.1rem;padding:.6rem 1.2rem}")
_TYPES = {"day": "date", "begin": "time", "end": "time", "link": "url",
          "contact_email": "email", "contact_phone": "tel"}


def render_form(name: str, token: str, categories: tuple[str, ...], keep_days: int,
                values: dict | None = None, problems: list[str] | None = None) -> str:
    values = values or {}
    errs = "".join(f"<li>{escape(p)}</li>" for p in problems or [])
    rows = "".join(_field(f, values, categories) for f in FIELDS)
    checked = " checked" if values.get("all_day") else ""
    return _page(name, "Termin melden", f"""
<p>Hier können Vereine, Gruppen und Initiativen einen Termin für den Kalender von
{escape(name)} melden. Er erscheint erst, wenn ihn die Redaktion geprüft hat.
<a href="/termin-melden/so-gehts">So melden Sie Ihre Termine</a> (auch viele auf einmal).</p>
{f'<ul class="err" role="alert">{errs}</ul>' if errs else ''}
<form method="post" action="/termin-melden">
<input type="hidden" name="token" value="{escape(token)}">
<div hidden aria-hidden="true"><label for="{HONEYPOT}">Bitte leer lassen</label>
<input id="{HONEYPOT}" name="{HONEYPOT}" tabindex="-1" autocomplete="off"></div>
{rows}
<label class="check"><input type="checkbox" name="all_day" value="1"{checked}>
 ganztägig (ohne Uhrzeit)</label>
<label class="check"><input type="checkbox" name="consent" value="1" required>
 Ich bin einverstanden, dass die Angaben gespeichert werden: die Angaben zum Termin, bis
 er nicht mehr im Kalender steht, und E-Mail/Telefon nur für Rückfragen der Redaktion –
 sie werden nie veröffentlicht und {keep_days} Tage nach dem Termin gelöscht.</label>
<button type="submit">Termin melden</button>
</form>""")


def render_guide(name: str, keep_days: int) -> str:
    """„So melden Sie Ihre Termine“: the one-page guide for partners, in plain German."""
    return _page(name, "So melden Sie Ihre Termine", f"""
<p>Der Kalender von {escape(name)} zeigt die Termine der Vereine, Gruppen, Kirchen und
Initiativen in Idstein an einem Ort – für alle, die neu hier sind, und für alle, die schon
lange hier leben. So kommen Ihre Termine hinein:</p>
<h2>1. Einzelne Termine: das Formular</h2>
<p>Im <a href="/termin-melden">Formular „Termin melden“</a> tragen Sie Titel, Tag, Uhrzeit,
Ort und eine kurze Beschreibung ein. Die Redaktion der Stadt prüft jeden Termin; erst dann
erscheint er im Kalender, auf den Terminseiten und in den Abonnements. Geben Sie bitte eine
E-Mail-Adresse oder Telefonnummer für Rückfragen an: sie wird nie veröffentlicht und
{keep_days} Tage nach dem Termin gelöscht.</p>
<h2>2. Viele Termine: eine Tabelle</h2>
<p>Führen Sie Ihre Termine in Excel oder LibreOffice? Dann genügt eine Tabelle mit den
Spalten <code>Titel</code>, <code>Datum</code> (TT.MM.JJJJ), <code>Beginn</code>,
<code>Ende</code>, <code>Ort</code> und <code>Beschreibung</code>, gespeichert als CSV.
Schicken Sie der Stadt einmal die Adresse, unter der die Datei liegt, oder die Datei
selbst; jede Änderung erscheint dann von allein im Kalender.</p>
<h2>3. Sie haben schon einen Kalender</h2>
<p>Ein Kalender in Google, Outlook, Nextcloud, WordPress oder ein RSS-Feed Ihrer Website
lässt sich direkt einbinden: Schicken Sie der Stadt die Abonnement-Adresse (sie endet oft
auf <code>.ics</code>). Doppelte Termine – etwa wenn zwei Partner dasselbe Fest ankündigen –
legt der Kalender selbst zusammen und nennt beide.</p>
<h2>Ändern oder absagen</h2>
<p>Ein gemeldeter Termin ändert sich oder fällt aus? Melden Sie sich bei der Redaktion
der Stadt; ein abgesagter Termin bleibt als „Abgesagt“ sichtbar, damit niemand vor
verschlossener Tür steht. Termine aus Ihrem eigenen Kalender oder Ihrer Tabelle ändern
Sie einfach dort.</p>""")


def render_done(name: str) -> str:
    return _page(name, "Danke!", "<p>Vielen Dank! Der Termin wurde gemeldet und erscheint, "
                 "sobald ihn die Redaktion freigegeben hat.</p>")


def render_refused(name: str, reason: str) -> str:
    return _page(name, "Nicht angenommen", f'<p class="err" role="alert">{escape(reason)}</p>'
                 '<p><a href="/termin-melden">Zurück zum Formular</a></p>')


def _field(f, values: dict, categories: tuple[str, ...]) -> str:
    return field_html(f, str(values.get(f.name, "")), categories)


def field_html(f, value: str, categories: tuple[str, ...], *, id_prefix: str = "",
               rows: int = 5, keep_unknown: bool = False) -> str:
    """One labelled input of a submission field, its value escaped; shared by the public
    form and /admin's edit form (``keep_unknown``: a stored category no longer in the
    list stays selectable instead of silently changing on save)."""
    fid = f"{id_prefix}{f.name}"
    req = " required" if f.required else ""
    label = f'<label for="{fid}">{escape(f.label)}{" *" if f.required else ""}</label>'
    if f.name == "category":
        choices = (value, *categories) if keep_unknown and value and \
            value not in categories else categories
        opts = "".join(f'<option{" selected" if c == value else ""}>{escape(c)}</option>'
                       for c in choices)
        return f'{label}<select id="{fid}" name="{f.name}"{req}>{opts}</select>'
    if f.name == "description":
        return (f'{label}<textarea id="{fid}" name="{f.name}" rows="{rows}" '
                f'maxlength="{f.limit}">{escape(value)}</textarea>')
    kind = _TYPES.get(f.name, "text")
    return (f'{label}<input id="{fid}" name="{f.name}" type="{kind}" maxlength="{f.limit}"'
            f' value="{escape(value)}"{req}>')


def _page(name: str, title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} – {escape(name)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")
