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
from ..common import Fragments, event_link, is_series
from ..ics import calendar_chunks, render_calendar
from . import dates
from .address import map_link, parse_place, schema_place
from .layout import Site, lang_attrs, page
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
    if not own and replace(ev, uid=pe.event.uid) == pe.event:
        return pe  # a one-off: the very record the calendar views serialized (its VEVENT
        # carries pe.uid either way)
    return replace(pe, uid=uid, event=ev)


def render_ics(e: Entry, site: Site, tz: str, refresh_s: int, localizer=None,
               blocks: Fragments | None = None) -> bytes:
    """The occurrence's own calendar. ``blocks``: the run's VEVENTs of the German views;
    a one-off is the same record there, so its serialized VEVENT is reused (rendering
    one VEVENT per page again was the largest cost of a cold publish)."""
    title = " ".join(f"{site.name} – {e.title}".split())
    single = single_event(e)
    if blocks is not None and single is e.listed.published:
        return b"".join(calendar_chunks([single], blocks, name=site.name, tz=tz,
                                        base_url=site.base, refresh_s=refresh_s,
                                        self_path=f"/{site.prefix}{e.ics}", title=title))
    return render_calendar([single], name=site.name, tz=tz, base_url=site.base,
                           refresh_s=refresh_s, self_path=f"/{site.prefix}{e.ics}",
                           title=title, localizer=localizer)


def json_ld(e: Entry, site: Site) -> dict:
    ev, pe = e.event, e.listed.published
    out: dict = {
        "@context": "https://schema.org", "@type": "Event", "name": ev.summary,
        "startDate": dates.iso(e.start), "eventStatus": STATUS[e.status],
        "eventAttendanceMode": OFFLINE, "inLanguage": e.title_lang,
        "url": f"{site.base}/{site.prefix}{e.page}",
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
    ev, pe, tr = e.event, e.listed.published, site.tr
    _ = tr.gettext
    title = f"<span{lang_attrs(e.title_lang, site.lang)}>{escape(ev.summary)}</span>" \
        if e.title_lang != site.lang else escape(ev.summary)
    parts = [f"<h1>{title}</h1>", status_box(e, tr), facts(e, links)]
    parts.append(description(ev, lang_attrs(e.description_lang, site.lang)))
    more = event_link(pe)
    if more:
        text = _("Mehr zu „{title}“ bei {name}").format(title=ev.summary,
                                                       name=pe.sources[0].name) \
            if pe.sources else _("Mehr zu „{title}“").format(title=ev.summary)
        parts.append(f"<p><a href=\"{escape(more)}\">{escape(text)}</a></p>")
    when = dates.when(e.start, e.end, tr)
    add, hint = _("In meinen Kalender"), _("(Kalenderdatei für diesen einen Termin)")
    parts.append(
        "<p class=\"action-row\">"
        f"<a class=\"action\" href=\"{escape(links.url(e.ics))}\">{escape(add)}"
        f"<span class=\"sr\">: {escape(ev.summary)}, {escape(when)}"
        f"</span></a> <span class=\"meta\">{escape(hint)}</span></p>")
    parts.append(subscribe_block(links, pe.categories))
    head = ("<script type=\"application/ld+json\">\n"
            f"{script_json(json_ld(e, site))}\n</script>\n")
    return page(site, f"{ev.summary} – {when} – {site.name}", "\n".join(p for p in parts if p),
                head=head, canonical=links.url(e.page))


def status_box(e: Entry, tr) -> str:
    _ = tr.gettext
    if e.status == CANCELLED:
        badge, text = _("Abgesagt"), _("Dieser Termin findet nicht statt.")
        return (f"<p class=\"box\"><span class=\"badge no\">{escape(badge)}</span> "
                f"{escape(text)}</p>")
    if e.status == MOVED and e.original is not None:
        text = _("Neuer Termin: {new}. Ursprünglich geplant: {old}.").format(
            new=dates.when(e.start, e.end, tr), old=dates.when(e.original, None, tr))
        badge = _("Verlegt")
        return (f"<p class=\"box\"><span class=\"badge mv\">{escape(badge)}</span> "
                f"{escape(text)}</p>")
    return ""


def facts(e: Entry, links: Links) -> str:
    ev, pe, tr = e.event, e.listed.published, links.tr
    _ = tr.gettext
    rows = [(_("Wann"), f"<time datetime=\"{escape(dates.iso(e.start))}\">"
                        f"{escape(dates.when(e.start, e.end, tr))}</time>")]
    if ev.location.strip():
        osm = escape(map_link(ev.location))
        search = _("„{place}“ auf OpenStreetMap suchen").format(place=ev.location)
        rows.append((_("Wo"), f"<bdi>{escape(ev.location)}</bdi><br><a href=\"{osm}\">"
                              f"{escape(search)}</a>"))
    cats = [links.category_link(c) for c in pe.categories]
    if cats:
        rows.append((_("Kategorie"), ", ".join(cats)))
    if pe.sources:
        rows.append((_("Angekündigt von"), "<br>".join(links.partner_line(s)
                                                        for s in pe.sources)))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f"<dl class=\"facts\">{body}</dl>"


def description(ev, attrs: str = "") -> str:
    """Sanitized HTML from normalize (partner text is untrusted); plain text escaped.
    ``attrs``: lang/dir of a description in another language than the page."""
    if ev.description_html.strip():
        return f"<div class=\"description\"{attrs}>{ev.description_html}</div>"
    paras = [p.strip() for p in ev.description.split("\n\n") if p.strip()]
    text = "".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in paras)
    return f"<div{attrs}>{text}</div>" if attrs and text else text
