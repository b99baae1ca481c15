"""The page of one occurrence, its schema.org JSON-LD and its single-event .ics.

The .ics goes through the same VEVENT path as calendar.ics (``ics.render_calendar``), with
the occurrence as a one-off: a series date gets its own UID (``<uid>-<start>``) so that
adding it next to a subscribed calendar.ics never replaces the whole series there.
JSON-LD is ``json.dumps`` with ``<``, ``>`` and ``&`` written as ``\\u00XX``, so no
partner text can close the ``<script>`` data block.
"""

from __future__ import annotations

import json
from dataclasses import replace
from html import escape

from ...models import PublishedEvent
from ...recur.vevent import format_instant
from ..common import event_link, is_series
from ..ics import render_calendar
from . import dates
from .address import map_link, parse_place, schema_place
from .layout import Site, page
from .links import Links, subscribe_block
from .model import CANCELLED, MOVED, Entry

STATUS = {"": "https://schema.org/EventScheduled",
          CANCELLED: "https://schema.org/EventCancelled",
          MOVED: "https://schema.org/EventRescheduled"}
OFFLINE = "https://schema.org/OfflineEventAttendanceMode"


def single_event(e: Entry) -> PublishedEvent:
    """The occurrence as a one-off record (start/end of this date, no rule, own UID)."""
    pe, occ = e.listed.published, e.listed.occurrence
    own = pe.event.recurrence_id or is_series(pe.event)
    uid = f"{pe.uid}-{occ.key.replace(':', '').replace('-', '')}" if own else pe.uid
    ev = replace(occ.event, uid=uid, start=format_instant(occ.start),
                 end=format_instant(occ.end) if occ.end is not None else "", rrule="",
                 rdates=(), exdates=(), recurrence_id="", utc_anchor=False)
    return replace(pe, uid=uid, event=ev)


def render_ics(e: Entry, site: Site, tz: str, refresh_s: int) -> bytes:
    return render_calendar([single_event(e)], name=site.name, tz=tz, base_url=site.base,
                           refresh_s=refresh_s, self_path="/" + e.ics,
                           title=" ".join(f"{site.name} – {e.title}".split()))


def json_ld(e: Entry, site: Site) -> dict:
    ev, pe = e.event, e.listed.published
    out: dict = {
        "@context": "https://schema.org", "@type": "Event", "name": ev.summary,
        "startDate": dates.iso(e.start), "eventStatus": STATUS[e.status],
        "eventAttendanceMode": OFFLINE, "inLanguage": "de",
        "url": f"{site.base}/{e.page}",
    }
    if e.end is not None:
        end = e.end if hasattr(e.end, "hour") else dates.last_day(e.start, e.end)
        out["endDate"] = dates.iso(end)
    if e.original is not None:
        out["previousStartDate"] = dates.iso(e.original)
    if ev.location.strip():
        out["location"] = schema_place(parse_place(ev.location))
    if pe.sources:
        out["organizer"] = {"@type": "Organization", "name": pe.sources[0].name}
    if ev.description.strip():
        out["description"] = ev.description.strip()
    return out


def script_json(doc: dict) -> str:
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(e: Entry, site: Site, links: Links) -> str:
    ev, pe = e.event, e.listed.published
    parts = [f"<h1>{escape(ev.summary)}</h1>", status_box(e), facts(e, links)]
    parts.append(description(ev))
    more = event_link(pe)
    if more:
        who = f" bei {escape(pe.sources[0].name)}" if pe.sources else ""
        parts.append(f"<p><a href=\"{escape(more)}\">Mehr zu „{escape(ev.summary)}“{who}"
                     "</a></p>")
    parts.append(
        "<p class=\"action-row\">"
        f"<a class=\"action\" href=\"{escape(site.base)}/{escape(e.ics)}\">In meinen Kalender"
        f"<span class=\"sr\">: {escape(ev.summary)}, {escape(dates.when(e.start, e.end))}"
        "</span></a> <span class=\"meta\">(Kalenderdatei für diesen einen Termin)</span></p>")
    parts.append(subscribe_block(links, pe.categories))
    head = ("<script type=\"application/ld+json\">\n"
            f"{script_json(json_ld(e, site))}\n</script>\n")
    title = f"{ev.summary} – {dates.when(e.start, e.end)} – {site.name}"
    return page(site, title, "\n".join(p for p in parts if p), head=head,
                canonical=f"{site.base}/{e.page}")


def status_box(e: Entry) -> str:
    if e.status == CANCELLED:
        return ("<p class=\"box\"><span class=\"badge no\">Abgesagt</span> Dieser Termin "
                "findet nicht statt.</p>")
    if e.status == MOVED and e.original is not None:
        return ("<p class=\"box\"><span class=\"badge mv\">Verlegt</span> Neuer Termin: "
                f"{escape(dates.when(e.start, e.end))}. Ursprünglich geplant: "
                f"{escape(dates.when(e.original, None))}.</p>")
    return ""


def facts(e: Entry, links: Links) -> str:
    ev, pe = e.event, e.listed.published
    rows = [("Wann", f"<time datetime=\"{escape(dates.iso(e.start))}\">"
                     f"{escape(dates.when(e.start, e.end))}</time>")]
    if ev.location.strip():
        osm = escape(map_link(ev.location))
        rows.append(("Wo", f"{escape(ev.location)}<br><a href=\"{osm}\">„{escape(ev.location)}“"
                           " auf OpenStreetMap suchen</a>"))
    cats = [links.category_link(c) for c in pe.categories]
    if cats:
        rows.append(("Kategorie", ", ".join(cats)))
    if pe.sources:
        rows.append(("Angekündigt von", "<br>".join(links.partner_line(s)
                                                     for s in pe.sources)))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<dl class=\"facts\">{body}</dl>"


def description(ev) -> str:
    """Sanitized HTML from normalize (partner text is untrusted); plain text escaped."""
    if ev.description_html.strip():
        return f"<div class=\"description\">{ev.description_html}</div>"
    paras = [p.strip() for p in ev.description.split("\n\n") if p.strip()]
    return "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in paras)
