"""The form's fields, their limits, and the German reasons a value is refused.

Every field has a length limit; the date and times are read by the same functions as the
CSV source, the category must be one of the known ones. The values are stored as typed (trimmed)
and sanitized only when published, like a partner's: a ``javascript:`` link is dropped
there by ``normalize.sanitize.safe_url``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..parse.csv import parse_date, parse_time

DEFAULT_CATEGORIES = ("Beratung", "Begegnung", "Feste", "Kultur", "Kurse", "Sport", "Sprache")
HONEYPOT = "webseite"
MAX_AHEAD_DAYS = 2 * 365
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^[0-9 +()/-]{5,30}$")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    limit: int
    required: bool = False


FIELDS = (
    Field("organisation", "Organisation oder Gruppe", 120, True),
    Field("title", "Titel des Termins", 120, True),
    Field("day", "Datum", 10, True),
    Field("begin", "Beginn (Uhrzeit)", 5),
    Field("end", "Ende (Uhrzeit)", 5),
    Field("place", "Ort (Adresse)", 200, True),
    Field("description", "Beschreibung", 2000),
    Field("link", "Link mit mehr Informationen", 500),
    Field("category", "Kategorie", 60, True),
    Field("contact_email", "E-Mail für Rückfragen", 200),
    Field("contact_phone", "Telefon für Rückfragen", 30),
)
EVENT_FIELDS = tuple(f for f in FIELDS if not f.name.startswith("contact_"))
LABELS = {f.name: f.label for f in FIELDS}


def known_categories(settings) -> tuple[str, ...]:
    found = {c for s in settings.sources for c in s.categories}
    return tuple(sorted(found | set(DEFAULT_CATEGORIES), key=str.casefold))


def check(form: dict[str, str], categories: tuple[str, ...], today: date, *,
          contact: bool = True) -> tuple[dict[str, object], list[str]]:
    """(values to store, German problems); values are only complete without problems.
    ``contact=False`` checks the event fields only (a moderator's edit: the contact data
    is the submitter's and may already be purged, and consent was given on the form)."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for f in FIELDS if contact else EVENT_FIELDS:
        text = form.get(f.name, "").strip()
        if len(text) > f.limit:
            problems.append(f"„{f.label}“ ist zu lang (höchstens {f.limit} Zeichen).")
        elif f.required and not text:
            problems.append(f"Bitte „{f.label}“ ausfüllen.")
        values[f.name] = text
    values["all_day"] = 1 if form.get("all_day") else 0
    problems += _semantics(values, categories, today, contact)
    if contact and not form.get("consent"):
        problems.append("Bitte der Speicherung der Angaben zustimmen (Kästchen am Ende).")
    return values, problems


def _semantics(values: dict, categories: tuple[str, ...], today: date,
               contact: bool) -> list[str]:
    problems = []
    try:
        if values["day"]:
            day = parse_date(str(values["day"]))
            values["day"] = day.isoformat()
            if not today <= day <= today + timedelta(days=MAX_AHEAD_DAYS):
                problems.append("Das Datum muss heute oder in den nächsten zwei Jahren liegen.")
    except ValueError as e:
        problems.append(str(e))
    problems += _times(values)
    if values["category"] and values["category"] not in categories:
        problems.append("Bitte eine Kategorie aus der Liste wählen.")
    if not contact:
        return problems
    if not values["contact_email"] and not values["contact_phone"]:
        problems.append("Bitte eine E-Mail-Adresse oder Telefonnummer für Rückfragen angeben.")
    if values["contact_email"] and not _EMAIL.match(str(values["contact_email"])):
        problems.append("Die E-Mail-Adresse sieht nicht gültig aus.")
    if values["contact_phone"] and not _PHONE.match(str(values["contact_phone"])):
        problems.append("Die Telefonnummer darf nur Ziffern, Leerzeichen und + ( ) / - "
                        "enthalten.")
    return problems


def _times(values: dict) -> list[str]:
    if values["all_day"]:
        values["begin"] = values["end"] = ""
        return []
    if not values["begin"]:
        return ["Bitte eine Beginn-Uhrzeit angeben oder „ganztägig“ ankreuzen."]
    problems = []
    for name, column in (("begin", "Beginn"), ("end", "Ende")):
        if values[name]:
            try:
                values[name] = parse_time(str(values[name]), column).strftime("%H:%M")
            except ValueError as e:
                problems.append(str(e))
    return problems
