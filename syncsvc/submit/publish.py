"""Approved submissions → events of the built-in source ``formular``.

The events are rebuilt from every approved row after each decision and stored with
``Store.replace_events``, so an approval bumps the data version (the daemon republishes)
and a rejection after an approval removes the event again. Title, place and description
go through ``normalize`` like every partner's text (the sanitizer drops markup, and links
other than http(s)); the organisation is named in the description.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import Settings, SourceConfig
from ..models import Event, RawEvent
from ..normalize import normalize_events
from ..parse.csv import raw_event

FORM_ID = "formular"
FORM_SOURCE = SourceConfig(id=FORM_ID, name="gemeldet über das Formular", url="",
                           kind="form", priority=-10)


def form_events(rows: list[dict], timezone: str) -> list[Event]:
    return normalize_events([_raw(r, timezone) for r in rows], FORM_SOURCE, timezone)


def refresh(store, settings: Settings, rows: list[dict]) -> bool:
    """Store the approved rows as the source's events; True if anything changed."""
    store.sync_sources([FORM_SOURCE])
    return store.replace_events(FORM_ID, form_events(rows, settings.timezone))


def _raw(row: dict, timezone: str) -> RawEvent:
    values = {"Titel": row["title"], "Datum": row["day"], "Beginn": row["begin"] or "",
              "Ende": row["end"] or "", "Ganztägig": "ja" if row["all_day"] else "",
              "Ort": row["place"] or "", "Link": row["link"] or "",
              "Kategorie": row["category"] or "",
              "Beschreibung": _attributed(row["description"] or "", row["organisation"])}
    raw = raw_event(values, FORM_ID, timezone)
    return replace(raw, uid=f"formular-{row['id']}@{FORM_ID}")


def _attributed(description: str, organisation: str) -> str:
    note = f"Veranstalter: {organisation} – gemeldet über das Formular „Termin melden“."
    return f"{description.strip()}\n\n{note}" if description.strip() else note
